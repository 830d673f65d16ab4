"""``cvirisk simulate``: simulate a cohort's histories and follow-up; write the event log.

Usage::

    cvirisk simulate --n 10000 --seed 1 --years 20 --out run1
    cvirisk simulate --cohort cohort.parquet --seed 1 --years 10 --out run2 --set care.compression_adherence=0.9

Writes ``events.parquet``, ``persons.parquet`` and ``manifest.json`` into ``--out``; the same
arguments give the same bytes. Bad input ends with exit status 2 and one line.

Everything is checked before any work: the output folder (creatable, writable, empty or an
earlier result of this command, holding no input of the run), the cohort file against the
cohort contract (:mod:`cvirisk.io.sim_cohort`: file, column, rows from 1 in the file), the
sizes (:mod:`cvirisk.io.limits`) and a ``--scheduler`` (it must answer within 5 s). The
result folder is written as a set under a lock (:mod:`cvirisk.io.result_folder`); a large
run keeps complete units only, so a rerun after a kill finishes it with the same bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from cvirisk.cli._common import (
    add_params_options,
    add_seed_option,
    existing_file,
    load_params_from_args,
    non_negative_int,
    positive_int,
    years,
)
from cvirisk.exceptions import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "simulate",
        help="simulate natural history and follow-up; write the event log",
        description="Simulate each person's history from age 18 to baseline and YEARS of follow-up "
        "(continuous time, the declared model run by the compiled engine); write events.parquet, "
        "persons.parquet and manifest.json into --out.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cohort", type=existing_file, metavar="FILE", help="a cohort file (.parquet or .csv)")
    src.add_argument("--n", type=positive_int, help="generate a cohort of N persons (with --seed)")
    add_seed_option(p)
    p.add_argument("--replication", type=non_negative_int, default=0, help="replication number (default 0)")
    p.add_argument("--years", type=years, default=20.0, help="years of follow-up (default 20)")
    p.add_argument("--engine", choices=("fast", "reference"), default="fast",
                   help="fast: the compiled engine (default); reference: the plain simpy implementation (slow)")
    p.add_argument("--surgery-approximation", choices=("unlimited",), default=None,
                   help="operate at referral instead of modelling each surgical catchment's waiting list")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_params_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_large_run_options(p)
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Check every input, then simulate; the result folder is written as a set (see :mod:`cvirisk.io.result_folder`)."""
    from cvirisk.exceptions import UnsupportedError
    from cvirisk.io.result_folder import FolderLock, ResultFolder, check_output_folder
    from cvirisk.sim import simulate, write_result

    large = wants_runner(args)
    # before any work: the output folder, the scheduler, the parameters, the sizes, the cohort file
    inputs = [("--cohort", args.cohort), ("--params", args.params)]
    if large:
        out = check_output_folder(args.out, "--out", signature=("run.json",), inputs=inputs)
    else:  # takes the lock: a second run into the same folder is refused here
        folder = ResultFolder(args.out, "--out", signature=("manifest.json",), inputs=inputs)
        tmp = folder.open()
        out = folder.folder
    if args.scheduler:  # reachable now, or an input error (no Dask client is kept open yet)
        from cvirisk.sim.scale.pool import check_scheduler

        check_scheduler(args.scheduler)
    params = load_params_from_args(args)
    if args.cohort is not None:
        _check_file_size(args.cohort)
        n = None
    else:
        n = args.n
        _check_sizes(args, n)
    if large:
        with FolderLock(out, "--out"), _client(args.scheduler) as client:
            cohort = _cohort(args, params)
            _check_sizes(args, len(cohort))
            show = not args.quiet and sys.stderr.isatty()
            try:
                collected = run_from_args(args, cohort, params, out, progress=show or None, scheduler=client)
            except UnsupportedError as exc:
                raise InputError(str(exc)) from None
        print(f"cvirisk simulate: {len(cohort):,} persons in units under {out / 'units'}; "
              f"collected into {out / 'collected'} ({type(collected).__name__})", file=sys.stderr)
        return 0
    cohort = _cohort(args, params)
    if n is None:
        _check_sizes(args, len(cohort))
    show = not args.quiet and sys.stderr.isatty()
    try:
        result = simulate(cohort, params=params, seed=args.seed, years=args.years, engine=args.engine,
                          replication=args.replication, progress=show or None,
                          surgery_approximation=args.surgery_approximation)
    except ImportError as exc:
        raise InputError(f"--engine {args.engine}: not available ({exc})") from None
    except UnsupportedError as exc:
        raise InputError(str(exc)) from None
    write_result(result, tmp)
    folder.commit()
    print(f"cvirisk simulate: {len(result.persons):,} persons, {len(result.events):,} events written to {out}",
          file=sys.stderr)
    return 0


