"""Scenario controls mapped onto the parameter schema.

Each control names the parameter(s) it changes and the kind of constraint the schema puts on
them; its range is derived from that kind and from the loaded parameters (their value, their
``uncertainty`` and ``calibrate`` bounds), so a slider cannot reach a value the schema rejects.
``tests/dashboard`` checks both ends of every range against the schema.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cvirisk.params import get_value, params_to_dict


@dataclass(frozen=True)
class Control:
    key: str
    label: str
    group: str
    dotted: str
    kind: str  # probability | non_negative | count | ceap_class | smoking_factor | bmi_shift
    help: str = ""
    fmt: str = "%.2f"
    # derived controls turn one slider value into several dotted overrides
    to_overrides: Callable[[Any, Any], dict[str, Any]] | None = field(default=None, compare=False)


def _leaf(params, dotted: str) -> dict:
    node: Any = params_to_dict(params)
    for part in dotted.split("."):
        node = node[part]
    return node


def _smoking_overrides(factor: float, params) -> dict[str, Any]:
    """Scale the share of current smokers in every age band; the difference joins never smokers."""
    out = {}
    for sex in ("male", "female"):
        rows = get_value(params, f"cohort.smoking.{sex}")
        new = []
        for _never, current, former in rows:
            cur = current * factor
            new.append([round(1.0 - cur - former, 12), round(cur, 12), former])
        out[f"cohort.smoking.{sex}"] = new
    return out


def _bmi_overrides(shift: float, params) -> dict[str, Any]:
    return {f"cohort.bmi.mean_at_40_{sex}": round(get_value(params, f"cohort.bmi.mean_at_40_{sex}") + shift, 6)
            for sex in ("male", "female")}


CONTROLS: tuple[Control, ...] = (
    Control("smoking_factor", "Current smokers (x today's share)", "Risk factors", "cohort.smoking", "smoking_factor",
            "1.0 = today; 0.67 = a third fewer smokers (they never started).", "%.2f", _smoking_overrides),
    Control("bmi_shift", "Mean BMI shift (kg/m2)", "Risk factors", "cohort.bmi", "bmi_shift",
            "Added to the mean BMI of men and women.", "%.1f", _bmi_overrides),
    Control("work_share", "Work standing or sitting most of the day (share)", "Risk factors", "cohort.work.share",
            "probability"),
    Control("standing_fraction", "... of whom stand (share)", "Risk factors", "cohort.work.standing_fraction",
            "probability"),
    Control("family_history_share", "Family history of varicose veins (share)", "Risk factors",
            "cohort.family_history.share", "probability"),
    Control("quit_rate", "Smoking quit rate (per year)", "Risk factors", "cohort.smoking.quit_rate_per_year",
            "non_negative", fmt="%.3f"),
    Control("compression_adherence", "Compression adherence (share who wear stockings)", "Interventions",
            "care.compression_adherence", "probability"),
    Control("compression_min_class", "Compression from CEAP class", "Interventions", "care.compression_min_class",
            "ceap_class", fmt="%d"),
    Control("duplex_sensitivity", "Duplex sensitivity", "Interventions", "care.duplex_sensitivity", "probability"),
    Control("surgery_referral_min_class", "Refer for surgery from CEAP class", "Interventions",
            "care.surgery_referral_min_class", "ceap_class", fmt="%d"),
    Control("surgery_capacity", "Operations per year per 100,000", "Capacity",
            "care.surgery_operations_per_year_per_100000", "non_negative", "Theatres serve the simulated "
            "cohort; referrals wait in order.", "%.0f"),
    Control("surgery_theatres", "Operating lists (theatres)", "Capacity", "care.surgery_theatres", "count",
            "Operations run in parallel on this many lists.", "%d"),
)


def current(control: Control, params) -> float:
    """The control's value for ``params`` (1.0 / 0.0 for the relative controls)."""
    if control.kind == "smoking_factor":
        return 1.0
    if control.kind == "bmi_shift":
        return 0.0
    return get_value(params, control.dotted)


def bounds(control: Control, params) -> tuple[float, float, float]:
    """(low, high, step) of the control, inside what the schema accepts."""
    if control.kind == "probability":
        return 0.0, 1.0, 0.01
    if control.kind == "ceap_class":
        return 1, 6, 1
    if control.kind == "count":
        value = int(get_value(params, control.dotted))
        return 1, max(4, 4 * value), 1
    if control.kind == "non_negative":
        leaf = _leaf(params, control.dotted)
        value = float(leaf["value"])
        highs = [4 * value if math.isfinite(value) else 1.0]
        for extra in ("uncertainty", "calibrate"):
            if leaf.get(extra):
                highs.append(float(leaf[extra]["high"]))
        high = max(highs)
        step = 10 ** math.floor(math.log10(high / 100)) if high > 0 else 0.01
        return 0.0, float(round(high, 6)), float(step)
    if control.kind == "smoking_factor":
        # the current share may grow only while current + former <= 1 in every band
        limit = min(
            (1.0 - former) / current
            for sex in ("male", "female")
            for _never, current, former in get_value(params, f"cohort.smoking.{sex}")
            if current > 0
        )
        return 0.0, math.floor(min(limit, 2.0) * 20) / 20, 0.05
    if control.kind == "bmi_shift":
        return -5.0, 5.0, 0.5
    raise ValueError(f"unknown control kind {control.kind}")


def overrides_for(values: dict[str, Any], params) -> dict[str, Any]:
    """Dotted overrides for the controls whose value differs from ``params``."""
    out: dict[str, Any] = {}
    for control in CONTROLS:
        if control.key not in values:
            continue
        value = values[control.key]
        if math.isclose(float(value), float(current(control, params)), rel_tol=0, abs_tol=1e-12):
            continue
        if control.to_overrides is not None:
            out.update(control.to_overrides(value, params))
        else:
            out[control.dotted] = int(value) if control.kind in ("count", "ceap_class") else float(value)
    return out
