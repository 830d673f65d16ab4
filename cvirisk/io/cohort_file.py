"""Reading and validating a user's cohort file (CSV or Parquet) before any fit.

Every problem is reported as one :class:`~cvirisk.exceptions.CohortError` naming the file,
the column, the offending rows and the reason, e.g.
``cohort.csv: column 'time': negative duration in rows 3, 17, 42 (3 rows)``.
Rows are numbered from 1 for the first data row (in a spreadsheet opened with the header
on line 1, data row ``k`` is on line ``k + 1``). Nothing is repaired or dropped silently:
rows with missing values are an error unless ``drop_missing=True`` is asked for, and then
the excluded rows are counted, by column, in the report.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"time": [1.0, 2.0, 3.0], "status": [1, 0, 1], "x": [0.5, 1.0, 2.0]})
>>> clean, report = validate_cohort(df, CohortColumns("time", "status", covariates=("x",)))
>>> report["rows_used"], report["events"]
(3, 2)
>>> validate_cohort(df.assign(time=[1.0, -2.0, 3.0]), CohortColumns("time", "status"))
Traceback (most recent call last):
...
cvirisk.exceptions.CohortError: cohort: column 'time': negative duration in rows 2 (1 row)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.exceptions import CohortError

__all__ = ["CohortColumns", "format_rows", "read_cohort_file", "read_table", "validate_cohort"]

#: How many row numbers an error message lists before eliding the rest.
MAX_ROWS_SHOWN = 10
#: Most levels a text covariate may have to be taken as a category.
MAX_LEVELS = 50
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class CohortColumns:
    """Which columns of a cohort file play which role.

    ``event_kind`` is ``"binary"`` (0 censored / 1 event) or ``"causes"`` (0 censored,
    1, 2, ... competing causes, for Aalen-Johansen and cause-specific models).
    ``positive_duration`` rejects zero durations too (parametric models need them).
    """

    duration: str
    event: str
    entry: str | None = None
    covariates: tuple[str, ...] = ()
    strata: str | None = None
    id: str | None = None
    event_kind: str = "binary"
    positive_duration: bool = False

    def used(self) -> list[str]:
        cols = [self.duration, self.event, self.entry, *self.covariates, self.strata, self.id]
        return list(dict.fromkeys(c for c in cols if c is not None))

    def role_conflict(self) -> str | None:
        """A message when one column plays two roles (e.g. duration and event), else None."""
        roles = [("duration", self.duration), ("event", self.event), ("entry", self.entry),
                 ("strata", self.strata), ("id", self.id)]
        roles += [("covariate", c) for c in self.covariates]
        seen: dict[str, str] = {}
        for role, col in roles:
            if col is None:
                continue
            if col in seen and not (role == seen[col] == "covariate"):
                return f"column {col!r} is given as both {seen[col]} and {role}"
            seen.setdefault(col, role)
        return None


#: Column names recognised as person identifiers (compared in lower case): never covariates.
ID_NAMES = ("id", "person_id", "patient_id", "subject_id", "pid", "patid", "record_id", "study_id")


def id_like_columns(columns: Sequence[str]) -> list[str]:
    """Columns whose name marks a person identifier (``id``, ``person_id``, ``*_id``, ...).

    Examples
    --------
    >>> id_like_columns(["person_id", "age", "ID", "hospital_id", "idle"])
    ['person_id', 'ID', 'hospital_id']
    """
    out = []
    for c in columns:
        low = str(c).strip().lower()
        if low in ID_NAMES or low.endswith("_id"):
            out.append(c)
    return out


def format_rows(positions: Sequence[int] | np.ndarray) -> str:
    """``rows 3, 17, 42 (3 rows)`` from 0-based positions, listing at most MAX_ROWS_SHOWN."""
    pos = np.asarray(positions, dtype=np.int64) + 1
    shown = ", ".join(str(int(p)) for p in pos[:MAX_ROWS_SHOWN])
    more = ", ..." if len(pos) > MAX_ROWS_SHOWN else ""
    return f"rows {shown}{more} ({len(pos)} row{'s' if len(pos) != 1 else ''})"


def read_table(path: str | Path, *, max_rows: int | None = None, limit_note: str = "") -> pd.DataFrame:
    """Read a CSV or Parquet file; any failure is a CohortError naming the file.

    ``max_rows`` refuses a longer file without reading it whole (Parquet: from its footer;
    CSV: reading stops one row past the cap); ``limit_note`` ends that message.
    """
    path = Path(path)
    name = path.name
    lower = name.lower()
    if not path.is_file():
        raise CohortError(f"{name}: no such file")
    if path.stat().st_size == 0:
        raise CohortError(f"{name}: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if lower.endswith(_PARQUET_SUFFIXES):
                if max_rows is not None:
                    import pyarrow.parquet as pq

                    if pq.ParquetFile(path).metadata.num_rows > max_rows:
                        raise CohortError(f"{name}: more than {max_rows:,} rows{limit_note}")
                df = pd.read_parquet(path)
            elif lower.endswith(_CSV_SUFFIXES):
                df = pd.read_csv(path, low_memory=False, nrows=None if max_rows is None else max_rows + 1)
                if max_rows is not None and len(df) > max_rows:
                    raise CohortError(f"{name}: more than {max_rows:,} rows{limit_note}")
            else:
                raise CohortError(f"{name}: unknown file type; use .csv or .parquet")
    except CohortError:
        raise
    except pd.errors.EmptyDataError:
        raise CohortError(f"{name}: the file is empty (no header and no rows)") from None
    except Exception as exc:  # any parser or decoder failure means the file is unreadable
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        kind = "Parquet" if lower.endswith(_PARQUET_SUFFIXES) else "CSV"
        raise CohortError(f"{name}: cannot be read as {kind}: {reason}") from None
    if len(df) == 0:
        raise CohortError(f"{name}: the file has no data rows")
    return df


def _to_float(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return np.nan


def _numeric(series: pd.Series) -> pd.Series:
    """Values as float64; anything that is not a number becomes NaN."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    try:
        out = pd.to_numeric(series, errors="coerce")
        return out.astype("float64")
    except (TypeError, ValueError, OverflowError):
        return series.map(_to_float).astype("float64")


