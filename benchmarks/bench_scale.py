"""Benchmark: stream 10,000,000 persons through the fast engine with bounded memory.

The shipped parameters: finite surgical capacity, each catchment's waiting list resolved in
its chunk. The cohort is generated block by block (``GeneratedCohort``, one block a chunk), simulated
chunk by chunk in this process, and each chunk's events are written to partitioned
Parquet at once; only summaries are collected. After every chunk the script records the
resident memory of the process and its peak so far; it prints them at each tenth of the
run, and the final peak against the peak during the first chunk (the baseline of the same
run): bounded memory means the ratio stays near 1 however many chunks follow.

Usage::

    python benchmarks/bench_scale.py                          # 10,000,000 persons, 30 years
    python benchmarks/bench_scale.py --n 500000 --chunk-size 50000   # quick check
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time

from cvirisk.params import load_params
from cvirisk.sim.scale.sources import GeneratedCohort
from cvirisk.sim.stream import stream_simulate


def rss_gb() -> float:
    """Current resident set size of this process (GB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="keep the run here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)

    # the shipped parameters: finite surgical capacity, one waiting list per catchment of
    # care.surgery_catchment_population persons (each chunk holds whole catchments)
    params = load_params()
    out = args.out or tempfile.mkdtemp(prefix="cvirisk-scale-")
    n_chunks = -(-args.n // args.chunk_size)
    trace: list[tuple[int, float, float, float]] = []  # (chunks done, rss, peak so far, seconds)
    start = time.perf_counter()

    def record(done: int, total: int) -> None:
        trace.append((done, rss_gb(), peak_gb(), time.perf_counter() - start))

    res = stream_simulate(
        GeneratedCohort(args.n, seed=args.seed, block=args.chunk_size), out, params=params, seed=args.seed,
        years=args.years, chunk_size=args.chunk_size, workers=1, tables=False, progress=record,
    )  # fmt: skip
    secs = time.perf_counter() - start
    s = res.summary["results"][0]
    print(f"{args.n:,} persons x {args.years:g} years, {n_chunks} chunks of {args.chunk_size:,}, one process, "
          "shipped parameters (finite surgical capacity)")  # fmt: skip
    print(f"time {secs:.0f} s: {args.n / secs:,.0f} persons/s (cohort generation, simulation, Parquet, summaries)")
    print(f"events {s['events']:,}; person-years {s['person_years']:,.0f}")
    print("chunks done   resident memory (GB)   peak so far (GB)   elapsed (s)")
    marks = {max(1, round(n_chunks * k / 10)) for k in range(1, 11)} | {1}
    for done, rss, pk, t in trace:
        if done in marks:
            print(f"{done:>11}   {rss:>20.2f}   {pk:>16.2f}   {t:>11.0f}")
    first = next(pk for d, _, pk, _ in trace if d == 1)
    peak = peak_gb()
    print(f"peak resident memory {peak:.2f} GB; peak during the first chunk {first:.2f} GB; "
          f"ratio {peak / first:.2f} (bounded: does not grow with the number of chunks)")  # fmt: skip
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
