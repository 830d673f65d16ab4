"""Benchmark: piecewise-exponential (Poisson on aggregated person-time) against lifelines' Cox.

Both fit the same simulated cohort in the same run: five cohort features (female, current
and former smoking, family history, sedentary work) acting on a piecewise-constant baseline
hazard (cut at 2, 5 and 10 years; 20 years of follow-up with exponential loss to follow-up).
The script prints the median wall time of each fitter over ``--repeats`` runs, their ratio
(Cox / pwexp; the target is at least 10), and whether every hazard ratio of one method lies
inside the other's 95% interval.

Usage::

    python benchmarks/bench_pwexp.py                  # 1,000,000 persons (about a minute or two)
    python benchmarks/bench_pwexp.py --n 20000        # quick check

The hazard ratios and rates below are illustrative values of the order of those in
cvirisk/params/defaults/cvirisk.yaml, not estimates from the literature.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd

from cvirisk.random import generator
from cvirisk.survival.pwexp import PiecewiseExponential

BREAKPOINTS = (2.0, 5.0, 10.0)
RATES = (0.010, 0.015, 0.020, 0.030)  # baseline hazard per year in each interval
LOG_HR = {"female": np.log(1.2), "smoking_current": np.log(1.5), "smoking_former": np.log(1.2),
          "family_history": np.log(1.6), "sedentary_work": np.log(1.3)}
FOLLOW_UP, LOSS_RATE = 20.0, 0.02


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = generator(seed, "bench.pwexp")
    smoking = rng.choice(3, size=n, p=[0.5, 0.25, 0.25])
    x = pd.DataFrame({
        "female": (rng.random(n) < 0.5).astype(np.float64),
        "smoking_current": (smoking == 1).astype(np.float64),
        "smoking_former": (smoking == 2).astype(np.float64),
        "family_history": (rng.random(n) < 0.3).astype(np.float64),
        "sedentary_work": (rng.random(n) < 0.4).astype(np.float64),
    })
    target = rng.exponential(size=n) * np.exp(-(x.to_numpy() @ np.array(list(LOG_HR.values()))))
    edges = np.concatenate([[0.0], BREAKPOINTS])
    rates = np.asarray(RATES)
    cum = np.concatenate([[0.0], np.cumsum(np.diff(edges) * rates[:-1])])
    k = np.searchsorted(cum, target, side="right") - 1
    t_event = edges[k] + (target - cum[k]) / rates[k]
    t_cens = np.minimum(rng.exponential(1 / LOSS_RATE, n), FOLLOW_UP)
    return x.assign(duration=np.minimum(t_event, t_cens), event=(t_event <= t_cens).astype(np.int64))


def timed(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="persons (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each fitter; medians are reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--intervals", type=int, default=0,
                        help="pwexp with this many event-quantile intervals instead of the true cut points")
    args = parser.parse_args(argv)
    from lifelines import CoxPHFitter

    df = simulate(args.n, args.seed)
    print(f"n = {args.n:,} persons, {int(df['event'].sum()):,} events, {len(LOG_HR)} covariates")
    pw_kwargs = {"n_intervals": args.intervals} if args.intervals else {"breakpoints": BREAKPOINTS}
    t_pw, pw = timed(lambda: PiecewiseExponential(**pw_kwargs).fit(df, "duration", "event"), args.repeats)
    t_cox, cox = timed(lambda: CoxPHFitter().fit(df, "duration", "event"), args.repeats)
    print(f"pwexp  median {t_pw:8.3f} s  ({pw.n_cells_} cells, {pw.n_iter_} Newton steps)")
    print(f"cox    median {t_cox:8.3f} s  (lifelines CoxPHFitter, Efron ties)")
    print(f"speed-up cox/pwexp: {t_cox / t_pw:.1f}x (target >= 10x)")
    s_pw, s_cox = pw.summary, cox.summary
    lo, hi = "coef lower 95%", "coef upper 95%"
    ok_all = True
    print(f"{'covariate':16s} {'true HR':>8s} {'pwexp HR':>9s} {'95% CI':>17s} {'cox HR':>8s} {'95% CI':>17s} inside")
    for name, b in LOG_HR.items():
        p, c = s_pw.loc[name], s_cox.loc[name]
        inside = (c[lo] <= p["coef"] <= c[hi]) and (p[lo] <= c["coef"] <= p[hi])
        ok_all &= inside
        print(f"{name:16s} {np.exp(b):8.3f} {np.exp(p['coef']):9.4f} ({np.exp(p[lo]):.4f}, {np.exp(p[hi]):.4f})"
              f" {np.exp(c['coef']):8.4f} ({np.exp(c[lo]):.4f}, {np.exp(c[hi]):.4f}) {'yes' if inside else 'NO'}")
    print(f"all hazard ratios inside each other's 95% intervals: {'yes' if ok_all else 'NO'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
