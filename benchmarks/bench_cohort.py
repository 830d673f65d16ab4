"""Benchmark: cohort generation throughput against drawing the same number of uniforms.

The baseline is measured in the same run: the time numpy takes to draw one uniform for
each random input of each person, ``np.random.default_rng(0).random(n_streams * n)``
with ``n_streams = len(cvirisk.cohort.generator.STREAMS)`` = 10 (one draw per person per
stream; three streams give standard normals, which cost numpy more than uniforms, and
still count as one input each). Baseline and generation alternate ``--repeats`` times and
the medians of wall-clock time are compared. Targets: generation within 5 times the
baseline, and the DataFrame under 40 bytes a person (``memory_usage(deep=True)``).

Usage::

    python benchmarks/bench_cohort.py               # 1,000,000 persons, median of 3
    python benchmarks/bench_cohort.py --n 100000    # quick check
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from cvirisk.cohort import generate_cohort
from cvirisk.cohort.generator import NORMAL_STREAMS, STREAMS
from cvirisk.params import load_params

TARGET_RATIO = 5.0
TARGET_BYTES = 40.0


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="persons (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    params = load_params()
    generate_cohort(1_000, seed=args.seed, params=params)  # warm up imports and caches
    n_uniforms = len(STREAMS) * args.n
    base, gen = [], []
    for _ in range(args.repeats):
        base.append(_seconds(lambda: np.random.default_rng(0).random(n_uniforms)))
        gen.append(_seconds(lambda: generate_cohort(args.n, seed=args.seed, params=params)))
    df = generate_cohort(args.n, seed=args.seed, params=params)
    per_person = df.memory_usage(deep=True).sum() / len(df)
    b, g = statistics.median(base), statistics.median(gen)
    ratio = g / b
    print(f"persons:              {args.n:,} ({len(STREAMS)} random inputs each: "
          f"{len(STREAMS) - len(NORMAL_STREAMS)} uniforms, {len(NORMAL_STREAMS)} normals)")
    print(f"baseline (uniforms):  {b * 1e3:8.1f} ms  median of {args.repeats}: {', '.join(f'{x * 1e3:.0f}' for x in base)}")
    print(f"generate_cohort:      {g * 1e3:8.1f} ms  median of {args.repeats}: {', '.join(f'{x * 1e3:.0f}' for x in gen)}")
    print(f"throughput:           {args.n / g / 1e6:8.2f} million persons/s")
    print(f"ratio to baseline:    {ratio:8.2f}x  (target <= {TARGET_RATIO:g}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    print(f"memory:               {per_person:8.2f} bytes/person  (target < {TARGET_BYTES:g}: "
          f"{'met' if per_person < TARGET_BYTES else 'NOT met'})")
    return 0 if ratio <= TARGET_RATIO and per_person < TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
