"""The cohort column contract: one row a person at baseline, compact dtypes (about 35 bytes).

=====================  ==========  ==========================================================
column                 dtype       meaning
=====================  ==========  ==========================================================
person_id              int64       stable id, unique, non-negative (0 .. n-1 when generated)
sex                    category    'female' or 'male'
age                    float32     baseline age, years
bmi                    float32     body-mass index at baseline, kg/m2
smoking                category    'never', 'current' or 'former' at baseline
smoking_quit_age       float32     age at quitting, years; NaN unless smoking is 'former'
standing_work          bool        occupation with prolonged standing (acts until
                                   ``cohort.work.retirement_age``)
sitting_work           bool        occupation with prolonged sitting (until retirement);
                                   never both
family_history         bool        a parent or sibling with varicose veins
parity                 int8        number of births; 0 for men
prior_dvt              bool        a deep venous thrombosis before baseline
prior_dvt_age          float32     age at that DVT, years; NaN unless prior_dvt
congenital_absence     bool        congenital absence of venous valves
weight                 float32     sampling weight (1 unless the cohort was oversampled);
                                   weighted estimates recover the (conditional) population
=====================  ==========  ==========================================================

:func:`validate_cohort` checks a frame against the contract and returns it with the
contract's dtypes (e.g. after a CSV round trip: strings become categories, 0/1 becomes
bool, float64 becomes float32). It never changes a value: anything outside the contract
is a :class:`~cvirisk.exceptions.CohortError` naming the column, the rows and the reason.

Examples
--------
>>> from cvirisk.cohort import generate_cohort
>>> df = generate_cohort(100, seed=1)
>>> validate_cohort(df).shape
(100, 14)
>>> validate_cohort(df.assign(bmi=-df["bmi"]), "my.csv")
Traceback (most recent call last):
...
cvirisk.exceptions.CohortError: my.csv: column 'bmi': not a positive finite number in rows 1, 2, 3, 4, 5, ... (100 rows)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.exceptions import CohortError

__all__ = ["COLUMNS", "validate_cohort"]

#: Column name -> dtype, in contract order.
COLUMNS: dict[str, str] = {
    "person_id": "int64",
    "sex": "category",
    "age": "float32",
    "bmi": "float32",
    "smoking": "category",
    "smoking_quit_age": "float32",
    "standing_work": "bool",
    "sitting_work": "bool",
    "family_history": "bool",
    "parity": "int8",
    "prior_dvt": "bool",
    "prior_dvt_age": "float32",
    "congenital_absence": "bool",
    "weight": "float32",
}
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male"),
    "smoking": ("never", "current", "former"),
}
_MAX_AGE = 120.0  # the schema's upper limit of simulation.max_age
_SHOWN = 5


def _rows(mask: np.ndarray) -> str:
    pos = np.flatnonzero(mask) + 1
    shown = ", ".join(str(int(p)) for p in pos[:_SHOWN]) + (", ..." if pos.size > _SHOWN else "")
    return f"rows {shown} ({pos.size} row{'s' if pos.size != 1 else ''})"


def _numbers(s: pd.Series, fail) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    ):
        converted = pd.to_numeric(s.astype(object), errors="coerce")
        bad = converted.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            raise fail(f"not a number in {_rows(bad)}")
        s = converted
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def _flags(s: pd.Series, fail) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.to_numpy(dtype=bool)
    text = s.astype(object).map(lambda x: str(x).strip().lower())
    truth = text.isin(["1", "true", "1.0"]).to_numpy()
    bad = ~(truth | text.isin(["0", "false", "0.0"]).to_numpy())
    if bad.any():
        raise fail(f"not true/false (or 1/0) in {_rows(bad)}")
    return truth


def validate_cohort(df: pd.DataFrame, origin: str = "cohort") -> pd.DataFrame:
    """Check ``df`` against the contract; return it with the contract's dtypes.

    Parameters
    ----------
    df
        One row a person; extra columns are kept unchanged after the contract's columns.
    origin
        Named at the start of every message (a file name, or "cohort").
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise CohortError(f"{origin}: missing column(s) {', '.join(map(repr, missing))}")
    out: dict[str, object] = {}

    def check(column: str):
        def fail(reason: str) -> CohortError:
            return CohortError(f"{origin}: column {column!r}: {reason}")
        return fail

    for col, cats in CATEGORIES.items():
        s = df[col]
        bad = ~s.astype(object).isin(cats).to_numpy()
        if bad.any():
            raise check(col)(f"not one of {', '.join(cats)} in {_rows(bad)}")
        same = isinstance(s.dtype, pd.CategoricalDtype) and tuple(s.cat.categories) == cats
        out[col] = s.array if same else pd.Categorical(s.astype(object), categories=list(cats))
    female = np.asarray(out["sex"].codes) == 0
    former = np.asarray(out["smoking"].codes) == 2
    for col in ("standing_work", "sitting_work", "family_history", "prior_dvt", "congenital_absence"):
        out[col] = _flags(df[col], check(col))
    pid = _numbers(df["person_id"], check("person_id"))
    bad = ~(np.isfinite(pid) & (pid >= 0) & (pid == np.round(pid)))
    if bad.any():
        raise check("person_id")(f"not a non-negative whole number in {_rows(bad)}")
    dup = pd.Series(pid).duplicated(keep=False).to_numpy()
    if dup.any():
        raise check("person_id")(f"duplicate ids in {_rows(dup)}")
    out["person_id"] = pid.astype(np.int64)
    num = {c: _numbers(df[c], check(c)) for c in ("age", "bmi", "smoking_quit_age", "parity",
                                                   "prior_dvt_age", "weight")}
    age = num["age"]
    rules = [
        ("age", ~(np.isfinite(age) & (age >= 0) & (age <= _MAX_AGE)), f"not an age in [0, {_MAX_AGE:g}]"),
        ("bmi", ~(np.isfinite(num["bmi"]) & (num["bmi"] > 0)), "not a positive finite number"),
        ("weight", ~(np.isfinite(num["weight"]) & (num["weight"] > 0)), "not a positive finite number"),
        ("parity", ~((num["parity"] >= 0) & (num["parity"] <= 127) & (num["parity"] == np.round(num["parity"]))),
         "not a whole number of births from 0 to 127"),
        ("parity", ~female & (num["parity"] != 0), "births recorded for a man"),
        ("smoking_quit_age", ~former & ~np.isnan(num["smoking_quit_age"]), "given for a person who is not a former smoker"),
        ("smoking_quit_age", former & ~((num["smoking_quit_age"] >= 0) & (num["smoking_quit_age"] <= age)),
         "missing or outside [0, age] for a former smoker"),
        ("prior_dvt_age", ~out["prior_dvt"] & ~np.isnan(num["prior_dvt_age"]), "given for a person without prior_dvt"),
        ("prior_dvt_age", out["prior_dvt"] & ~((num["prior_dvt_age"] >= 0) & (num["prior_dvt_age"] <= age)),
         "missing or outside [0, age] for a person with prior_dvt"),
    ]  # fmt: skip
    rules.append(("sitting_work", out["standing_work"] & out["sitting_work"], "true together with standing_work"))
    for col, bad, reason in rules:
        if bad.any():
            raise check(col)(f"{reason} in {_rows(bad)}")
    for col in ("age", "bmi", "smoking_quit_age", "prior_dvt_age", "weight"):
        out[col] = num[col].astype(np.float32) if df[col].dtype != np.float32 else df[col].to_numpy()
    out["parity"] = num["parity"].astype(np.int8)
    extra = {c: df[c].to_numpy() for c in df.columns if c not in COLUMNS}
    return pd.DataFrame({c: out[c] for c in COLUMNS} | extra, index=pd.RangeIndex(len(df)))
