"""One unit of work of a run: (seed, replication, draw, chunk), its folder, execution and completion.

A worker re-derives everything from its unit and the (small) run spec: the parameters of
the draw, the cohort rows of the chunk, the random streams. :func:`execute_unit` writes the
unit's folder as a set (a temporary sibling renamed into place), its ``summary.json``
marking a complete unit (:func:`is_complete`).

Examples
--------
>>> unit_dir("OUT", Unit(1, 0, 2, 3)).as_posix()
'OUT/units/seed=1/replication=0/draw=2/chunk=3'
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cvirisk.sim.scale.summary import parquet_bytes, summarise

if TYPE_CHECKING:  # pragma: no cover
    from cvirisk.sim.runner import RunSpec

__all__ = ["Unit", "unit_dir", "execute_unit", "write_unit", "is_complete", "stable_hash", "FILES"]

FILES = ("events.parquet", "persons.parquet")


@dataclass(frozen=True, order=True)
class Unit:
    """One unit of work; the field order is the canonical order of results."""

    seed: int
    replication: int
    draw: int
    chunk: int

    @property
    def parts(self) -> tuple[str, ...]:
        return (f"seed={self.seed}", f"replication={self.replication}", f"draw={self.draw}", f"chunk={self.chunk}")


def unit_dir(out_dir: str | os.PathLike[str], unit: Unit) -> Path:
    """``OUT/units/seed=S/replication=R/draw=D/chunk=C``."""
    return Path(out_dir, "units", *unit.parts)


def stable_hash(obj: Any) -> str:
    """A 16-hex-digit hash of a JSON-ready object (key order does not matter)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_PARAMS_CACHE: dict[tuple[str, int], Any] = {}


def _params_for(spec: RunSpec, draw: int):
    """The parameters of a draw (cached per process; Params are immutable)."""
    key = (stable_hash([spec.params, spec.draws[draw]]), draw)
    if key not in _PARAMS_CACHE:
        from cvirisk.params import params_from_dict, with_overrides

        base = params_from_dict(spec.params, "run parameters")
        overrides = spec.draws[draw]
        if len(_PARAMS_CACHE) > 64:
            _PARAMS_CACHE.clear()
        _PARAMS_CACHE[key] = with_overrides(base, overrides, f"draw {draw}") if overrides else base
    return _PARAMS_CACHE[key]


_MALLOC_TUNED = False


def tune_malloc() -> None:
    """Undo a Dask nanny's malloc setting that slows the engine (Linux glibc only; once a process).

    A Dask nanny starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which also switches off
    glibc's adaptive mmap threshold: every temporary array over 128 KiB is then mapped and
    unmapped afresh, and the fast engine runs about 1.6 times slower. Setting the mmap
    threshold to 64 MiB (unless ``MALLOC_MMAP_THRESHOLD_`` is set) restores the speed while
    the trim threshold keeps returning freed memory.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    if not sys.platform.startswith("linux") or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def execute_unit(spec: RunSpec, unit: Unit, out_dir: str | None = None) -> dict[str, Any]:
    """Simulate one unit; write it under ``out_dir`` (summary last), or return its file bytes.

    Returns ``{"unit", "summary"}``, plus ``"files"`` (name -> bytes) when ``out_dir`` is None.
    """
    tune_malloc()
    from cvirisk.sim import simulate

    params = _params_for(spec, unit.draw)
    start, stop = spec.chunk_range(unit.chunk)
    cohort = spec.cohort.rows(start, stop)
    args = dict(params=params, seed=unit.seed, years=spec.years, replication=unit.replication)
    result = simulate(cohort, engine=spec.engine, surgery_approximation=spec.surgery_approximation, **args)
    summary = {
        "unit": unit.__dict__.copy(), "fingerprint": spec.fingerprint, "rows": [start, stop],
        "draw_overrides": spec.draws[unit.draw], **summarise(result.events, result.persons, params),
    }  # fmt: skip
    # categories of detail and outcomes are those present in the chunk: read_events and
    # read_persons (cvirisk.sim.scale.collect) restore those of one whole run
    files = {"events.parquet": parquet_bytes(result.events), "persons.parquet": parquet_bytes(result.persons)}
    if out_dir is None:
        return {"unit": unit, "summary": summary, "files": files}
    write_unit(out_dir, unit, files, summary)
    return {"unit": unit, "summary": summary}


def write_unit(out_dir: str | os.PathLike[str], unit: Unit, files: dict[str, bytes], summary: dict) -> None:
    """Write a unit's folder as a set: files and summary into a temporary sibling, then rename it into place.

    A unit folder therefore holds all of one execution's files or none; a temporary left by
    a killed worker is removed by the next run (:func:`cvirisk.io.result_folder.remove_stale_tree`).
    """
    from cvirisk.io.result_folder import install, temporary_sibling

    d = unit_dir(out_dir, unit)
    tmp = temporary_sibling(d)
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
        install(tmp, d)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_complete(out_dir: str | os.PathLike[str], spec: RunSpec, unit: Unit) -> bool:
    """True when ``unit`` has a summary from this run (same fingerprint and draw) and its files."""
    d = unit_dir(out_dir, unit)
    try:
        summary = json.loads((d / "summary.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    same = summary.get("fingerprint") == spec.fingerprint and summary.get("draw_overrides") == spec.draws[unit.draw]
    return same and all((d / f).is_file() for f in FILES)
