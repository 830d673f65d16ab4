"""Benchmark: the cost of one calibration evaluation, and ABC-SMC on 1 and 2 workers (local and Dask).

Part 1 times one evaluation of every fitted target (the ``general`` and ``vte`` plans) at
several cohort sizes, as ratios against the smallest. Part 2 runs the same short ABC-SMC
(``--population`` particles, ``--generations`` generations, ``--n`` persons per plan) with 1
local process (the baseline), 2 local processes, and a Dask LocalCluster of 1 and of 2
workers, and checks that every run gives the same particles (the sampler is seeded per
candidate). On a machine with 2 free cores the ideal ratio for 2 workers is 2x; the cores of
this machine are shared, so the ratio is what was free at the time.

Usage::

    python benchmarks/bench_calibration.py                       # n 500, 1000, 2000, 4000; ABC 60 x 2 at n 1000
    python benchmarks/bench_calibration.py --population 100 --generations 3 --n 2000
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import pandas as pd

from cvirisk.calibration import load_targets
from cvirisk.calibration.bayes import (
    ABCConfig,
    TargetModel,
    declared_priors,
    fitted_targets,
    particles,
    run_abc,
)
from cvirisk.params import load_params


def evaluation_costs(sizes: list[int], repeats: int = 3) -> pd.DataFrame:
    params, targets = load_params(), load_targets()
    pri = declared_priors(params)
    model = TargetModel(params, pri, targets.loc[fitted_targets(targets)], n=min(sizes))
    mid = {p.key: float(p.from_unit(0.5)) for p in pri}
    model.evaluate(mid, 0)  # compile and import outside the timing
    rows = []
    for n in sizes:
        model.n = n
        start = time.perf_counter()
        for s in range(repeats):
            model.evaluate(mid, s + 1)
        rows.append(
            {"n per plan": n, "seconds per evaluation": (time.perf_counter() - start) / repeats}
        )
    out = pd.DataFrame(rows)
    out["ratio to smallest"] = out["seconds per evaluation"] / out["seconds per evaluation"].iloc[0]
    return out


def on_cluster(config: ABCConfig, workers: int, db: Path):
    """Run ABC on a fresh Dask LocalCluster of ``workers`` single-threaded processes (timed
    once they are all up); returns the pyabc history and the wall seconds."""
    from distributed import Client, LocalCluster

    params, targets = load_params(), load_targets()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="3GiB", silence_logs=logging.ERROR) as cluster:  # fmt: skip
        with Client(cluster) as c:
            c.wait_for_workers(workers, timeout=60)
        start = time.perf_counter()
        history = run_abc(params, targets, config, db, scheduler=cluster.scheduler_address, progress=False)
        return history, time.perf_counter() - start


def abc_run(
    config: ABCConfig, workers: int = 1, dask_workers: int = 0
) -> tuple[float, pd.DataFrame]:
    params, targets = load_params(), load_targets()
    db = Path(tempfile.mkdtemp(prefix="cvirisk-abc-")) / "abc.db"
    if dask_workers:
        h, wall = on_cluster(config, dask_workers, db)
    else:
        start = time.perf_counter()
        h = run_abc(params, targets, config, db, workers=workers, progress=False)
        wall = time.perf_counter() - start
    return wall, particles(h, declared_priors(params))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,1000,2000,4000")
    ap.add_argument("--population", type=int, default=60)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--skip-costs", action="store_true")
    args = ap.parse_args()
    if not args.skip_costs:
        print("One evaluation of the 23 fitted targets (general + vte plans):")
        print(
            evaluation_costs([int(x) for x in args.sizes.split(",")]).to_string(
                index=False, float_format="%.3f"
            )
        )
    cfg = ABCConfig(population_size=args.population, generations=args.generations, n=args.n, seed=11,
                    max_evaluations=100_000, min_acceptance=0.0)  # fmt: skip
    runs = {"1 local process": dict(workers=1), "2 local processes": dict(workers=2),
            "Dask, 1 worker": dict(dask_workers=1), "Dask, 2 workers": dict(dask_workers=2)}  # fmt: skip
    rows, first = [], None
    for name, kw in runs.items():
        wall, parts = abc_run(cfg, **kw)
        same = True if first is None else parts.equals(first)
        first = parts if first is None else first
        rows.append({"run": name, "wall seconds": wall, "same particles as baseline": same})
    out = pd.DataFrame(rows)
    out["speed-up against 1 local process"] = out["wall seconds"].iloc[0] / out["wall seconds"]
    print(
        f"\nABC-SMC, population {cfg.population_size}, {cfg.generations} generations, n {cfg.n} per plan:"
    )
    print(out.to_string(index=False, float_format="%.2f"))


if __name__ == "__main__":
    main()
