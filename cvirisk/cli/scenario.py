"""``cvirisk scenario``: paired (common random numbers) comparisons of scenarios with a baseline.

Usage::

    cvirisk scenario --scenario smoking_down_third --n 20000 --replications 10 --seed 1 --out sc1
    cvirisk scenario --scenario my.yaml --scenario compression_adherence_doubled \\
        --baseline calibrated.yaml --n 5000 --replications 20 --out sc2 --psa-draws 50 --workers 2
    cvirisk scenario --scenario weight_reduction --n 20000 --replications 40 --out sc3 \
        --set care.surgery_operations_per_year_per_100000=.inf --scheduler tcp://10.0.0.5:8786

The engine is the fast one unless surgical capacity is finite in some arm (the shipped
parameters ration surgery: the compiled engine resolves the waiting list).
Parameter interventions (rates, compression adherence, capacity, referral) hold over the whole
simulated life; driver interventions (smoking, weight, sedentary work) act from ``at_year``.

``--scenario`` takes a YAML file or the name of a shipped scenario (see
``cvirisk.scenarios.library_names()``). Writes ``comparison.csv`` (every outcome with its unit,
QALYs and costs per person, net monetary benefit at each ``--wtp``, ICER),
``comparison_dictionary.csv``, ``cost_effectiveness.csv``, ``replications.csv``, ``report.html``
(and, with ``--psa-draws``, ``psa_draws.csv``, ``psa_summary.csv``, ``ce_plane.csv``, ``ceac.csv``,
``tornado.csv``, ``tornado.html``) and ``manifest.json`` into ``--out``, atomically; the same
arguments give the same bytes. Figures embed plotly.js: they render with no network. A bad
scenario file ends with exit status 2 and one line naming the file, the key and the reason.
"""

from __future__ import annotations

import argparse
import os
import sys

from cvirisk.cli._common import (
    add_seed_option,
    non_negative_int,
    positive_float,
    positive_int,
    years,
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "scenario",
        help="compare intervention scenarios with a baseline (common random numbers, PSA)",
        description="Run a baseline and each scenario on the same cohort with the same random "
        "streams, replication by replication; report outcome differences (scenario - baseline) "
        "with intervals over replications, and optionally a probabilistic sensitivity analysis.",
    )
    p.add_argument("--scenario", action="append", required=True, metavar="FILE",
                   help="a scenario YAML file or a shipped scenario name (repeatable)")
    p.add_argument("--baseline", metavar="PARAMS.yaml", default=None,
                   help="a parameter overlay for the baseline (default: shipped parameters)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="override one baseline parameter, e.g. --set "
                   "care.surgery_operations_per_year_per_100000=.inf (repeatable)")
    p.add_argument("--n", type=positive_int, required=True, help="persons in the generated cohort")
    p.add_argument("--replications", type=positive_int, default=5, help="replications (default 5)")
    add_seed_option(p)
    p.add_argument("--years", type=years, default=20.0, help="years of follow-up (default 20)")
    p.add_argument("--engine", choices=("auto", "fast", "reference"), default="auto",
                   help="engine (default auto: fast unless surgical capacity is finite)")
    p.add_argument("--psa-draws", type=non_negative_int, default=0, metavar="K",
                   help="probabilistic sensitivity analysis with K parameter draws (default 0: none)")
    p.add_argument("--tornado-outcome", default="cvi_incident", metavar="OUTCOME",
                   help="outcome difference ranked in the tornado table (default cvi_incident)")
    p.add_argument("--wtp", type=positive_float, action="append", default=None, metavar="PER_QALY",
                   help="willingness to pay per QALY for the net monetary benefit (repeatable; default "
                   "20000 and 30000, NICE's range)")
    p.add_argument("--workers", type=positive_int, default=1,
                   help="local processes for replications and PSA draws (default 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run replications and PSA draws on this Dask scheduler (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then run into a temporary folder that replaces ``--out`` as a set."""
    from cvirisk.cli._scenario_run import run_command
    from cvirisk.io.limits import PER_PERSON_COHORT, PER_PERSON_SIMULATE, check_memory, check_units
    from cvirisk.io.result_folder import ResultFolder

    inputs = [("--baseline", args.baseline), *(("--scenario", s) for s in args.scenario)]
    folder = ResultFolder(args.out, "--out", signature=("manifest.json",), inputs=inputs)
    if args.scheduler:
        from cvirisk.sim.scale.pool import check_scheduler

        check_scheduler(args.scheduler)
    arms = 1 + len(args.scenario)
    check_units(args.replications * arms * (1 + args.psa_draws), f"--replications {args.replications}")
    workers = 1 if args.scheduler else min(args.workers, os.cpu_count() or 1)
    check_memory(args.n, PER_PERSON_COHORT + PER_PERSON_SIMULATE * workers, f"--n {args.n}",
                 f"persons simulated at once ({workers} worker(s))")
    tmp = folder.open()  # the lock: a second run into the same folder is refused here
    show = not args.quiet and sys.stderr.isatty()
    client = None
    if args.scheduler:  # the Dask handshake, before any work
        from cvirisk.sim.scale.pool import connect_scheduler

        client = connect_scheduler(args.scheduler)
        args = argparse.Namespace(**{**vars(args), "scheduler": client})
    try:
        written = run_command(args, tmp, show=show)
    finally:
        if client is not None:
            client.close()
    folder.commit()
    print(f"cvirisk scenario: {', '.join(p.name for p in written)} written to {folder.folder}", file=sys.stderr)
    return 0
