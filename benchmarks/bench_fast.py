"""Benchmark: fast engine against the simpy reference engine, and 1,000,000 persons streamed.

Part 1 (ratio): one generated cohort (``--n`` persons, unlimited surgical capacity, ``--years``
of follow-up). The fast engine runs all of it and its first ``--reference-n`` persons
(``--repeats`` times each); the simpy reference runs those first persons
(``--reference-repeats`` times; it is slow). Medians are compared, in the same run: persons
per second of each engine on the same persons, and of the fast engine at scale against the
reference. Target: the fast engine at least 50 times as many persons per second.

Part 2 (``--stream N``): N persons followed for ``--years`` years, generated and simulated
in chunks of ``--chunk-size`` in this process, events written to partitioned Parquet; prints
persons per second and the peak resident memory of the process. Target for N = 1,000,000
and 30 years: peak memory under 2 GB.

Usage::

    python benchmarks/bench_fast.py                         # ratio: 100,000 / 10,000 persons (~1.5 min)
    python benchmarks/bench_fast.py --n 20000 --reference-n 2000   # quick ratio
    python benchmarks/bench_fast.py --skip-ratio --stream 1000000 --out /tmp/fast1m
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time

from cvirisk.cohort import generate_cohort
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.scale.sources import GeneratedCohort
from cvirisk.sim.stream import stream_simulate

TARGET_RATIO = 50.0
TARGET_PEAK_GB = 2.0


def peak_gb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _timed(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn()`` (CPU time is robust on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def ratio(n: int, ref_n: int, years: float, repeats: int, ref_repeats: int, seed: int) -> bool:
    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    cohort = generate_cohort(n, seed=seed, params=params)
    sub = cohort.iloc[: min(ref_n, n)].reset_index(drop=True)
    m = len(sub)
    kw = dict(params=params, seed=seed, years=years)
    fast = [_timed(lambda: simulate(cohort, engine="fast", **kw)) for _ in range(repeats)]
    fast_sub = [_timed(lambda: simulate(sub, engine="fast", **kw)) for _ in range(repeats)]
    ref = [_timed(lambda: simulate(sub, engine="reference", **kw)) for _ in range(ref_repeats)]
    (f, fc), (fs, fsc), (r, rc) = (_median(x) for x in (fast, fast_sub, ref))
    print(f"cohort: {n:,} persons (reference: its first {m:,}), {years:g} years, unlimited capacity, seed {seed}")
    print("                               persons/s (wall)   persons/s (CPU)   median of")
    for name, k, w, c, reps in (("reference", m, r, rc, ref_repeats), ("fast", m, fs, fsc, repeats),
                                ("fast", n, f, fc, repeats)):  # fmt: skip
        print(f"{name:<10} {k:>10,} persons: {k / w:>17,.0f}   {k / c:>15,.0f}   {reps:>9}")
    same_w, same_c = r / fs, rc / fsc
    scale_w, scale_c = (n / f) / (m / r), (n / fc) / (m / rc)
    ok = scale_c >= TARGET_RATIO
    print(f"speed-up on the same {m:,} persons: {same_w:.1f}x wall, {same_c:.1f}x CPU")
    print(f"speed-up, fast on {n:,} against the reference: {scale_w:.1f}x wall, {scale_c:.1f}x CPU "
          f"(target >= {TARGET_RATIO:g}x on CPU time: {'met' if ok else 'NOT met'})")  # fmt: skip
    return ok


def stream(n: int, years: float, chunk_size: int, seed: int, out: str | None) -> bool:
    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    out_dir = out or tempfile.mkdtemp(prefix="cvirisk-bench-")
    source = GeneratedCohort(n, seed=seed, block=chunk_size)
    before = peak_gb()
    start, cpu = time.perf_counter(), time.process_time()
    res = stream_simulate(source, out_dir, params=params, seed=seed, years=years, chunk_size=chunk_size,
                          workers=1, tables=False)  # fmt: skip
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu
    s = res.summary["results"][0]
    peak = peak_gb()
    print(f"streamed: {n:,} persons x {years:g} years in chunks of {chunk_size:,}: {secs:.1f} s, "
          f"{n / secs:,.0f} persons/s; CPU {cpu:.1f} s, {n / cpu:,.0f} persons per CPU-second "
          f"(cohort generation and Parquet included), {s['events']:,} events")  # fmt: skip
    ok = peak < TARGET_PEAK_GB
    print(f"peak resident memory: {peak:.2f} GB (before the run {before:.2f} GB; "
          f"target < {TARGET_PEAK_GB:g} GB: {'met' if ok else 'NOT met'})")  # fmt: skip
    if out is None:
        shutil.rmtree(out_dir, ignore_errors=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="persons for the fast engine (default 100,000)")
    parser.add_argument("--reference-n", type=int, default=10_000, help="the first persons also run by the reference")
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3, help="fast engine runs (median)")
    parser.add_argument("--reference-repeats", type=int, default=1, help="reference engine runs (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-ratio", action="store_true")
    parser.add_argument("--stream", type=int, default=0, metavar="N", help="also stream N persons")
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--out", help="keep the streamed run here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_ratio:
        ok &= ratio(args.n, args.reference_n, args.years, args.repeats, args.reference_repeats, args.seed)
    if args.stream:
        ok &= stream(args.stream, args.years, args.chunk_size, args.seed, args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
