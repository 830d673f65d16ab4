"""Benchmark: the compiled engine on the default model, against a numpy floor in the same run.

Part 1 (ratio): ``--n`` persons of the default cohort, the shipped parameters (finite surgical
capacity: the waiting list is resolved), ``--years`` of follow-up. Reports person-lifetimes
per CPU-second of the whole :func:`cvirisk.simulate` call (cohort excluded, event table
included), and compares it with a floor measured in the same run on the same machine: the time
numpy takes to draw and log-transform one uniform per transition instance per event of that
run (``-log(U)`` for ``n_instances * events`` draws), the least work any next-reaction engine
could do. Also reports the first call's compile time (cold, with an empty numba cache) and the
cached start (the first call in a fresh process with the on-disk cache). Medians of ``--repeats``.

Part 2 (``--stream N``): N persons followed for ``--years`` years, generated and simulated in
chunks of ``--chunk-size`` in this process, events written to partitioned Parquet; prints
persons per second and the peak resident memory of the process.

Usage::

    python benchmarks/bench_fast.py                          # 100,000 persons x 30 years
    python benchmarks/bench_fast.py --n 20000                # quicker
    python benchmarks/bench_fast.py --skip-ratio --stream 1000000 --out /tmp/fast1m
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from cvirisk.cohort import generate_cohort
from cvirisk.outcomes import done_waits
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.scale.sources import GeneratedCohort
from cvirisk.sim.stream import stream_simulate


def peak_gb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _cpu(fn) -> float:
    cpu = time.process_time()
    fn()
    return time.process_time() - cpu


_START = "import time; t = time.perf_counter(); import cvirisk; from cvirisk.sim.testing import uniform_cohort; " \
         "cvirisk.simulate(uniform_cohort(10), seed=1, years=1); print(time.perf_counter() - t)"


def start_times() -> tuple[float, float]:
    """Seconds to import and run a tiny simulation in a fresh process: with an empty numba cache, then cached."""
    cache = tempfile.mkdtemp(prefix="cvirisk-numba-")
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    cold = float(subprocess.run([sys.executable, "-c", _START], env=env, capture_output=True, text=True, check=True).stdout)
    warm = float(subprocess.run([sys.executable, "-c", _START], env=env, capture_output=True, text=True, check=True).stdout)
    shutil.rmtree(cache, ignore_errors=True)
    return cold, warm


def ratio(n: int, years: float, repeats: int, seed: int) -> None:
    from cvirisk.model.compile import compile_model

    params = load_params()
    cohort = generate_cohort(n, seed=seed, params=params)
    simulate(cohort.head(100), params=params, seed=seed, years=years)  # compiled code loaded
    results = []
    split = []

    def one() -> None:
        before = os.times()
        results.append(simulate(cohort, params=params, seed=seed, years=years))
        after = os.times()
        split.append((after.user - before.user, after.system - before.system))

    runs = [_cpu(one) for _ in range(repeats)]
    user, system = split[sorted(range(repeats), key=lambda k: runs[k])[repeats // 2]]
    events = len(results[-1].events)
    n_inst = compile_model(params).n_instances
    rng = np.random.default_rng(seed)
    draws = n_inst * events
    block = 10_000_000

    def floor() -> None:
        left = draws
        while left > 0:
            k = min(block, left)
            np.negative(np.log(rng.random(k)))
            left -= k

    floors = [_cpu(floor) for _ in range(repeats)]
    sim, base = statistics.median(runs), statistics.median(floors)
    done = done_waits(results[-1].events)
    print(f"cohort: {n:,} persons, {years:g} years, shipped parameters (finite capacity), seed {seed}")
    print(f"events: {events:,} ({events / n:.1f} a person); transition instances: {n_inst}; "
          f"operations {len(done):,}, mean wait {done['wait_years'].mean():.2f} years")
    print(f"engine: {sim:.2f} CPU-s (median of {repeats}) = {n / sim:,.0f} person-lifetimes per CPU-second")
    print(f"numpy floor ({draws:,} draws of -log U): {base:.2f} CPU-s; engine / floor = {sim / base:.2f}x")
    print(f"the floor alone, as the engine's unit: {n / base:,.0f} person-lifetimes per CPU-second "
          f"({events / n:.1f} events a person, {n_inst} draws an event); user {user:.2f} + system {system:.2f} CPU-s "
          f"of the engine's median (system time: first touches of new memory, page faults)")
    cold, warm = start_times()
    print(f"start of a fresh process with a tiny run: cold numba cache {cold:.1f} s, cached {warm:.1f} s")


def stream(n: int, years: float, chunk_size: int, seed: int, out: str | None) -> None:
    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    out_dir = out or tempfile.mkdtemp(prefix="cvirisk-bench-")
    source = GeneratedCohort(n, seed=seed, block=chunk_size)
    before = peak_gb()
    start, cpu = time.perf_counter(), time.process_time()
    res = stream_simulate(source, out_dir, params=params, seed=seed, years=years, chunk_size=chunk_size,
                          workers=1, tables=False)  # fmt: skip
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu
    s = res.summary["results"][0]
    print(f"streamed: {n:,} persons x {years:g} years in chunks of {chunk_size:,}: {secs:.1f} s, "
          f"{n / secs:,.0f} persons/s; CPU {cpu:.1f} s, {n / cpu:,.0f} persons per CPU-second "
          f"(cohort generation and Parquet included), {s['events']:,} events")  # fmt: skip
    print(f"peak resident memory: {peak_gb():.2f} GB (before the run {before:.2f} GB)")
    if out is None:
        shutil.rmtree(out_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="persons (default 100,000)")
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3, help="runs (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-ratio", action="store_true")
    parser.add_argument("--stream", type=int, default=0, metavar="N", help="also stream N persons")
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--out", help="keep the streamed run here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if not args.skip_ratio:
        ratio(args.n, args.years, args.repeats, args.seed)
    if args.stream:
        stream(args.stream, args.years, args.chunk_size, args.seed, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
