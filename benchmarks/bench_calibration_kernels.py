"""Benchmark: which proposal kernel, particle scale and epsilon step keep ABC-SMC over all 14 parameters alive.

Runs a cheap ABC-SMC (every ``calibrate:`` leaf free, ``--n`` persons per plan,
``--population`` particles, ``--generations`` generations, one process) once per candidate
configuration and prints, per generation, the effective sample size (Kish) of the particle
weights, as a share of the population, with epsilon and the acceptance rate. The baseline is
the configuration the 6-parameter posterior shipped with (pyabc's multivariate normal
transition with Silverman's bandwidth, particles on the prior's scale, median epsilon),
measured in the same run. Same seed for every candidate, so the generation-0 population is
shared (generation 0 samples the prior, whatever the kernel) up to the particle scale.

Usage::

    python benchmarks/bench_calibration_kernels.py                     # every candidate
    python benchmarks/bench_calibration_kernels.py --only baseline,logit --generations 4
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cvirisk.calibration import load_targets
from cvirisk.calibration.bayes import ABCConfig, generations, run_abc
from cvirisk.params import load_params

CANDIDATES = {
    "baseline": {},
    "scaling0.5": {"scaling": 0.5},
    "local": {"transition": "local"},
    "alpha0.7": {"alpha": 0.7},
    "logit": {"scale": "logit"},
    "logit+local": {"scale": "logit", "transition": "local"},
    "logit+alpha0.7": {"scale": "logit", "alpha": 0.7},
    "scaling2": {"scaling": 2.0},
    "scaling3": {"scaling": 3.0},
    "scaling4": {"scaling": 4.0},
    "local+scaling2": {"transition": "local", "scaling": 2.0},
    "logit+scaling2": {"scale": "logit", "scaling": 2.0},
    "logit+scaling4": {"scale": "logit", "scaling": 4.0},
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default=",".join(CANDIDATES), help="comma-separated candidate names")
    ap.add_argument("--csv", default=None, help="write the per-generation table here")
    a = ap.parse_args(argv)
    params, targets = load_params(), load_targets()
    base = ABCConfig(population_size=a.population, generations=a.generations, n=a.n, seed=a.seed,
                     min_acceptance=0.0, max_evaluations=10**9)  # fmt: skip
    tables = []
    with tempfile.TemporaryDirectory(prefix="bench-kernels-") as tmp:
        print(f"pyabc histories in {tmp} (removed at the end)", flush=True)
        for name in a.only.split(","):
            cfg = replace(base, **CANDIDATES[name])
            start = time.perf_counter()
            h = run_abc(params, targets, cfg, Path(tmp) / f"{name}.db", workers=a.workers, progress=False)
            g = generations(h)
            g.insert(0, "candidate", name)
            g["ess_share"] = g["ess"] / a.population
            tables.append(g)
            print(f"{name}: {time.perf_counter() - start:.0f} s; ESS share per generation "
                  + ", ".join(f"{x:.2f}" for x in g["ess_share"]), flush=True)  # fmt: skip
    out = pd.concat(tables, ignore_index=True)
    print(out.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    if a.csv:
        out.to_csv(a.csv, index=False, float_format="%.4g")


if __name__ == "__main__":
    main()
