"""Small hand-built cohorts for tests, examples and benchmarks (no cohort generator needed).

Examples
--------
>>> c = uniform_cohort(3, age=[30.0, 50.0, 70.0], sex="female")
>>> list(c["age"])
[30.0, 50.0, 70.0]
>>> from cvirisk.params import load_params
>>> p = isolate(load_params(), ["dvt"])
>>> p.natural_history.transitions.edema.rate_per_year.value
0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["uniform_cohort", "isolate"]

_DEFAULTS: dict[str, Any] = {
    "sex": "male",
    "age": 50.0,
    "bmi": 25.0,
    "smoking": "never",
    "smoking_quit_age": np.nan,
    "sedentary_work": False,
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
        f"natural_history.transitions.{tid}.rate_per_year": 0.0
        for tid in type(trans).model_fields
        if tid not in set(keep)
    }
    changes.update({k.replace("__", "."): v for k, v in overrides.items()})
    return with_overrides(params, changes, origin="isolate")
