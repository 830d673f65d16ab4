"""Benchmark: coverage of the Bayesian calibration with the real simulator and the real study designs.

Each repetition draws true values of ``--free`` parameters from their priors, simulates every
fitted target under its study's design (plus each study's sampling error, as the calibration's
model does), calibrates on those synthetic figures with ABC-SMC, and records whether each
parameter's 90% posterior interval holds the truth (:func:`cvirisk.calibration.coverage.coverage_check`).
Prints per-parameter and overall coverage with exact binomial 95% intervals, and writes
``coverage.csv``, ``coverage_summary.csv`` and a ``coverage.html`` figure (plotly.js from its CDN) to ``--out``.
The baseline of the timing line is one evaluation at the same ``--n``.

Usage::

    python benchmarks/bench_calibration_coverage.py                 # 3 parameters, 12 repetitions
    python benchmarks/bench_calibration_coverage.py --reps 30 --population 100 --generations 4
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cvirisk.calibration import load_targets
from cvirisk.calibration.bayes import ABCConfig, TargetModel, declared_priors, fitted_targets
from cvirisk.calibration.coverage import coverage_check, coverage_summary
from cvirisk.params import load_params

T = "natural_history.transitions."
FREE = (
    T + "telangiectasia.rate_per_year",
    T + "varicose_veins.rate_per_year",
    T + "dvt.rate_per_year",
)


def figure(table, path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    keys = list(dict.fromkeys(table["parameter"]))
    fig = make_subplots(rows=1, cols=len(keys), subplot_titles=[k.removeprefix(T) for k in keys])
    for j, k in enumerate(keys, start=1):
        g = table[table["parameter"] == k].sort_values("truth")
        colour = ["#2ca02c" if c else "#d62728" for c in g["covered"]]
        fig.add_trace(go.Scatter(x=g["truth"], y=g["posterior_mean"], mode="markers", marker={"color": colour},
                                 error_y={"type": "data", "symmetric": False, "array": g["high"] - g["posterior_mean"],
                                          "arrayminus": g["posterior_mean"] - g["low"]}, showlegend=False),
                      row=1, col=j)  # fmt: skip
        lo, hi = g[["truth", "low"]].min().min(), g[["truth", "high"]].max().max()
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", line={"dash": "dot", "color": "grey"},
                                 showlegend=False), row=1, col=j)  # fmt: skip
        fig.update_xaxes(type="log", title_text="true value", row=1, col=j)
        fig.update_yaxes(type="log", row=1, col=j)
    fig.update_layout(title="Calibration coverage: posterior mean and 90% interval against the truth "
                            "(green: covered)", height=420)  # fmt: skip
    fig.write_html(
        str(path), include_plotlyjs="cdn"
    )  # plotly.js from its CDN: the report's figures.html embeds it


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=12)
    ap.add_argument("--population", type=int, default=60)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--free", default=",".join(FREE))
    ap.add_argument("--out", default="reports/calibration_bayes/coverage")
    args = ap.parse_args()
    params, targets = load_params(), load_targets()
    keys = tuple(args.free.split(","))
    cfg = ABCConfig(population_size=args.population, generations=args.generations, n=args.n, seed=args.seed,
                    max_evaluations=100_000, min_acceptance=0.02, keys=keys)  # fmt: skip
    model = TargetModel(
        params, declared_priors(params, keys), targets.loc[fitted_targets(targets)], n=args.n
    )
    mid = {p.key: float(p.from_unit(0.5)) for p in model.priors}
    model.evaluate(mid, 0)
    start = time.perf_counter()
    model.evaluate(mid, 1)
    one = time.perf_counter() - start
    start = time.perf_counter()
    tab = coverage_check(params, targets, cfg, Path(tempfile.mkdtemp(prefix="cvirisk-coverage-")), reps=args.reps,
                         workers=args.workers, log=print)  # fmt: skip
    wall = time.perf_counter() - start
    summ = coverage_summary(tab)
    print(summ.to_string(index=False, float_format="%.3f"))
    print(f"wall {wall:.0f} s = {wall / one:.0f} x one evaluation ({one:.2f} s) at n {args.n}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tab.to_csv(out / "coverage.csv", index=False, float_format="%.6g")
    summ.to_csv(out / "coverage_summary.csv", index=False, float_format="%.4g")
    figure(tab, out / "coverage.html")


if __name__ == "__main__":
    main()
