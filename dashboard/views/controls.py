"""Scenario controls: each slider is a field of one of the library's interventions.

The Scenarios page builds a :class:`cvirisk.scenarios.Scenario` from the controls
(:func:`scenario_for`) and hands it to :func:`cvirisk.scenarios.compare`, so a control means
exactly what the intervention of the same name means in a scenario file and in ``cvirisk
scenario``: "fewer smokers" is ``smoking_cessation`` (a share of current smokers quit at the
start of follow-up, the shipped ``smoking_down_third``), not a cohort in which they never
started. A shipped scenario is shown on the same controls (:func:`values_for`); every shipped
scenario round-trips (``tests/dashboard/test_dashboard_controls.py``).

Ranges come from the intervention's schema and the parameter schema (a share in [0, 1], a
CEAP class 1-6, adherence capped at 1, ...), so a slider cannot reach a value they reject.
Risk factors of the cohort that no intervention changes (family history, the cohort's BMI or
work mix) are not controls: the scenario arm simulates the baseline's cohort (common random
numbers), and a different population is a different cohort, not an intervention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cvirisk.params import get_value
from cvirisk.scenarios import Scenario, scenario_from_dict

__all__ = [
    "Control",
    "CONTROLS",
    "current",
    "bounds",
    "scenario_for",
    "values_for",
    "NotOnControls",
]


@dataclass(frozen=True)
class Control:
    """One slider: field ``field`` of intervention ``intervention`` (``rate``: ``set`` of parameter ``field``).

    ``kind`` decides the range: ``share`` (0-1, off at 0), ``factor`` (a multiplier, off at 1),
    ``bmi_reduction`` (kg/m2), ``ceap_class`` (1-6), ``probability``, ``count`` (>= 1) and
    ``non_negative`` (a parameter's value, off at its current value).
    """

    key: str
    label: str
    group: str
    intervention: str
    field: str
    kind: str
    help: str = ""
    fmt: str = "%.2f"


#: ``weight_reduction`` applies to persons with a baseline BMI at or above this (the schema's default).
MIN_BMI = 30.0
#: The kg/m2 lost when the share slider is moved first (the shipped ``weight_reduction``'s).
DEFAULT_BMI_REDUCTION = 3.0

CONTROLS: tuple[Control, ...] = (
    Control(
        "smoking_cessation",
        "Current smokers who quit at the start of follow-up (share)",
        "Risk factors",
        "smoking_cessation",
        "share",
        "share",
        "Intervention smoking_cessation: each current smoker quits at year 0 with this probability "
        "(0.33 is the shipped smoking_down_third).",
    ),
    Control(
        "quit_rate",
        "Smokers quitting in follow-up (per year)",
        "Risk factors",
        "rate",
        "cohort.smoking.quit_rate_per_year",
        "non_negative",
        "Rate intervention on cohort.smoking.quit_rate_per_year: the rate at which smokers quit in follow-up.",
        "%.3f",
    ),
    Control(
        "weight_reduction",
        "Persons with obesity (BMI >= 30) who lose weight (share)",
        "Risk factors",
        "weight_reduction",
        "share",
        "share",
        "Intervention weight_reduction at year 0.",
    ),
    Control(
        "bmi_reduction",
        "... kg/m2 they lose",
        "Risk factors",
        "weight_reduction",
        "bmi_reduction",
        "bmi_reduction",
        "Used when the share above is more than 0.",
        "%.1f",
    ),
    Control(
        "work_posture",
        "Workers who stand or sit most of the day who move to other work (share)",
        "Risk factors",
        "work_posture",
        "share_reassigned",
        "share",
        "Intervention work_posture (standing and sitting work) at year 0.",
    ),
    Control(
        "compression_adherence",
        "Compression adherence (x today's share)",
        "Interventions",
        "compression_adherence",
        "multiply",
        "factor",
        "Intervention compression_adherence: the share who wear prescribed stockings times this, capped at 1.",
    ),
    Control(
        "compression_min_class",
        "Compression from CEAP class",
        "Interventions",
        "rate",
        "care.compression_min_class",
        "ceap_class",
        "Rate intervention on care.compression_min_class.",
        "%d",
    ),
    Control(
        "duplex_sensitivity",
        "Duplex sensitivity",
        "Interventions",
        "rate",
        "care.duplex_sensitivity",
        "probability",
        "Rate intervention on care.duplex_sensitivity.",
    ),
    Control(
        "referral",
        "Refer for surgery from CEAP class",
        "Interventions",
        "referral",
        "min_class",
        "ceap_class",
        "Intervention referral (4 is the shipped earlier_referral).",
        "%d",
    ),
    Control(
        "surgical_capacity",
        "Operations a year (x today's)",
        "Capacity",
        "surgical_capacity",
        "multiply",
        "factor",
        "Intervention surgical_capacity: operations per year times this; referrals wait in order.",
    ),
    Control(
        "surgery_theatres",
        "Operating lists (theatres)",
        "Capacity",
        "rate",
        "care.surgery_theatres",
        "count",
        "Rate intervention on care.surgery_theatres: operations run in parallel on this many lists.",
        "%d",
    ),
)
_BY_KEY = {c.key: c for c in CONTROLS}
_PARAM_OF = {
    "referral": "care.surgery_referral_min_class",
    "compression_adherence": "care.compression_adherence",
}


class NotOnControls(ValueError):
    """A scenario with an intervention (or a setting) that no control expresses."""


def current(control: Control, params) -> float:
    """The control's neutral value: what leaves the baseline unchanged."""
    if control.kind == "share":
        return 0.0
    if control.kind == "factor":
        return 1.0
    if control.kind == "bmi_reduction":
        return DEFAULT_BMI_REDUCTION
    if control.intervention == "referral":
        return get_value(params, _PARAM_OF["referral"])
    return get_value(params, control.field)


def bounds(control: Control, params) -> tuple[float, float, float]:
    """(low, high, step) of the control, inside what the schemas accept."""
    if control.kind in ("share", "probability"):
        return 0.0, 1.0, 0.01
    if control.kind == "ceap_class":
        return 1, 6, 1
    if control.kind == "bmi_reduction":
        return 0.5, 10.0, 0.5
    if control.kind == "count":
        return 1, max(4, 4 * int(get_value(params, control.field))), 1
    if control.kind == "factor":
        if (
            control.intervention == "compression_adherence"
        ):  # adherence is capped at 1: higher factors add nothing
            return (
                0.0,
                math.floor(20.0 / get_value(params, _PARAM_OF["compression_adherence"])) / 20.0,
                0.05,
            )
        return 0.0, 4.0, 0.25
    if control.kind == "non_negative":
        value = float(get_value(params, control.field))
        return 0.0, float(round(4 * value, 6)), float(10 ** math.floor(math.log10(4 * value / 100)))
    raise ValueError(f"unknown control kind {control.kind}")


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-12)


