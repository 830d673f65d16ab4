"""Benchmark: a probabilistic sensitivity analysis, ``--draws`` parameter draws x ``--n`` persons.

Draw 0 is the shipped parameters, draws 1.. are sampled as a scenario's PSA samples them
(:func:`cvirisk.scenarios.psa.sample_draws`: the calibrated leaves jointly from the shipped
posterior, the others from their ``uncertainty:`` leaves).
Every draw simulates the same generated cohort (a unit of work each, drawn by the worker) for
``--years`` with finite surgical capacity (the waiting list resolved), on ``--workers`` local
processes; each unit writes its event log and persons table to Parquet and its summary; the
summaries are collected. The baseline, measured in the same run in this process, is one
:func:`cvirisk.simulate` of the cohort (CPU time): the ratio ``workers x wall time per draw /
baseline`` says what a draw costs in the runner beyond the engine itself (cohort drawn again,
Parquet, summaries, processes); 1.0 would be free.

Usage::

    python benchmarks/bench_psa.py                          # 1,000 draws x 10,000 persons, 2 workers
    python benchmarks/bench_psa.py --draws 100              # shorter; the report extrapolates
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time

from cvirisk.cohort import generate_cohort
from cvirisk.params import load_params
from cvirisk.scenarios.psa import sample_draws
from cvirisk.sim import simulate
from cvirisk.sim.runner import RunSpec, collect, run
from cvirisk.sim.scale.sources import GeneratedCohort


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1000, help="parameter draws, the shipped values included")
    parser.add_argument("--n", type=int, default=10_000, help="persons a draw")
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="keep the run here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)

    params = load_params()
    sampled = sample_draws(params, args.draws - 1, seed=1)  # calibrated leaves jointly from the shipped posterior
    draws = [{}, *sampled]
    source = GeneratedCohort(args.n, seed=1, block=args.n)
    spec = RunSpec.build(source, params=params, years=args.years, seeds=1, draws=draws, chunk_size=args.n)

    cohort = generate_cohort(args.n, seed=1, params=params)
    simulate(cohort.iloc[:10], params=params, seed=1, years=1)  # the engine is loaded before timing
    cpu = time.process_time()
    base = simulate(cohort, params=params, seed=1, years=args.years)
    baseline = time.process_time() - cpu

    out = args.out or tempfile.mkdtemp(prefix="cvirisk-psa-")
    start = time.perf_counter()
    run(spec, out, workers=args.workers)
    res = collect(out, tables=False)
    wall = time.perf_counter() - start
    results = res.summary["results"]
    assert len(results) == args.draws and results[0]["events"] == len(base.events)
    per_draw = wall / args.draws
    print(f"PSA: {args.draws:,} draws x {args.n:,} persons x {args.years:g} years, finite surgical capacity, "
          f"{len(spec.units()):,} units on {args.workers} local worker processes")  # fmt: skip
    print(f"wall time {wall:.1f} s = {per_draw:.3f} s a draw ({args.draws * args.n / wall:,.0f} persons/s); "
          f"1,000 draws would take {1000 * per_draw / 60:.1f} min at this rate")  # fmt: skip
    print(f"baseline (same run, this process): one simulate() of the cohort {baseline:.3f} CPU-s, "
          f"{len(base.events):,} events")  # fmt: skip
    print(f"runner cost per draw / engine alone = {args.workers * per_draw / baseline:.2f}x "
          f"(workers x wall per draw / baseline CPU)")  # fmt: skip
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
