"""Small hand-built cohorts for tests, examples and benchmarks (no cohort generator needed).

Examples
--------
>>> c = uniform_cohort(3, age=[30.0, 50.0, 70.0], sex="female")
>>> list(c["age"])
[30.0, 50.0, 70.0]
>>> from cvirisk.params import load_params
>>> p = isolate(load_params(), ["dvt"])
>>> p.natural_history.transitions["edema_onset"].rate_per_year.value
0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["uniform_cohort", "isolate", "high_risk_cohort", "BUSY_WAITING_LIST"]

_DEFAULTS: dict[str, Any] = {
    "sex": "male",
    "age": 50.0,
    "bmi": 25.0,
    "smoking": "never",
    "smoking_quit_age": np.nan,
    "standing_work": False,
    "sitting_work": False,
    "family_history": False,
    "parity": 0,
    "prior_dvt": False,
    "prior_dvt_age": np.nan,
    "congenital_absence": False,
    "weight": 1.0,
}


def uniform_cohort(n: int, first_id: int = 0, **columns: Any) -> pd.DataFrame:
    """A cohort of ``n`` persons in the cohort contract; every column a scalar or an array.

    Unspecified columns take reference values (a 50-year-old man, never smoker, BMI 25,
    no risk factors), so a test can vary exactly one driver.
    """
    data: dict[str, Any] = {"person_id": np.arange(first_id, first_id + n, dtype=np.int64)}
    for name, default in _DEFAULTS.items():
        value = columns.pop(name, default)
        data[name] = np.broadcast_to(np.asarray(value), (n,)).copy()
    if columns:
        raise TypeError(f"unknown cohort column(s): {', '.join(columns)}")
    from cvirisk.cohort.contract import CATEGORIES, COLUMNS

    df = pd.DataFrame(data)
    for name, categories in CATEGORIES.items():
        df[name] = pd.Categorical(df[name], categories=list(categories))
    return df.astype({name: dtype for name, dtype in COLUMNS.items() if dtype != "category"})


def isolate(params, keep, **overrides: Any):
    """Parameters in which only the transitions in ``keep`` can happen (all other rates 0).

    Extra dotted ``overrides`` (``{"care.compression_adherence": 1.0}``) may be passed as
    keyword arguments with ``__`` for dots.
    """
    from cvirisk.params import with_overrides

    trans = params.natural_history.transitions
    changes: dict[str, Any] = {
        f"natural_history.transitions.{tid}.rate_per_year": 0.0 if tr.rate_per_year is not None
        else {"value": 0.0, "source": "isolate: switched off"}
        for tid, tr in trans.items()
        if tid not in set(keep)
    }
    changes.update({k.replace("__", "."): v for k, v in overrides.items()})
    return with_overrides(params, changes, origin="isolate")


_T = "natural_history.transitions"
#: Overrides that pin a natural history which keeps the surgical waiting list busy (many
#: referrals of ulcerated legs with superficial reflux), so that recalibrating the shipped
#: defaults cannot empty the queue a test relies on.
BUSY_WAITING_LIST: dict[str, float] = {
    f"{_T}.superficial_failure.rate_per_year": 0.0065,
    f"{_T}.deep_primary_failure.rate_per_year": 0.0028,
    f"{_T}.recruitment.rate_per_year": 0.05,
    f"{_T}.edema_onset.rate_per_year": 0.0045,
    f"{_T}.pigmentation.rate_per_year": 0.0035,
    f"{_T}.ulcer_open.rate_per_year": 0.012,
    f"{_T}.ulcer_recurrence.rate_per_year": 1.2,
    f"{_T}.ulcer_recurrence.hazard_ratios.surgery_done": 0.39,
    f"{_T}.ulcer_heal.rate_per_year": 1.0,
    f"{_T}.presentation.rate_per_year": 0.08,
    f"{_T}.compression_stop.rate_per_year": 0.25,
    "care.compression_adherence": 0.45,
    "care.surgery_referral_min_class": 6,
}


def high_risk_cohort(n: int, seed: int) -> pd.DataFrame:
    """Obese parous women aged 55 to 70 with a family history (ages and BMI drawn with ``seed``)."""
    rng = np.random.default_rng(seed)
    return uniform_cohort(
        n, age=rng.uniform(55.0, 70.0, n), bmi=rng.uniform(28.0, 36.0, n), sex="female", parity=2,
        family_history=True,
    )  # fmt: skip