def scenario_for(
    values: dict[str, Any], params, name: str = "custom", description: str = ""
) -> Scenario | None:
    """The scenario the controls describe (None when every control is at its neutral value).

    Raises :class:`~cvirisk.exceptions.ScenarioError` (one line) if the schema rejects a value.
    """
    entries: list[dict] = []
    for c in CONTROLS:
        if (
            c.key not in values
            or c.kind == "bmi_reduction"
            or _same(values[c.key], current(c, params))
        ):
            continue
        value = values[c.key]
        if c.intervention == "rate":
            entries.append({"type": "rate", "key": c.field, "set": int(value) if c.kind in ("count", "ceap_class")
                            else float(value)})  # fmt: skip
        elif c.intervention == "referral":
            entries.append({"type": "referral", "min_class": int(value)})
        elif c.intervention in ("compression_adherence", "surgical_capacity"):
            entries.append({"type": c.intervention, "multiply": float(value)})
        elif c.intervention == "weight_reduction":
            entries.append(
                {
                    "type": "weight_reduction",
                    "share": float(value),
                    "min_bmi": MIN_BMI,
                    "at_year": 0.0,
                    "bmi_reduction": float(values.get("bmi_reduction", DEFAULT_BMI_REDUCTION)),
                }
            )
        elif c.intervention == "work_posture":
            entries.append({"type": "work_posture", "share_reassigned": float(value), "posture": "both",
                            "at_year": 0.0})  # fmt: skip
        else:
            entries.append({"type": c.intervention, c.field: float(value), "at_year": 0.0})
    if not entries:
        return None
    return scenario_from_dict({"name": name, "description": description, "interventions": entries},
                              "dashboard controls")  # fmt: skip


def values_for(scenario: Scenario, params) -> dict[str, float]:
    """Control values that express ``scenario`` (every control; neutral where it has no intervention).

    Raises
    ------
    NotOnControls
        An intervention or setting no control expresses (the page then runs the file as it is).
    """
    values = {c.key: current(c, params) for c in CONTROLS}
    if scenario.parameters_from != "history":
        raise NotOnControls(f"{scenario.name}: parameters_from {scenario.parameters_from}")
    by_field = {(c.intervention, c.field): c for c in CONTROLS}
    for entry in scenario.interventions:
        data = entry.model_dump()
        kind = data.pop("type")
        if data.pop("at_year", 0.0) != 0.0:
            raise NotOnControls(f"{scenario.name}: {kind} at year {entry.at_year}")
        if kind == "rate":
            control = by_field.get(("rate", entry.key))
            if control is None or entry.set is None:
                raise NotOnControls(f"{scenario.name}: rate on {entry.key}")
            values[control.key] = entry.set
            continue
        if kind == "weight_reduction" and data.pop("min_bmi") != MIN_BMI:
            raise NotOnControls(f"{scenario.name}: weight_reduction from BMI {entry.min_bmi}")
        if kind == "work_posture" and data.pop("posture") != "both":
            raise NotOnControls(f"{scenario.name}: work_posture of {entry.posture} work only")
        for fld, value in data.items():
            control = by_field.get((kind, fld))
            if control is None:
                raise NotOnControls(f"{scenario.name}: {kind}.{fld}")
            values[control.key] = value
    return values
