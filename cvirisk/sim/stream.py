"""Streaming a large cohort through the simulator with bounded memory.

Persons go through in chunks of ``chunk_size``; each chunk's event log and persons table
are written to partitioned Parquet as soon as the chunk is done
(``OUT/units/seed=S/replication=R/draw=0/chunk=C/``) with a small summary of counts, so
memory holds one chunk per process whatever the cohort size. The cohort itself may be a
DataFrame, a Parquet file read by row groups, or a generated cohort drawn block by block
(see :mod:`cvirisk.sim.scale.sources`). This is :func:`cvirisk.sim.runner.run` with one
parameter set; use the runner directly for parameter draws or a Dask cluster.

Examples
--------
>>> import tempfile
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
>>> res = stream_simulate(uniform_cohort(25, age=60.0), tempfile.mkdtemp(), params=p, years=3, chunk_size=10)
>>> res.summary["results"][0]["persons"], res.summary["run"]["n_chunks"]
(25, 3)
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd

from cvirisk.sim.runner import RunSpec, run
from cvirisk.sim.scale.collect import Collected, collect, read_events, read_persons
from cvirisk.sim.scale.sources import (
    CohortSource,
    FrameCohort,
    GeneratedCohort,
    ParquetCohort,
    write_cohort_parquet,
)
from cvirisk.sim.scale.summary import merge_summaries, summarise

__all__ = [
    "stream_simulate", "CohortSource", "FrameCohort", "ParquetCohort", "GeneratedCohort",
    "write_cohort_parquet", "summarise", "merge_summaries", "read_events", "read_persons",
]  # fmt: skip


def stream_simulate(
    cohort: pd.DataFrame | CohortSource | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    params=None,
    seed: int = 1,
    years: float = 20.0,
    replications: int = 1,
    chunk_size: int = 100_000,
    engine: str = "fast",
    surgery_approximation: str | None = None,
    workers: int | None = 1,
    tables: bool = True,
    progress: bool | Callable[[int, int], None] | None = None,
) -> Collected:
    """Simulate ``cohort`` chunk by chunk into ``out_dir`` and collect the result.

    Parameters
    ----------
    cohort
        A DataFrame, a :class:`~cvirisk.sim.scale.sources.CohortSource`, or a Parquet path.
    out_dir
        The run directory; an interrupted run resumes where it stopped.
    params, seed, years, engine, surgery_approximation
        As for :func:`cvirisk.simulate` / :func:`cvirisk.sim.fast.simulate_fast`.
    replications : int
        Replications ``0 .. replications-1``.
    chunk_size : int
        Persons per chunk (memory is proportional to it).
    workers : int, optional
        Local processes (1: in this process; None: one per CPU).
    tables : bool
        Also concatenate the chunk tables into ``OUT/collected/`` (False keeps them
        partitioned and collects only the summaries; use it for very large cohorts).

    Returns
    -------
    Collected
        Merged summaries and the paths of the collected tables.
    """
    spec = RunSpec.build(
        cohort, params=params, years=years, seeds=seed, replications=replications,
        chunk_size=chunk_size, engine=engine, surgery_approximation=surgery_approximation,
    )  # fmt: skip
    run(spec, out_dir, workers=workers, progress=progress)
    return collect(out_dir, tables=tables)
