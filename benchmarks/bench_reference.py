"""Speed of the simpy reference engine against a bare simpy loop with the same events.

The baseline is measured in the same run: one simpy process per person that only does
``yield env.timeout(dt)`` once per event of that person's simulated event log (the same
number of events at the same times), all persons in one environment. The ratio is the cost
of the model (hazards, budgets, effects, the event log) on top of simpy itself. A second,
stricter baseline runs the bare loop in the same batches as the engine (simpy's own cost
per event falls as its event queue gets shorter). Medians of ``--repeat`` runs.

Two configurations of the same cohort:

* independent persons (unlimited surgery): the kernel steps everyone ahead of the simpy
  clock in vectorised rounds, and the processes run in batches of ``reference.BATCH``;
* the shipped default: persons share one rationed operating list. Everyone is stepped
  ahead until their first referral; those never referred run in batches, the others share
  one environment with the theatre and, from their referral on, live one event at a time
  against the queue.

Usage::

    python benchmarks/bench_reference.py --n 20000 --years 20 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy


def bare_loop(times_by_person: list[np.ndarray], start: float, batch: int | None = None) -> None:
    """One process per person waiting once per event, nothing else (``batch`` persons an environment)."""
    batch = batch or max(len(times_by_person), 1)

    def person(env, times):
        for t in times:
            yield env.timeout(max(t - env.now, 0.0))

    for i in range(0, len(times_by_person), batch):
        env = simpy.Environment(initial_time=start)
        for times in times_by_person[i : i + batch]:
            env.process(person(env, times))
        env.run()


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=20_000, help="persons (default 20000)")
    ap.add_argument("--years", type=float, default=20.0, help="follow-up years (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs of each, median reported (default 3)"
    )
    args = ap.parse_args(argv)

    from cvirisk.cohort import generate_cohort
    from cvirisk.params import load_params, with_overrides
    from cvirisk.sim import reference, simulate

    rationed = load_params()
    independent = with_overrides(
        rationed, {"care.surgery_operations_per_year_per_100000": float("inf")}
    )
    cohort = generate_cohort(args.n, seed=args.seed, params=rationed)
    print(
        f"persons {args.n}, years {args.years:g}, seed {args.seed}, repeat {args.repeat} (medians)"
    )
    for label, params in (
        ("independent persons (unlimited surgery)", independent),
        ("shared waiting list (default rationed surgery)", rationed),
    ):
        result = simulate(cohort, params=params, seed=args.seed, years=args.years, engine="reference")
        ev = result.events
        times = [g.to_numpy() for _, g in ev.groupby("person_id", sort=True)["t"]]
        start = float(ev["t"].min())
        ref = _median_seconds(
            lambda p=params: simulate(cohort, params=p, seed=args.seed, years=args.years, engine="reference"),
            args.repeat,
        )
        bare = _median_seconds(lambda ts=times, t0=start: bare_loop(ts, t0), args.repeat)
        batched = _median_seconds(
            lambda ts=times, t0=start: bare_loop(ts, t0, reference.BATCH), args.repeat
        )
        n_ev = len(ev)
        print(f"{label}: events {n_ev} ({n_ev / args.n:.1f} a person)")
        rows = [
            ("reference engine", ref),
            ("bare simpy loop", bare),
            (f"bare loop, batches of {reference.BATCH}", batched),
        ]
        for name, sec in rows:
            print(f"  {name:<26}: {sec:8.3f} s  {args.n / sec:10.0f} persons/s  {1e6 * sec / n_ev:6.2f} us/event")
        print(f"  ratio reference / bare loop: {ref / bare:.2f}x (target 2x)")
        print(f"  ratio reference / bare loop in batches: {ref / batched:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
