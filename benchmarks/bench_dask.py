"""Benchmark: the runner on a Dask LocalCluster, 2 workers against 1 worker.

The same run (a generated cohort of ``--n`` persons in chunks of ``--chunk-size``, each
worker drawing its own cohort block, ``--replications`` replications, the shipped parameters
with finite surgical capacity, so a unit holds whole catchments of 100,000 persons) goes to a 1-worker and then a 2-worker LocalCluster (one thread a worker,
processes), ``--repeats`` times each, alternating; medians are compared. The collected
files of every run must be the same bytes. On a machine with 2 free cores the ideal is 2x.

Usage::

    python benchmarks/bench_dask.py                     # 200,000 persons x 2 replications
    python benchmarks/bench_dask.py --n 50000 --repeats 1
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cvirisk.params import load_params
from cvirisk.sim.runner import RunSpec, collect, run
from cvirisk.sim.scale.sources import GeneratedCohort


def warm_up() -> None:
    """Import and exercise the engine once in a worker (tiny cohort)."""
    from cvirisk.cohort import generate_cohort
    from cvirisk.sim import simulate

    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    simulate(generate_cohort(50, seed=0, params=params), params=params, seed=0, years=1)


def timed_run(spec: RunSpec, workers: int, write_on: str) -> tuple[float, dict[str, bytes]]:
    from distributed import Client, LocalCluster

    out = Path(tempfile.mkdtemp(prefix="cvirisk-dask-"))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="3GiB", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:  # fmt: skip
        client.wait_for_workers(workers, timeout=60)
        client.run(warm_up)  # imports and first-call costs are not part of the timing
        start = time.perf_counter()
        run(spec, out, scheduler=client, write_on=write_on)
        secs = time.perf_counter() - start
    collect(out)
    files = {p.name: p.read_bytes() for p in sorted((out / "collected").iterdir())}
    shutil.rmtree(out, ignore_errors=True)
    return secs, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--write-on", choices=("worker", "client"), default="client",
                        help="who writes unit files (worker: shared file system; client: bytes shipped back)")
    args = parser.parse_args(argv)

    params = load_params()  # finite surgical capacity: units hold whole catchments
    source = GeneratedCohort(args.n, seed=1, block=args.chunk_size)
    spec = RunSpec.build(source, params=params, years=args.years, seeds=1, replications=args.replications,
                         chunk_size=args.chunk_size)  # fmt: skip
    times: dict[int, list[float]] = {1: [], 2: []}
    reference = None
    for _ in range(args.repeats):
        for workers in (1, 2):
            secs, files = timed_run(spec, workers, args.write_on)
            times[workers].append(secs)
            reference = files if reference is None else reference
            if files != reference:
                print("collected results differ between runs: FAILED")
                return 1
    one, two = statistics.median(times[1]), statistics.median(times[2])
    persons = args.n * args.replications
    print(f"{args.n:,} persons x {args.replications} replications x {args.years:g} years, "
          f"{len(spec.units())} units of {args.chunk_size:,} persons, unit files written by the {args.write_on}")  # fmt: skip
    print(f"1 worker:  {one:7.1f} s  {persons / one:10,.0f} persons/s  (median of {args.repeats})")
    print(f"2 workers: {two:7.1f} s  {persons / two:10,.0f} persons/s  (median of {args.repeats})")
    print(f"speed-up 2 workers / 1 worker: {one / two:.2f}x; collected files identical in all runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
