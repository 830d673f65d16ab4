"""Benchmark: the shipped calibration's first generations on a Dask LocalCluster of 1 and of 2 workers.

Reads the configuration of a shipped posterior (``provenance.json``), runs its first
``--generations`` generations (pyabc's calibration sample, ``t = -1``, included in generation 0's
wall time) on a LocalCluster of 1 single-threaded worker process (the baseline) and then of 2,
and prints each generation's wall time (from the pyabc history) and the ratio 1 worker / 2
workers, measured in the same run. The sampler is seeded per candidate, so both clusters, and
the shipped run itself (``--shipped-db``, its pyabc history), must hold the same particles: the
benchmark checks it and says so.

Usage::

    python benchmarks/bench_calibration_dask.py --generations 2 \\
        --shipped-db ~/.cache/cvirisk/abc-<fingerprint>.db
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import fields
from pathlib import Path

import pandas as pd

# the same cluster set-up as bench_calibration (all workers up before the clock starts)
from bench_calibration import on_cluster

from cvirisk.calibration.bayes import ABCConfig, declared_priors, particles, posterior_path
from cvirisk.params import load_params


def _config(prov: dict, generations: int) -> ABCConfig:
    names = {f.name for f in fields(ABCConfig)}
    cfg = {k: v for k, v in prov["config"].items() if k in names}
    cfg["keys"] = tuple(cfg.get("keys") or ())
    cfg["generations"] = generations
    return ABCConfig(**cfg)


def per_generation(config: ABCConfig, workers: int, db: Path):
    history, total = on_cluster(config, workers, db)
    pops = history.get_all_populations().sort_values("t")
    # pyabc's calibration sample (t = -1) is part of generation 0's work
    wall = pops[pops["t"] >= 0].set_index("t")["wall_time"].astype(float)
    wall.iloc[0] += float(pops.loc[pops["t"] < 0, "wall_time"].fillna(0).sum())
    return history, wall, total


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posterior", default=None, help="posterior folder (default the shipped one)")
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--shipped-db", default=None, help="the shipped run's pyabc history, to compare particles")
    a = ap.parse_args(argv)
    prov = json.loads((Path(a.posterior or posterior_path()) / "provenance.json").read_text())
    config = _config(prov, a.generations)
    priors = declared_priors(load_params(), config.keys or None)
    rows, parts = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        for workers in (1, 2):
            h, wall, total = per_generation(config, workers, Path(tmp) / f"w{workers}.db")
            parts[workers] = [particles(h, priors, t=t, scale=config.scale) for t in range(a.generations)]
            for t, sec in wall.items():
                rows.append({"workers": workers, "generation": int(t), "wall s": round(sec, 1),
                             "evaluations": int(h.get_all_populations().set_index("t").at[t, "samples"])})  # fmt: skip
            print(f"{workers} Dask worker(s): {total:.0f} s for {a.generations} generations", flush=True)
    same = all(p1.equals(p2) for p1, p2 in zip(parts[1], parts[2], strict=True))
    print(f"1 and 2 workers give the same particles in every generation: {same}")
    if a.shipped_db:
        import pyabc

        shipped = pyabc.History(f"sqlite:///{Path(a.shipped_db).expanduser().resolve()}")
        ok = all(particles(shipped, priors, t=t, scale=config.scale).equals(parts[1][t]) for t in range(a.generations))
        print(f"... and the same as the shipped run's first {a.generations} generations: {ok}")
    tab = pd.DataFrame(rows).pivot(index="generation", columns="workers", values="wall s")
    tab.columns = [f"{c} worker(s), s" for c in tab.columns]
    tab["ratio 1 / 2 workers"] = (tab.iloc[:, 0] / tab.iloc[:, 1]).round(2)
    print(tab.to_string())


if __name__ == "__main__":
    main()
