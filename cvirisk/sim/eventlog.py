"""The event log and persons table: construction, ordering, dtypes and writing (both engines).

The event log has one row an event: ``person_id`` (int64), ``age`` (float64), ``t`` (float64,
years since baseline; negative before baseline), ``event`` (categorical with exactly
:data:`cvirisk.model.events.EVENT_KINDS`), ``detail`` (categorical of strings). Rows are
sorted by person, then time, then the order in which the person's events happened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.io.atomic import write_json_atomic, write_table_atomic
from cvirisk.model.events import EVENT_KINDS, EventBuffer

__all__ = ["SimulationResult", "build_events", "build_persons", "write_result", "EVENT_COLUMNS"]

EVENT_COLUMNS = ("person_id", "age", "t", "event", "detail")


@dataclass
class SimulationResult:
    """The output of :func:`cvirisk.simulate`.

    Attributes
    ----------
    events : pandas.DataFrame
        The event log (see the module docstring).
    persons : pandas.DataFrame
        One row a person: the cohort columns and outcome columns.
    manifest : dict
        Parameter hash, seed, replication, years, engine, n, versions.
    """

    events: pd.DataFrame
    persons: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)


def build_events(buffer: EventBuffer, person_id: np.ndarray, age0: np.ndarray) -> pd.DataFrame:
    """The sorted, typed event log from an event buffer and each person's baseline age."""
    a = buffer.arrays()
    order = np.lexsort((a["seq"], a["t"], a["person_id"]))
    pid = a["person_id"][order]
    t = a["t"][order]
    sorter = np.argsort(person_id, kind="stable")
    pos = sorter[np.searchsorted(person_id, pid, sorter=sorter)]
    # factorise the raw details once (sorted categories), rather than copying every string
    codes, details = pd.factorize(a["detail"][order], sort=True)
    return pd.DataFrame(
        {
            "person_id": pid,
            "age": np.asarray(age0, np.float64)[pos] + t,
            "t": t,
            "event": pd.Categorical.from_codes(a["kind"][order], categories=list(EVENT_KINDS)),
            "detail": pd.Categorical.from_codes(codes, categories=pd.Index(details.astype(str), dtype=object)),
        }
    )


def build_persons(cohort: pd.DataFrame, outcomes: dict[str, np.ndarray]) -> pd.DataFrame:
    """The cohort columns followed by outcome columns, one row a person, in cohort order."""
    persons = cohort.reset_index(drop=True).copy()
    for name, values in outcomes.items():
        if values.dtype == object:
            persons[name] = pd.Categorical(values.astype(str), categories=sorted(set(values.astype(str).tolist())))
        else:
            persons[name] = values
    return persons


def write_result(result: SimulationResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``events.parquet``, ``persons.parquet`` and ``manifest.json`` atomically into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_table_atomic(result.events, out / "events.parquet")
    write_table_atomic(result.persons, out / "persons.parquet")
    write_json_atomic(result.manifest, out / "manifest.json")
    return out