@contextlib.contextmanager
def _client(address: str | None):
    """A Dask client of ``address`` (handshake done before any work), closed on the way out."""
    if not address:
        yield None
        return
    from cvirisk.sim.scale.pool import connect_scheduler

    client = connect_scheduler(address)
    try:
        yield client
    finally:
        client.close()


def _cohort(args: argparse.Namespace, params):
    """The cohort: the file, checked against the contract, or a generated one."""
    if args.cohort is not None:
        from cvirisk.io.sim_cohort import read_sim_cohort

        return read_sim_cohort(args.cohort, params)
    from cvirisk.cohort import generate_cohort

    return generate_cohort(args.n, seed=args.seed, params=params, replication=args.replication)


def _check_file_size(path) -> None:
    from cvirisk.io.limits import PER_PERSON_FILE_ROW, check_memory

    size = path.stat().st_size
    check_memory(size, PER_PERSON_FILE_ROW, f"--cohort {path}", "bytes of cohort file")


def _check_sizes(args: argparse.Namespace, n: int) -> None:
    """Refuse a run this machine cannot hold, with an estimate (memory, units of work)."""
    from cvirisk.io.limits import PER_PERSON_COHORT, PER_PERSON_SIMULATE, check_memory, check_units

    what = f"--n {n}" if args.cohort is None else f"--cohort {args.cohort}"
    if not wants_runner(args):
        check_memory(n, PER_PERSON_COHORT + PER_PERSON_SIMULATE, what, "persons simulated in one piece",
                     "; use --chunk-size to stream the run in chunks")
        return
    chunk = min(args.chunk_size or n, n)
    chunks = max(1, -(-n // max(chunk, 1)))
    check_units(chunks * (args.replications or 1), f"{what} --replications {args.replications or 1}")
    check_memory(n, PER_PERSON_COHORT, what, "persons in the cohort")
    workers = 1 if args.scheduler else (args.workers or os.cpu_count() or 1)
    check_memory(chunk * workers, PER_PERSON_SIMULATE, f"--chunk-size {chunk} with {workers} worker(s)",
                 "persons simulated at once", "; use a smaller --chunk-size")


# -- large runs: options for cvirisk.sim.runner (imported only when a large run is asked for) --
def add_large_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of chunked, replicated, multi-process or Dask runs."""
    g = parser.add_argument_group("large runs (chunks, replications, processes, Dask)")
    g.add_argument("--chunk-size", type=positive_int, metavar="N",
                   help="stream persons in chunks of N to OUT/units/... (memory bounded by N)")  # fmt: skip
    g.add_argument("--replications", type=positive_int, metavar="R", help="run replications 0 .. R-1")
    g.add_argument("--workers", type=positive_int, metavar="K", help="local processes (default: CPU count)")
    g.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler, e.g. tcp://10.0.0.5:8786")
    g.add_argument("--write-on", choices=("worker", "client"),
                   help="who writes unit files on Dask (worker: OUT on a shared file system; default client)")  # fmt: skip
    g.add_argument("--summaries-only", action="store_true",
                   help="collect summaries only; keep events partitioned under OUT/units (very large runs)")  # fmt: skip


def wants_runner(args: argparse.Namespace) -> bool:
    """True when any large-run option was given on the command line."""
    return any(getattr(args, a, None) for a in ("chunk_size", "replications", "workers", "scheduler"))


def run_from_args(args: argparse.Namespace, cohort, params, out_dir, progress: bool | None = None, scheduler=None):
    """Run and collect with :mod:`cvirisk.sim.runner` from parsed options (``scheduler``: a Client to use)."""
    from cvirisk.sim.runner import RunSpec, collect, run

    spec = RunSpec.build(
        cohort, params=params, years=args.years, seeds=args.seed, replications=args.replications or 1,
        chunk_size=args.chunk_size or max(len(cohort), 1),
        engine=args.engine, surgery_approximation=getattr(args, "surgery_approximation", None),
    )  # fmt: skip
    scheduler = args.scheduler if scheduler is None else scheduler
    run(spec, out_dir, scheduler=scheduler, workers=args.workers, write_on=args.write_on, progress=progress)
    return collect(out_dir, tables=not args.summaries_only)
