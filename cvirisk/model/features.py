"""The hazard-ratio features of the declared model, for code that names them (fits, overlays).

A transition's hazard is multiplied by ``HR ** feature`` for each named feature: the model's
variables (0/1 flags; counters per unit), ``other.<leg variable>`` (the other leg's), and the
continuous drivers in :data:`FEATURE_UNITS`. The list comes from the declared structure
(``cvirisk/params/defaults/model.yaml``).
"""

from __future__ import annotations

from cvirisk.params.model_spec import FEATURES as _FEATURES

__all__ = ["FEATURES", "FEATURE_UNITS", "COHORT_FEATURES"]

FEATURES: tuple[str, ...] = tuple(sorted(_FEATURES))

#: Features taken from the cohort (and their source columns).
COHORT_FEATURES: dict[str, str] = {
    "female": "sex",
    "family_history": "family_history",
    "smoking_current": "smoking",
    "smoking_former": "smoking",
    "standing_work": "standing_work",
    "sitting_work": "sitting_work",
    "bmi_per_5": "bmi",
    "parity_per_birth": "parity",
    "prior_dvt": "prior_dvt",
}

#: What one unit of a per-unit feature is; all others are 0/1 indicators or counts.
FEATURE_UNITS: dict[str, str] = {
    "bmi_per_5": "5 kg/m2 of BMI above 25",
    "parity_per_birth": "one birth",
    "avp_per_10": "10 mmHg of the leg's ambulatory venous pressure above 40 mmHg",
    "segments": "one refluxing venous segment",
    "ulcers": "one ulcer episode of the leg",
    "worst_class": "one CEAP class of the worse leg",
}
