"""Replications, parameter draws and chunks of persons as units of work, run locally or on Dask.

A run is a :class:`RunSpec`: a cohort source, parameters, follow-up, seeds, replications,
parameter draws (dotted overrides; by convention draw 0 is ``{}``, the baseline) and a chunk
size. Its units of work are every ``(seed, replication, draw, chunk)``. A worker re-derives
everything from its unit: the parameters of the draw, the cohort rows of the chunk, and
the random streams (pure in seed, replication and person id). So a unit's output does not
depend on where, in which order or on how many workers it ran.

Layout of a run directory ``OUT``::

    OUT/run.json                                         what the run is (its fingerprint)
    OUT/units/seed=S/replication=R/draw=D/chunk=C/
        events.parquet, persons.parquet                  the chunk's event log and persons
        summary.json                                     counts; written last = completion marker
    OUT/collected/{events,persons}.parquet, summary.json written by :func:`collect`

Each unit folder and the collected folder are written as a set (a temporary sibling
renamed into place); ``run.json`` atomically. :func:`run` locks the run directory (a second
run into it is refused), removes temporaries a killed run left, and skips units whose
``summary.json`` exists and matches the run, so rerunning after a crash does only what is
missing and gives the same bytes. Local worker processes die with their parent and a
crashed one is retried (:mod:`cvirisk.sim.scale.pool`).

Examples
--------
>>> import tempfile
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
>>> spec = RunSpec.build(uniform_cohort(30, age=40.0), params=p, years=5, chunk_size=10, replications=2)
>>> out = tempfile.mkdtemp()
>>> len(run(spec, out, workers=1).ran), len(run(spec, out, workers=1).ran)
(6, 0)
>>> [r["persons"] for r in collect(out).summary["results"]]
[30, 30]
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import write_json_atomic
from cvirisk.sim.scale.collect import Collected, collect, read_events, read_persons
from cvirisk.sim.scale.sources import CohortSource, as_source
from cvirisk.sim.scale.units import (
    Unit,
    execute_unit,
    is_complete,
    stable_hash,
    unit_dir,
    write_unit,
)

__all__ = [
    "Unit", "RunSpec", "RunReport", "run", "run_units", "execute_unit", "unit_dir", "is_complete",
    "collect", "Collected", "read_events", "read_persons",
]  # fmt: skip

ENGINES = ("fast", "reference")


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Everything that defines a run; build it with :meth:`RunSpec.build`.

    Attributes
    ----------
    cohort : CohortSource
    params : dict
        The base parameters as a plain mapping (small; shipped with every unit).
    years : float
    seeds : tuple of int
    replications : int
    draws : tuple of dict
        Dotted overrides of each parameter draw (draw ``d`` applies ``draws[d]``).
    chunk_size : int
        Persons a unit of work holds at most, unless one surgical catchment is larger (then
        the unit holds that catchment).
    bounds : tuple of int
        With finite surgical capacity, the first row of every chunk and the cohort size:
        chunks hold whole catchments (:func:`chunk_bounds`); empty when chunks are plain
        blocks of ``chunk_size`` rows.
    engine : {"fast", "reference"}
    surgery_approximation : {None, "unlimited"}
    fingerprint : str
        Hash of what determines a unit's output apart from (seed, replication, draw).
    """

    cohort: CohortSource
    params: dict
    years: float
    seeds: tuple[int, ...]
    replications: int
    draws: tuple[dict, ...]
    chunk_size: int
    engine: str
    surgery_approximation: str | None
    n: int
    bounds: tuple[int, ...] = ()
    fingerprint: str = field(default="")

    @classmethod
    def build(
        cls,
        cohort: pd.DataFrame | CohortSource | str | os.PathLike[str],
        params=None,
        years: float = 20.0,
        seeds: int | Sequence[int] = 1,
        replications: int = 1,
        draws: Sequence[dict] | None = None,
        chunk_size: int = 100_000,
        engine: str = "fast",
        surgery_approximation: str | None = None,
    ) -> RunSpec:
        """Validate the arguments and fingerprint the run.

        ``cohort`` is a DataFrame, a :class:`~cvirisk.sim.stream.CohortSource`, or the path
        of a Parquet cohort file; ``params`` a :class:`~cvirisk.params.Params` (defaults
        when None).
        """
        from cvirisk.params import load_params, params_hash, params_to_dict, with_overrides
        from cvirisk.sim.compiled.run import needs_capacity

        cohort = as_source(cohort)
        params = load_params() if params is None else params
        _check_cohort(cohort, params)
        seeds = (int(seeds),) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
        draws = ({},) if draws is None else tuple(dict(d) for d in draws)
        if engine not in ENGINES:
            raise InputError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if not (math.isfinite(float(years)) and years >= 0):
            raise InputError(f"years must be a finite non-negative number, not {years!r}")
        if int(chunk_size) < 1 or int(replications) < 1 or not draws or not seeds or min(seeds) < 0:
            raise InputError("chunk_size and replications must be positive; seeds non-negative; draws not empty")
        n = len(cohort)
        from cvirisk.io.limits import check_units

        chunks = max(1, -(-n // int(chunk_size)))
        check_units(len(seeds) * int(replications) * len(draws) * chunks, "run")
        sizes: set[int] = set()  # catchment sizes of the draws that ration surgery
        for d, overrides in enumerate(draws):  # every draw is validated here, not in a worker
            try:
                p = with_overrides(params, overrides, f"draw {d}") if overrides else params
            except InputError as exc:
                raise InputError(f"draw {d}: {exc}") from None
            if surgery_approximation not in (None, "unlimited"):
                raise InputError(f"surgery_approximation must be None or 'unlimited', not {surgery_approximation!r}")
            if needs_capacity(p) and surgery_approximation is None:
                sizes.add(int(p.care.surgery_catchment_population.value))
        bounds = chunk_bounds(cohort, int(chunk_size), sorted(sizes)) if sizes and n > int(chunk_size) else ()
        spec = cls(cohort, params_to_dict(params), float(years), seeds, int(replications), draws,
                   int(chunk_size), engine, surgery_approximation, n, bounds)  # fmt: skip
        key = {
            "params": params_hash(params), "years": spec.years, "engine": engine, "n": n,
            "surgery_approximation": surgery_approximation, "chunk_size": spec.chunk_size,
            "cohort": cohort.identity(),
        }  # fmt: skip
        return replace(spec, fingerprint=stable_hash(key))

    @property
    def n_chunks(self) -> int:
        if self.bounds:
            return len(self.bounds) - 1
        return max(1, -(-self.n // self.chunk_size))

    def chunk_range(self, chunk: int) -> tuple[int, int]:
        """Cohort rows ``[start, stop)`` of a chunk."""
        if self.bounds:
            return self.bounds[chunk], self.bounds[chunk + 1]
        start = chunk * self.chunk_size
        return start, min(start + self.chunk_size, self.n)

    def units(self) -> list[Unit]:
        """Every unit of the run, in canonical order."""
        return [
            Unit(s, r, d, c)
            for s in self.seeds for r in range(self.replications)
            for d in range(len(self.draws)) for c in range(self.n_chunks)
        ]  # fmt: skip

    def for_unit(self, unit: Unit) -> RunSpec:
        """A copy carrying only the cohort rows of ``unit`` (what is shipped to a worker)."""
        return replace(self, cohort=self.cohort.part(*self.chunk_range(unit.chunk)))

    def describe(self) -> dict[str, Any]:
        """The JSON-ready description written to ``run.json``."""
        return {
            "fingerprint": self.fingerprint, "n": self.n, "chunk_size": self.chunk_size,
            "n_chunks": self.n_chunks, "chunk_bounds": list(self.bounds), "years": self.years, "engine": self.engine,
            "surgery_approximation": self.surgery_approximation, "seeds": list(self.seeds),
            "replications": self.replications, "draws": list(self.draws), "params": self.params,
        }  # fmt: skip


def chunk_bounds(cohort: CohortSource, chunk_size: int, sizes: Sequence[int]) -> tuple[int, ...]:
    """Chunk boundaries (first rows, then the cohort size) that never split a surgical catchment.

    A person's catchment is ``person_id // size`` for every catchment size ``sizes`` in use.
    Each chunk ends at the last catchment boundary within ``chunk_size`` rows of its start, or,
    when one catchment alone is larger, at that catchment's end. The rows of a catchment must
    be consecutive (as in a cohort sorted by person id); otherwise the run is refused, since
    no chunking would keep the catchment whole.
    """
    n = len(cohort)
    pid = cohort.person_ids()
    if pid is None:  # ids 0 .. n-1 in order: a boundary wherever every size divides the row
        step = math.lcm(*sizes)
        allowed = np.arange(step, n, step, dtype=np.int64)
    else:
        allowed = np.arange(1, n, dtype=np.int64)
        for size in sizes:
            c = pid // size
            allowed = allowed[c[allowed] != c[allowed - 1]]
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        if start + chunk_size >= n:
            bounds.append(n)
            break
        k = int(np.searchsorted(allowed, start + chunk_size, side="right"))
        if k > 0 and allowed[k - 1] > start:
            bounds.append(int(allowed[k - 1]))
        else:  # one catchment is larger than a chunk: the unit holds it whole
            k = int(np.searchsorted(allowed, start, side="right"))
            bounds.append(int(allowed[k]) if k < allowed.size else n)
    if pid is not None:
        chunk = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        for size in sizes:
            c = pid // size
            first = pd.Series(chunk).groupby(c).agg(["min", "max"])
            split = first[first["min"] != first["max"]]
            if len(split):
                cid = int(split.index[0])
                rows = np.flatnonzero(c == cid)
                raise InputError(
                    f"cohort: column 'person_id': surgical catchment {cid} (ids {cid * size} to {(cid + 1) * size - 1}, "
                    f"care.surgery_catchment_population = {size}) is not in consecutive rows (rows {rows[0] + 1} and "
                    f"{rows[-1] + 1} are apart); sort the cohort by person_id, or use a chunk size of at least {n}"
                )
    return tuple(bounds)


def _check_cohort(cohort: CohortSource, params) -> None:
    """Check the whole cohort before any unit runs (rows numbered in the file, ids unique across chunks)."""
    from cvirisk.io.sim_cohort import check_parquet_cohort, validate_sim_cohort
    from cvirisk.sim.scale.sources import FrameCohort, ParquetCohort

    if isinstance(cohort, ParquetCohort):
        check_parquet_cohort(cohort.path, params)
    elif isinstance(cohort, FrameCohort):
        validate_sim_cohort(cohort.frame, "cohort", params)


def _iter_local(spec: RunSpec, units: list[Unit], out: str, workers: int) -> Iterator[dict]:
    if workers <= 1:
        for u in units:
            yield execute_unit(spec.for_unit(u), u, out)
        return
    from cvirisk.sim.scale.pool import run_local

    yield from run_local(execute_unit, units, lambda u: (spec.for_unit(u), u, out), workers,
                         name=lambda u: "unit " + "/".join(u.parts))  # fmt: skip


def _iter_dask(spec: RunSpec, units: list[Unit], out: str, scheduler, write_on: str) -> Iterator[dict]:
    import uuid

    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler, timeout="20s") if own else scheduler
    tag = uuid.uuid4().hex[:8]
    try:
        futures = [
            client.submit(
                execute_unit, spec.for_unit(u), u, out if write_on == "worker" else None,
                key=f"cvirisk-unit-{spec.fingerprint}-{'-'.join(u.parts)}-{tag}", pure=False,
            )
            for u in units
        ]  # fmt: skip
        for fut in as_completed(futures):
            res = fut.result()
            fut.release()
            if "files" in res:
                write_unit(out, res["unit"], res.pop("files"), res["summary"])
            yield res
    finally:
        if own:
            client.close()


def run_units(
    spec: RunSpec,
    units: Sequence[Unit],
    out_dir: str | os.PathLike[str],
    scheduler=None,
    workers: int | None = None,
    write_on: str | None = None,
    progress: bool | Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Run ``units`` and write each as it completes; return their summaries in canonical order.

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        None runs on this machine (``workers`` processes; 1 runs in this process); an
        address such as ``"tcp://10.0.0.5:8786"`` or a Client runs on that Dask cluster.
    workers : int, optional
        Local processes (default: CPU count, at most the number of units). They are
        started with ``spawn``, so a script that runs units in processes must guard its
        entry point with ``if __name__ == "__main__":``.
    write_on : {"worker", "client"}, optional
        Who writes unit files: ``"worker"`` needs ``out_dir`` on a file system the workers
        share; ``"client"`` ships the Parquet bytes back. Default: worker locally, client on Dask.
        (A DataFrame cohort travels with each unit as its slice, a generated cohort is drawn
        by the worker, a Parquet cohort file must be readable by the workers at its path.)
    progress : bool or callable, optional
        A progress bar, or ``callback(done, total)``.
    """
    from cvirisk.progress import track

    units = sorted(units)
    out = str(out_dir)
    if scheduler is None:
        workers = min(os.cpu_count() or 1, max(len(units), 1)) if workers is None else int(workers)
        results = _iter_local(spec, units, out, workers)
    else:
        write_on = write_on or "client"
        if write_on not in ("worker", "client"):
            raise InputError(f"write_on must be 'worker' or 'client', not {write_on!r}")
        results = _iter_dask(spec, units, out, scheduler, write_on)
    show = progress if isinstance(progress, bool) else None
    callback = progress if callable(progress) else None
    summaries = [r["summary"] for r in track(results, len(units), "units", show=show, callback=callback)]
    return sorted(summaries, key=lambda s: Unit(**s["unit"]))


@dataclass
class RunReport:
    """What :func:`run` did: units run now, units found complete, the run directory."""

    out_dir: Path
    ran: list[Unit]
    skipped: list[Unit]


def _record_run(out: Path, spec: RunSpec) -> None:
    path = out / "run.json"
    desc = spec.describe()
    if path.is_file():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != spec.fingerprint:
            raise InputError(
                f"{out}: holds a different run (cohort, parameters, years, engine or chunk size differ); "
                "use another output folder"
            )
        shared = min(len(old["draws"]), len(spec.draws))
        if old["draws"][:shared] != list(spec.draws)[:shared]:
            raise InputError(f"{out}: draw overrides differ from the run already there; use another output folder")
        desc["seeds"] = sorted(set(old["seeds"]) | set(spec.seeds))
        desc["replications"] = max(old["replications"], spec.replications)
        desc["draws"] = max(old["draws"], list(spec.draws), key=len)
    write_json_atomic(desc, path)


def run(spec: RunSpec, out_dir: str | os.PathLike[str], **kwargs) -> RunReport:
    """Run every unit of ``spec`` that ``out_dir`` does not hold yet (keywords as :func:`run_units`).

    Before any work: a scheduler address must answer (5 s), the folder must be empty or hold
    this run. The folder is locked for the run (a second run into it is refused), and
    temporaries that a killed run left are removed first.
    """
    from cvirisk.io.result_folder import FolderLock, check_output_folder, remove_stale_tree

    scheduler = kwargs.get("scheduler")
    if isinstance(scheduler, str):
        from cvirisk.sim.scale.pool import check_scheduler

        check_scheduler(scheduler, "scheduler")
    out = Path(out_dir)
    check_output_folder(out, "run folder", signature=("run.json",))
    with FolderLock(out, "run folder"):
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_tree(out)
        _record_run(out, spec)
        units = spec.units()
        todo = [u for u in units if not is_complete(out, spec, u)]
        if todo:
            run_units(spec, todo, out, **kwargs)
            remove_stale_tree(out)  # what a worker killed mid-unit left (its unit was rerun)
    return RunReport(out, ran=todo, skipped=[u for u in units if u not in set(todo)])
