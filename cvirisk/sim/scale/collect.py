"""Collect a run directory: every unit, in canonical order, into one result.

:func:`collect` checks that every unit of the run is complete, merges the chunk summaries
of each (seed, replication, draw) and streams the unit tables, unit by unit, into
``OUT/collected/events.parquet`` and ``persons.parquet`` with ``seed``, ``replication`` and
``draw`` columns. Units are read in the order (seed, replication, draw, chunk) whatever
order they finished in, so the collected files are the same bytes whichever workers ran
them and however many. Memory holds one unit at a time.

:func:`read_events` and :func:`read_persons` load collected (or unit) tables with the dtypes
of :func:`cvirisk.simulate`'s result (``detail`` and outcome columns as categoricals).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic
from cvirisk.io.result_folder import FolderLock, install, temporary_sibling
from cvirisk.sim.scale.summary import merge_summaries, restore_categories
from cvirisk.sim.scale.units import Unit, unit_dir

__all__ = ["Collected", "collect", "read_events", "read_persons", "OUTCOME_COLUMNS"]

#: Persons columns written as strings in unit files (categoricals in a whole result).
OUTCOME_COLUMNS = ("ceap_baseline", "ceap_final", "death_cause", "exit_reason")
_BATCH = ("seed", "replication", "draw")


@dataclass
class Collected:
    """The collected result of a run directory.

    Attributes
    ----------
    summary : dict
        ``run`` (the run description without parameters) and ``results``: one merged
        summary per (seed, replication, draw), in canonical order.
    events_path, persons_path : pathlib.Path or None
        The collected tables (None when not asked for).
    """

    summary: dict[str, Any]
    events_path: Path | None
    persons_path: Path | None


def _units(out: Path, run: dict) -> list:
    return [
        Unit(s, r, d, c)
        for s in sorted(run["seeds"]) for r in range(run["replications"])
        for d in range(len(run["draws"])) for c in range(run["n_chunks"])
    ]  # fmt: skip


def _concat(out: Path, units: list, name: str, target: Path) -> Path:
    """Stream ``name`` of every unit into ``target``, adding the batch columns."""
    with atomic_path(target) as tmp:
        writer = None
        try:
            for u in units:
                table = pq.read_table(unit_dir(out, u) / name)
                for col, value in zip(_BATCH, (u.seed, u.replication, u.draw), strict=True):
                    table = table.append_column(col, pa.array([value] * table.num_rows, pa.int64()))
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    return target


def collect(out_dir: str | os.PathLike[str], tables: bool = True) -> Collected:
    """Merge the run in ``out_dir`` into ``OUT/collected/`` (see the module docstring).

    Parameters
    ----------
    out_dir
        A run directory written by :func:`cvirisk.sim.runner.run`.
    tables : bool
        Also write the collected event log and persons table (False: summaries only).

    Raises
    ------
    InputError
        When units are missing (rerun the same command to finish them).
    """
    out = Path(out_dir)
    with FolderLock(out, "run folder"):
        return _collect(out, tables)


def _collect(out: Path, tables: bool) -> Collected:
    try:
        run = json.loads((out / "run.json").read_text())
    except FileNotFoundError:
        raise InputError(f"{out}: not a run directory (no run.json)") from None
    units = _units(out, run)
    summaries = []
    for u in units:
        path = unit_dir(out, u) / "summary.json"
        s = json.loads(path.read_text()) if path.is_file() else None
        if s is None or s.get("fingerprint") != run["fingerprint"]:
            missing = sum(not (unit_dir(out, v) / "summary.json").is_file() for v in units)
            raise InputError(
                f"{out}: unit {'/'.join(u.parts)} is not complete ({missing} of {len(units)} units "
                "missing); rerun the same command to finish the run"
            )
        summaries.append(s)
    results = []
    for key, group in groupby(zip(units, summaries, strict=True), key=lambda us: (us[0].seed, us[0].replication, us[0].draw)):
        merged = merge_summaries(
            {k: v for k, v in s.items() if k not in ("unit", "rows", "fingerprint", "draw_overrides")}
            for _, s in group
        )
        results.append({**dict(zip(_BATCH, key, strict=True)), "overrides": run["draws"][key[2]], **merged})
    info = {k: v for k, v in run.items() if k != "params"}
    summary = {"run": info, "results": results}
    final = out / "collected"
    dest = temporary_sibling(final)  # the collected files are written as a set
    try:
        write_json_atomic(summary, dest / "summary.json")
        if tables:
            _concat(out, units, "events.parquet", dest / "events.parquet")
            _concat(out, units, "persons.parquet", dest / "persons.parquet")
        install(dest, final)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    ev, ps = (final / "events.parquet", final / "persons.parquet") if tables else (None, None)
    return Collected(summary, ev, ps)


def read_events(path: str | os.PathLike[str], **filters: int) -> pd.DataFrame:
    """An event-log Parquet file as a DataFrame with contract dtypes.

    ``filters`` select one batch, e.g. ``read_events(p, seed=1, replication=0, draw=0)``
    (the batch columns are then dropped).
    """
    df = _read(path, filters)
    return restore_categories(df, ["detail"])


def read_persons(path: str | os.PathLike[str], **filters: int) -> pd.DataFrame:
    """A persons Parquet file as a DataFrame with contract dtypes (see :func:`read_events`)."""
    return restore_categories(_read(path, filters), OUTCOME_COLUMNS)


def _read(path: str | os.PathLike[str], filters: dict[str, int]) -> pd.DataFrame:
    flt = [(k, "=", int(v)) for k, v in filters.items()] or None
    df = pq.read_table(path, filters=flt).to_pandas()
    if filters:
        df = df.drop(columns=[c for c in filters if c in df.columns]).reset_index(drop=True)
    return df
