"""Ambulatory venous pressure of a leg (mmHg) from its state, as the model defines it.

``AVP = normal + superficial * superficial_reflux + deep * deep_reflux + per_segment * segments
+ obstruction * obstruction + per_bmi_unit * (BMI - 25)`` with the numbers of
``params.venous_pressure`` (Nicolaides 1993 and assumptions; see docs/model.md). The compiled
engine evaluates the same expression inside its loop (``cvirisk/sim/compiled/kernel.py``, ``_avp``).

Examples
--------
>>> from cvirisk.params import load_params
>>> ambulatory_venous_pressure(load_params(), superficial=True, segments=1, bmi=25.0)
44.0
"""

from __future__ import annotations

__all__ = ["ambulatory_venous_pressure"]


def ambulatory_venous_pressure(params, superficial: bool = False, deep: bool = False, segments: int = 0,
                               obstruction: bool = False, bmi: float = 25.0) -> float:
    """AVP in mmHg of a leg with the given reflux, refluxing segments, obstruction and the person's BMI."""
    vp = params.venous_pressure
    return float(vp.normal_mmhg.value + vp.superficial_reflux_mmhg.value * superficial
                 + vp.deep_reflux_mmhg.value * deep + vp.per_segment_mmhg.value * segments
                 + vp.obstruction_mmhg.value * obstruction + vp.per_bmi_unit_mmhg.value * (bmi - 25.0))
