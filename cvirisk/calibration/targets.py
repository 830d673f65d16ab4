"""Calibration targets: published figures, each with its source, and how it is used.

The packaged ``targets.csv`` is a verbatim copy of ``shared/calibration/targets.csv``
(columns ``target_id, quantity, population, value, low, high, unit, source, note``).
Rows whose ``source`` or ``population`` is ``same`` inherit it from the row above;
:func:`load_targets` keeps the text as written in ``source`` and adds the resolved
``source_full`` and ``population_full``.

Each target is also given a *role*:

* ``calibrated`` -- a figure of the natural history that the free parameters are fitted to;
* ``input`` -- an effect estimate taken directly into the parameter file (compression,
  ESCHAR); it is *reported* with a check that the simulation reproduces it, never fitted.

Examples
--------
>>> t = load_targets()
>>> float(t.loc["bonn1_c0_all", "value"])
9.6
>>> t.loc["pts_after_dvt_5y", "source_full"].startswith("Prandoni")
True
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError

__all__ = ["REQUIRED_COLUMNS", "INPUT_TARGETS", "targets_path", "load_targets", "known_target_ids", "target_scale"]

REQUIRED_COLUMNS = ("target_id", "quantity", "population", "value", "low", "high", "unit", "source", "note")

#: Effect estimates that are parameters, not fitted: target id -> the parameter leaf that holds it.
INPUT_TARGETS: dict[str, str] = {
    "compression_healing_hr": "natural_history.transitions.ulcer_heal.hazard_ratios.compression",
    "compression_recurrence_rr": "natural_history.transitions.ulcer_recurrence.hazard_ratios.compression",
    "eschar_recurrence_12m_compression": "natural_history.transitions.ulcer_recurrence.rate_per_year",
    "eschar_recurrence_12m_surgery": "natural_history.transitions.ulcer_recurrence.hazard_ratios.surgery_done",
}


def targets_path() -> Path:
    """The packaged targets file."""
    return Path(str(resources.files("cvirisk.calibration") / "targets.csv"))


def _resolve_same(col: pd.Series) -> pd.Series:
    out = col.astype("object").where(col.notna(), "")
    prev = ""
    resolved = []
    for text in out:
        text = str(text).strip()
        if text.lower() == "same" or text == "":
            resolved.append(prev)
        else:
            resolved.append(text)
            prev = text
    return pd.Series(resolved, index=col.index)


def load_targets(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate a targets file; the index is ``target_id``.

    Raises
    ------
    InputError
        An empty file, a missing column, a duplicate id, an id no study design produces (it
        would be silently left out of the distance), a non-numeric or non-positive value, an
        interval that does not contain the value; the message names the file, the column and
        the rows or targets.
    """
    path = targets_path() if path is None else Path(path)
    try:
        df = pd.read_csv(path, dtype={"target_id": str, "source": str, "note": str})
    except FileNotFoundError:
        raise InputError(f"{path}: no such targets file") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (no header and no targets)") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read as CSV ({exc.__class__.__name__})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if df.empty:
        raise InputError(f"{path}: no targets")
    if df["target_id"].isna().any():
        rows = (np.flatnonzero(df["target_id"].isna()) + 2).tolist()
        raise InputError(f"{path}: column target_id: empty at line(s) {rows}")
    dup = df["target_id"][df["target_id"].duplicated()].tolist()
    if dup:
        raise InputError(f"{path}: column target_id: duplicate id(s) {dup}")
    known = known_target_ids()
    unknown = ~df["target_id"].isin(known).to_numpy()
    if unknown.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(unknown)[:10])
        ids = ", ".join(repr(t) for t in df.loc[unknown, "target_id"].tolist()[:10])
        raise InputError(f"{path}: column target_id: no study design produces {ids} (rows {rows}, from 1)")
    for col in ("value", "low", "high"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if col == "value":
            bad |= df[col].isna() | ~(num > 0)
        if bad.any():
            ids = df.loc[bad, "target_id"].tolist()
            raise InputError(f"{path}: column {col}: not a positive number for target(s) {ids}")
        df[col] = num.astype(float)
    half = df["low"].notna() ^ df["high"].notna()
    if half.any():
        raise InputError(f"{path}: columns low/high: give both or neither, target(s) {df.loc[half, 'target_id'].tolist()}")
    both = df["low"].notna()
    bad = both & ~((df["low"] <= df["value"]) & (df["value"] <= df["high"]))
    if bad.any():
        raise InputError(f"{path}: interval low-high does not contain value for target(s) {df.loc[bad, 'target_id'].tolist()}")
    df["source_full"] = _resolve_same(df["source"])
    df["population_full"] = _resolve_same(df["population"])
    if (df["source_full"] == "").any():
        raise InputError(f"{path}: column source: no source for target(s) {df.loc[df['source_full'] == '', 'target_id'].tolist()}")
    df["note"] = df["note"].fillna("")
    df["role"] = np.where(df["target_id"].isin(list(INPUT_TARGETS)), "input", "calibrated")
    return df.set_index("target_id", drop=False)


def known_target_ids() -> set[str]:
    """Every target id that some study design of :mod:`cvirisk.calibration.designs` produces."""
    from cvirisk.calibration.designs import DESIGNS

    return {t for d in DESIGNS.values() for t in d.targets}


def target_scale(value: float, low: float | None, high: float | None) -> float:
    """The scale of a target in the distance: the interval half-width / 1.96, else 10% of the value.

    >>> round(target_scale(18.2, 15.2, 21.6), 4)
    1.6327
    >>> target_scale(10.0, None, None)
    1.0
    """
    if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
        return (float(high) - float(low)) / 2.0 / 1.96
    return 0.1 * abs(float(value))
