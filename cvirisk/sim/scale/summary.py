"""Per-chunk summaries that add up across chunks, and the chunk tables written to disk.

:func:`summarise` reduces one chunk to a small JSON-ready dictionary of counts (baseline
CEAP class by age band, persons with each kind of event in follow-up, event counts,
person-years); :func:`merge_summaries` adds such dictionaries up. :func:`parquet_bytes`
writes a chunk's tables so that every chunk has the same schema (categoricals with 32-bit
codes), and :func:`restore_categories` gives collected tables the categories of one whole run.

Examples
--------
>>> merge_summaries([{"n": 1, "by": {"a": 2}}, {"n": 2, "by": {"a": 1, "b": 4}}])
{'n': 3, 'by': {'a': 3, 'b': 4}}
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cvirisk.io.atomic import atomic_path
from cvirisk.model.events import DETAILS, EVENT_KINDS
from cvirisk.outcomes.log import ceap_class, is_event, person_mask

__all__ = [
    "restore_categories", "parquet_bytes", "write_bytes_atomic",
    "summarise", "merge_summaries", "band_labels",
]  # fmt: skip


def restore_categories(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Make ``columns`` categoricals of exactly the values present, sorted (as one whole run has them)."""
    for c in columns:
        if c not in df.columns:
            continue
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.cat.remove_unused_categories()
            df[c] = col.cat.reorder_categories(sorted(col.cat.categories.astype(str)))
        elif col.dtype == object:
            values = col.astype(str)
            df[c] = pd.Categorical(values, categories=sorted(set(values.tolist())))
    return df


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as Parquet bytes (zstd, no index, categoricals with int32 codes); equal frames give equal bytes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and f.type.index_type != pa.int32():
            table = table.set_column(i, f.name, table.column(i).cast(pa.dictionary(pa.int32(), f.type.value_type)))
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def write_bytes_atomic(data: bytes, target: str | os.PathLike[str]) -> Path:
    """Write ``data`` to ``target`` atomically (temporary file beside it, then rename)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def band_labels(params) -> tuple[np.ndarray, list[str]]:
    """Lower edges and labels of the cohort age bands, plus an open band above the last one."""
    bands = params.cohort.age_bands
    edges = np.asarray([*bands.lower, bands.upper[-1]], dtype=float)
    labels = [f"{lo:g}-{hi:g}" for lo, hi in zip(bands.lower, bands.upper, strict=True)]
    return edges, [*labels, f"{bands.upper[-1]:g}+"]


def _n_persons(pid: np.ndarray) -> int:
    """Distinct ids; a log in person order (as the engines write it) needs no sort: count the runs."""
    if pid.size < 2:
        return int(pid.size)
    step = pid[1:] != pid[:-1]
    if (pid[1:] >= pid[:-1]).all():
        return 1 + int(np.count_nonzero(step))
    return int(np.unique(pid).size)


def summarise(events: pd.DataFrame, persons: pd.DataFrame, params) -> dict[str, Any]:
    """Counts of one chunk that add up across chunks (see the module docstring).

    Keys: ``persons``; ``events``; ``person_years`` (follow-up, exact sum); ``baseline_ceap``
    (age band -> counts of C0..C6 at baseline, from the last ``ceap`` event at ``t <= 0``);
    ``followup_events`` (kind -> count, ``t >= 0``); ``persons_with`` (``kind`` and
    ``kind:detail`` for fixed details -> persons with at least one in follow-up).
    """
    pid = events["person_id"].to_numpy(np.int64)
    t = events["t"].to_numpy(float)
    kind = events["event"].cat.codes.to_numpy()
    cats = list(events["event"].cat.categories)
    code = {k: cats.index(k) for k in EVENT_KINDS}

    ids = persons["person_id"].to_numpy(np.int64)
    edges, labels = band_labels(params)
    band = np.clip(np.searchsorted(edges, persons["age"].to_numpy(float), side="right") - 1, 0, len(labels) - 1)
    m = (kind == code["ceap"]) & (t <= 0) & person_mask(events)  # the person's class, not a leg's
    cls = np.zeros(len(ids), np.int64)
    if m.any():
        # events are sorted by person then time: the last pre-baseline class of each person
        p, c = pid[m][::-1], ceap_class(events[m]).fillna(0).to_numpy(np.int64)[::-1]
        first = np.unique(p, return_index=True)[1]
        order = np.argsort(ids, kind="stable")
        rows = order[np.searchsorted(ids, p[first], sorter=order)]
        cls[rows] = c[first]
    prevalence = {lab: np.bincount(cls[band == b], minlength=7).tolist() for b, lab in enumerate(labels)}

    fu = t >= 0
    counts, with_ = {}, {}
    # follow-up rows grouped by kind in one stable sort (person order kept within a kind), so
    # each kind's details are tested on its own rows only, not on the whole log
    rows = np.flatnonzero(fu)
    rows = rows[np.argsort(kind[rows], kind="stable")]
    bounds = np.searchsorted(kind[rows], np.arange(len(cats) + 1))
    for k in EVENT_KINDS:
        idx = rows[bounds[code[k]] : bounds[code[k] + 1]]
        counts[k] = int(idx.size)
        with_[k] = _n_persons(pid[idx])
        if k in ("recruitment", "covariate", "surgery", "exit", "entry"):
            continue
        sub = events.iloc[idx]
        for d in DETAILS.get(k, ()):
            if d:
                with_[f"{k}:{d}"] = _n_persons(pid[idx][is_event(sub, k, d)])
    exits = fu & (kind == code["exit"])
    return {
        "persons": len(persons),
        "events": len(events),
        "person_years": math.fsum(t[exits].tolist()),
        "baseline_ceap": prevalence,
        "followup_events": counts,
        "persons_with": with_,
    }


def merge_summaries(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Add summaries key by key (nested dicts recursively, lists elementwise, numbers summed)."""
    out: dict[str, Any] = {}
    for s in summaries:
        _add_into(out, s)
    return out


def _add_into(acc: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict):
            _add_into(acc.setdefault(k, {}), v)
        elif isinstance(v, list):
            acc[k] = [a + b for a, b in zip(acc[k], v, strict=True)] if k in acc else list(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            acc[k] = acc.get(k, 0) + v
        else:
            acc.setdefault(k, v)
