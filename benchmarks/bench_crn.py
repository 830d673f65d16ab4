"""Benchmark: what common random numbers buy in scenario comparisons.

For each shipped scenario that the fast engine can run (unlimited surgical capacity), the
baseline and the scenario are compared over ``--replications`` replications twice in the same
run: paired (same seed: common random numbers) and independent (the scenario simulated with
another seed). Printed per outcome: the difference, both 95% interval widths, their ratio, and
the ratio squared -- how many times more replications independent streams would need for the
same precision. Also the wall time of each comparison.

Usage::

    python benchmarks/bench_crn.py                              # 5,000 persons, 10 replications
    python benchmarks/bench_crn.py --n 2000 --replications 5 --outcomes deaths cvi_incident
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cvirisk.params import load_params
from cvirisk.scenarios import compare, library_names

FAST = [s for s in library_names() if s != "surgical_capacity_doubled"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5_000)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--years", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", nargs="+", default=FAST)
    ap.add_argument("--outcomes", nargs="+", default=["cvi_incident", "ulcer_years", "dvt", "deaths", "surgeries"])
    args = ap.parse_args(argv)
    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    kw = {"params": params, "n": args.n, "seed": args.seed, "replications": args.replications,
          "years": args.years, "engine": "fast"}  # fmt: skip
    t0 = time.perf_counter()
    paired = compare(args.scenarios, **kw).table
    t1 = time.perf_counter()
    independent = compare(args.scenarios, scenario_seed=args.seed + 1, **kw).table
    t2 = time.perf_counter()
    m = paired.merge(independent, on=["scenario", "outcome"], suffixes=("_paired", "_indep"))
    m = m[m["outcome"].isin(args.outcomes)].copy()
    m["width_paired"] = m["upper_paired"] - m["lower_paired"]
    m["width_indep"] = m["upper_indep"] - m["lower_indep"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m["ratio"] = m["width_indep"] / m["width_paired"]
    m["replications_x"] = m["ratio"] ** 2
    cols = ["scenario", "outcome", "difference_paired", "width_paired", "width_indep", "ratio", "replications_x"]
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(m[cols].round(2).to_string(index=False))
    finite = m["ratio"].replace(np.inf, np.nan).dropna()
    print(f"\n{args.n:,} persons, {args.replications} replications, {args.years:g} years, seed {args.seed}")
    print(f"median width ratio (independent / paired): {finite.median():.1f}  (min {finite.min():.1f})")
    print(f"wall time: paired {t1 - t0:.1f} s, independent {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
