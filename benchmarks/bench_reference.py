"""Speed of the simpy reference engine against a bare simpy loop with the same events.

The baseline is measured in the same run: one simpy process per person that only does
``yield env.timeout(dt)`` once per event of that person's simulated event log (the same
number of events at the same times). The ratio is the cost of the model (hazards, budgets,
effects, the event log) on top of simpy itself. Medians of ``--repeat`` runs.

Usage::

    python benchmarks/bench_reference.py --n 2000 --years 20 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy


def bare_loop(times_by_person: list[np.ndarray], start: float) -> None:
    """One process per person waiting once per event, nothing else."""
    env = simpy.Environment(initial_time=start)

    def person(env, times):
        for t in times:
            yield env.timeout(max(t - env.now, 0.0))

    for times in times_by_person:
        env.process(person(env, times))
    env.run()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="persons (default 2000)")
    ap.add_argument("--years", type=float, default=20.0, help="follow-up years (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, median reported (default 3)")
    args = ap.parse_args(argv)

    from cvirisk.cohort import generate_cohort
    from cvirisk.params import load_params
    from cvirisk.sim import simulate

    params = load_params()
    cohort = generate_cohort(args.n, seed=args.seed, params=params)
    ref_times, result = [], None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = simulate(cohort, params=params, seed=args.seed, years=args.years)
        ref_times.append(time.perf_counter() - t0)
    ev = result.events
    times = [g.to_numpy() for _, g in ev.groupby("person_id", sort=True)["t"]]
    start = float(ev["t"].min())
    bare_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        bare_loop(times, start)
        bare_times.append(time.perf_counter() - t0)
    ref, bare = statistics.median(ref_times), statistics.median(bare_times)
    n_ev = len(ev)
    print(f"persons {args.n}, years {args.years:g}, events {n_ev} ({n_ev / args.n:.1f} a person), repeat {args.repeat}")
    print(f"reference engine : {ref:8.3f} s  {args.n / ref:10.0f} persons/s  {1e6 * ref / n_ev:7.1f} us/event")
    print(f"bare simpy loop  : {bare:8.3f} s  {args.n / bare:10.0f} persons/s  {1e6 * bare / n_ev:7.1f} us/event")
    print(f"ratio reference / bare: {ref / bare:.1f}x (target 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
