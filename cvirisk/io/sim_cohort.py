"""Reading and checking a cohort file for simulation (``cvirisk simulate --cohort FILE``).

The rules are those of the cohort contract (:mod:`cvirisk.cohort.contract`: its column
list, dtypes and :func:`~cvirisk.cohort.contract.validate_cohort`), so a change of the
contract flows through here without an edit. This module adds what the contract cannot
know on its own:

* the file: it must be readable, have data rows and no repeated column name (pandas would
  silently rename a second ``bmi`` to ``bmi.1``);
* the parameters: baseline ages must lie in the simulated age range;
* row numbers counted from 1 in the *file*, also when the file is checked block by block
  (:func:`check_parquet_cohort`, used by chunked runs), and duplicate ids found across blocks.

Every problem is one :class:`~cvirisk.exceptions.CohortError` naming the file, the column,
the rows and the reason. Nothing is repaired.

Examples
--------
>>> import pandas as pd
>>> from cvirisk.sim.testing import uniform_cohort
>>> df = uniform_cohort(4)
>>> validate_sim_cohort(df, "c.csv").shape
(4, 14)
>>> validate_sim_cohort(df.assign(bmi=[25.0, -1.0, 25.0, 25.0]), "c.csv", first_row=1001)
Traceback (most recent call last):
...
cvirisk.exceptions.CohortError: c.csv: column 'bmi': not a positive finite number in rows 1002 (1 row)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.cohort.contract import COLUMNS, validate_cohort
from cvirisk.exceptions import CohortError
from cvirisk.io.cohort_file import format_rows, read_table

__all__ = ["read_sim_cohort", "validate_sim_cohort", "check_parquet_cohort", "header_names"]

_ROWS = re.compile(r"\brows ((?:\d+, )*\d+)(, \.\.\.)?")


def header_names(path: str | Path) -> list[str]:
    """The column names as written in the file (repeats kept), without reading the data."""
    path = Path(path)
    lower = path.name.lower()
    try:
        if lower.endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            return [str(n) for n in pq.read_schema(path).names if not str(n).startswith("__index_level_")]
        head = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    except Exception:  # read_table reports an unreadable file with its reason
        return []
    return [str(v) for v in head.iloc[0].tolist()] if len(head) else []


def _check_header(names: list[str], origin: str) -> None:
    seen: set[str] = set()
    repeated = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if repeated:
        shown = ", ".join(repr(n) for n in dict.fromkeys(repeated))
        raise CohortError(f"{origin}: column name(s) {shown} appear more than once in the header")


def _shift_rows(message: str, offset: int) -> str:
    """Renumber the ``rows a, b, ...`` of a contract message by ``offset``."""
    if offset == 0:
        return message

    def shift(m: re.Match) -> str:
        nums = ", ".join(str(int(x) + offset) for x in m.group(1).split(", "))
        return f"rows {nums}{m.group(2) or ''}"

    shifted, count = _ROWS.subn(shift, message, count=1)
    return shifted if count else f"{message} (in the block from row {offset + 1})"


def _age_range(params) -> tuple[float, float] | None:
    try:
        sim = params.simulation
        return float(sim.history_start_age.value), float(sim.max_age.value)
    except AttributeError:  # parameters without these keys: the engine applies its own rule
        return None


def validate_sim_cohort(df: pd.DataFrame, origin: str, params=None, first_row: int = 1) -> pd.DataFrame:
    """Check a cohort frame for simulation; return it with the contract's dtypes.

    Parameters
    ----------
    df
        One row a person.
    origin
        The file name, at the start of every message.
    params
        When given, baseline ages must lie in ``[history_start_age, max_age)``.
    first_row
        The file row number of ``df``'s first row (rows count from 1).
    """
    if len(df) == 0:
        raise CohortError(f"{origin}: the cohort has no persons")
    _check_header([str(c) for c in df.columns], origin)
    try:
        out = validate_cohort(df, origin)
    except CohortError as exc:
        raise CohortError(_shift_rows(str(exc), first_row - 1)) from None
    limits = _age_range(params) if params is not None else None
    if limits is not None:
        lo, hi = limits
        age = out["age"].to_numpy(np.float64)
        bad = ~((age >= lo) & (age < hi))
        if bad.any():
            rows = format_rows(np.flatnonzero(bad) + first_row - 1)
            raise CohortError(f"{origin}: column 'age': outside the simulated ages [{lo:g}, {hi:g}) in {rows}")
    return out


def read_sim_cohort(path: str | Path, params=None) -> pd.DataFrame:
    """Read a cohort file (CSV or Parquet) and check it for simulation (see the module docstring)."""
    path = Path(path)
    df = read_table(path)
    _check_header(header_names(path), path.name)
    return validate_sim_cohort(df, path.name, params)


def check_parquet_cohort(path: str | Path, params=None, block: int = 100_000) -> int:
    """Check a Parquet cohort file block by block (memory bounded by ``block``); return its rows.

    Row numbers in messages count from 1 in the file; a person id repeated in two blocks
    is found too. A problem is reported for the first block that has it (a block is at
    most ``block`` rows and never spans two row groups), and the message says which rows
    that block holds.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    origin = path.name
    _check_header(header_names(path), origin)
    try:
        f = pq.ParquetFile(path)
    except Exception as exc:
        raise CohortError(f"{origin}: cannot be read as Parquet: {' '.join(str(exc).split())[:160]}") from None
    n = f.metadata.num_rows
    if n == 0:
        raise CohortError(f"{origin}: the file has no data rows")
    ids = np.empty(n, np.int64)
    start = 0
    for batch in f.iter_batches(batch_size=block):
        df = batch.to_pandas()
        try:
            ok = validate_sim_cohort(df, origin, params, first_row=start + 1)
        except CohortError as exc:
            if len(df) == n:
                raise
            raise CohortError(f"{exc} (the file is checked in blocks; this block holds rows "
                              f"{start + 1}-{start + len(df)} of {n:,})") from None  # fmt: skip
        ids[start : start + len(ok)] = ok["person_id"].to_numpy(np.int64)
        start += len(ok)
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    same = s[1:] == s[:-1]
    if same.any():
        dup = np.zeros(n, bool)
        dup[order[1:][same]] = True
        dup[order[:-1][same]] = True
        raise CohortError(f"{origin}: column 'person_id': duplicate ids in {format_rows(np.flatnonzero(dup))}")
    return n


#: The contract's columns (re-exported for the tests that build cohort files).
CONTRACT_COLUMNS = tuple(COLUMNS)