def _is_text(series: pd.Series, bad: np.ndarray) -> bool:
    """True when the values that are not numbers are words, not typos in a numeric column.

    A column is text when most of its non-missing values are not numbers (``F``/``M``,
    ``squamous``); a numeric column with a stray ``soon`` stays an error naming the rows.
    """
    present = int(series.notna().sum())
    return present > 0 and bad.sum() * 2 > present


def validate_cohort(
    df: pd.DataFrame,
    columns: CohortColumns,
    *,
    source: str = "cohort",
    mapping: Mapping[str, str] | None = None,
    drop_missing: bool = False,
    missing_hint: str = "use --drop-missing to exclude such rows",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check a cohort table for a fit; return the clean table and a report.

    Parameters
    ----------
    df
        The table as read.
    columns
        Column roles, named after ``mapping`` is applied.
    source
        Name used at the start of every message (the file name).
    mapping
        ``{name in file: name used}``, applied first.
    drop_missing
        Exclude rows with a missing value in a used column (counted in the report) instead
        of failing.
    missing_hint
        How the caller's user excludes rows with missing values (the command line's flag
        by default; the dashboard names its checkbox).

    Covariates holding text (``F``/``M``, cell types) are kept as text labels, to be
    encoded as categories by :mod:`cvirisk.survival.design`; numeric columns must hold
    numbers only.

    Returns
    -------
    (clean, report): ``clean`` holds the used columns, numeric (text covariates as
    strings), with a fresh index;
    ``report`` has ``rows_read``, ``rows_excluded`` (by column), ``rows_used``, ``events``.
    """
    def fail(message: str) -> CohortError:
        return CohortError(f"{source}: {message}")

    if len(df) == 0:
        raise fail("the table has no data rows")
    conflict = columns.role_conflict()
    if conflict:
        raise fail(conflict)
    if mapping:
        unknown = [k for k in mapping if k not in df.columns]
        if unknown:
            raise fail(f"column mapping names column(s) not in the file: {', '.join(map(repr, unknown))}")
        df = df.rename(columns=dict(mapping))
    names = [str(c) for c in df.columns]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise fail(f"duplicate column name(s) {', '.join(map(repr, dup))}")
    df = df.set_axis(names, axis=1)
    used = columns.used()
    missing = [c for c in used if c not in df.columns]
    if missing:
        # repr keeps the message on one line whatever the names hold (quotes, line breaks)
        shown = ", ".join(map(repr, names[:20])) + (", ..." if len(names) > 20 else "")
        raise fail(f"column {missing[0]!r} not found; the columns are: {shown}")
    raw = df[used].reset_index(drop=True)
    text_cols = {columns.id, columns.strata}  # labels: any values, only missing ones are rejected
    values: dict[str, pd.Series] = {}
    categorical: list[str] = []
    for col in used:
        if col in text_cols:
            values[col] = raw[col]
            continue
        num = _numeric(raw[col])
        bad = raw[col].notna().to_numpy() & num.isna().to_numpy()
        if bad.any() and col in columns.covariates and _is_text(raw[col], bad):
            # a text covariate (sex F/M, cell type): kept as labels, encoded as a category later
            text = raw[col].astype("string").astype(object).where(raw[col].notna(), np.nan)
            comma = text.astype(str).str.fullmatch(r"\s*[-+]?\d+,\d+\s*").to_numpy() & raw[col].notna().to_numpy()
            if comma.any():
                raise fail(f"column {col!r}: number with a decimal comma in {format_rows(np.flatnonzero(comma))}; "
                           "write decimals with a point")
            levels = text.nunique(dropna=True)
            if levels > MAX_LEVELS:
                raise fail(f"column {col!r}: text with {levels} distinct values, too many for categories "
                           f"(at most {MAX_LEVELS}); if it holds numbers, fix the values; if it names persons, "
                           "it is an id (--id)")
            values[col] = text
            categorical.append(col)
            continue
        if bad.any():
            raise fail(f"column {col!r}: non-numeric value in {format_rows(np.flatnonzero(bad))}")
        inf = np.isinf(num.to_numpy())
        if inf.any():
            raise fail(f"column {col!r}: infinite value in {format_rows(np.flatnonzero(inf))}")
        values[col] = num
    clean = pd.DataFrame(values)
    excluded: dict[str, int] = {}
    keep = np.ones(len(clean), dtype=bool)
    for col in used:
        na = clean[col].isna().to_numpy()
        if na.any():
            if not drop_missing:
                what = "missing duration" if col == columns.duration else "missing value"
                raise fail(f"column {col!r}: {what} in {format_rows(np.flatnonzero(na))} ({missing_hint})")
            excluded[col] = int((na & keep).sum())
            keep &= ~na
    row_numbers = np.flatnonzero(keep)
    clean = clean.loc[keep].reset_index(drop=True)
    if len(clean) == 0:
        raise fail("no rows left after excluding rows with missing values")

    def rows(mask: np.ndarray) -> str:
        return format_rows(row_numbers[mask])

    d = clean[columns.duration].to_numpy(float)
    if (d < 0).any():
        raise fail(f"column {columns.duration!r}: negative duration in {rows(d < 0)}")
    if columns.positive_duration and (d == 0).any():
        raise fail(f"column {columns.duration!r}: zero duration (this model needs positive ones) in {rows(d == 0)}")
    e = clean[columns.event].to_numpy(float)
    if columns.event_kind == "causes":
        bad = (e < 0) | (e != np.round(e))
        if bad.any():
            raise fail(f"column {columns.event!r}: cause not a code 0, 1, 2, ... in {rows(bad)}")
    else:
        bad = ~np.isin(e, (0.0, 1.0))
        if bad.any():
            raise fail(f"column {columns.event!r}: event not 0/1 in {rows(bad)}")
    clean[columns.event] = e.astype(np.int64)
    if columns.entry is not None:
        s = clean[columns.entry].to_numpy(float)
        if (s > d).any():
            raise fail(f"column {columns.entry!r}: entry after exit ({columns.duration!r}) in {rows(s > d)}")
        # a row observed for no time is at risk nowhere: risk sets are entry < t <= exit
        if (s == d).any():
            raise fail(f"column {columns.entry!r}: entry equal to exit ({columns.duration!r}; a row must be "
                       f"observed for some time) in {rows(s == d)}")
    if columns.id is not None:
        dupl = clean[columns.id].astype(str).duplicated(keep=False).to_numpy()
        if dupl.any():
            raise fail(f"column {columns.id!r}: duplicate ids in {rows(dupl)}")
    n_events = int((e > 0).sum())
    if n_events < 2:
        raise fail(f"column {columns.event!r}: only {n_events} event{'s' if n_events != 1 else ''}; "
                   "a model needs at least 2")
    for col in columns.covariates:
        if clean[col].nunique(dropna=True) < 2:
            raise fail(f"covariate {col!r} has no variance (every used row has the value {clean[col].iloc[0]!r})")
    report = {
        "source": source,
        "rows_read": int(len(raw)),
        "rows_excluded": excluded,
        "rows_excluded_total": int(len(raw) - len(clean)),
        "rows_used": int(len(clean)),
        "events": n_events,
        "categorical": categorical,
    }
    return clean, report


def read_cohort_file(
    path: str | Path,
    columns: CohortColumns,
    *,
    mapping: Mapping[str, str] | None = None,
    drop_missing: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read and validate a cohort file: :func:`read_table` then :func:`validate_cohort`."""
    df = read_table(path)
    return validate_cohort(df, columns, source=Path(path).name, mapping=mapping, drop_missing=drop_missing)
