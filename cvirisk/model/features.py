"""The vocabulary of hazard-ratio features and model states.

A transition's hazard is multiplied by ``HR ** feature`` for each named feature. Binary
features are 0 or 1; per-unit features count units (see :data:`FEATURE_UNITS`). Features in
:data:`COHORT_FEATURES` come from the cohort contract; the others from the disease state.
"""

from __future__ import annotations

from typing import Literal, get_args

Feature = Literal[
    # drivers from the cohort contract
    "female",
    "family_history",
    "smoking_current",
    "smoking_former",
    "sedentary_work",
    "bmi_per_5",
    "parity_per_birth",
    "prior_dvt",
    # state of the veins and the skin
    "superficial_reflux",
    "deep_reflux",
    "varicose_veins",
    "edema",
    "skin_changes",
    "thickening",
    "active_ulcer",
    "ulcer_history",
    "lymphedema",
    "infection_recent",
    "avp_per_10",
    "years_since_cvi",
    # care
    "compression",
    "surgery_done",
]

FEATURES: tuple[str, ...] = get_args(Feature)

#: Features taken from the cohort (and their source columns).
COHORT_FEATURES: dict[str, str] = {
    "female": "sex",
    "family_history": "family_history",
    "smoking_current": "smoking",
    "smoking_former": "smoking",
    "sedentary_work": "sedentary_work",
    "bmi_per_5": "bmi",
    "parity_per_birth": "parity",
    "prior_dvt": "prior_dvt",
}

#: What one unit of a per-unit feature is; all others are 0/1 indicators.
FEATURE_UNITS: dict[str, str] = {
    "bmi_per_5": "5 kg/m2 of BMI above 25",
    "parity_per_birth": "one birth",
    "avp_per_10": "10 mmHg of ambulatory venous pressure above 40 mmHg",
    "years_since_cvi": "one year since the first C3+ class",
}

#: CEAP clinical classes of the worst leg, then the terminal state.
STATES: tuple[str, ...] = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "DEAD")
TERMINAL_STATES: frozenset[str] = frozenset({"DEAD"})
