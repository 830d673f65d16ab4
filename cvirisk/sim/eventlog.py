"""The event log and persons table of a simulation, and writing them.

The event log has one row an event: ``person_id`` (int64), ``age`` (float64), ``t`` (float64,
years since baseline; negative before baseline), ``leg`` (categorical: ``""`` for events of the
person, ``left``, ``right``), ``event`` (categorical with exactly
:data:`cvirisk.params.vocabulary.EVENT_KINDS`), ``detail`` (categorical of strings) and
``value`` (float64, NaN when the event has no number: refluxing segments, waiting years, BMI).
Rows are sorted by person, then by the order in which the person's events happened (which is
time order).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cvirisk.io.atomic import write_json_atomic, write_table_atomic

__all__ = ["SimulationResult", "write_result", "EVENT_COLUMNS"]

EVENT_COLUMNS = ("person_id", "age", "t", "leg", "event", "detail", "value")


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


def write_result(result: SimulationResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``events.parquet``, ``persons.parquet`` and ``manifest.json`` atomically into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_table_atomic(result.events, out / "events.parquet")
    write_table_atomic(result.persons, out / "persons.parquet")
    write_json_atomic(result.manifest, out / "manifest.json")
    return out
