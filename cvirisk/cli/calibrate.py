"""``cvirisk calibrate``: fit the free natural-history parameters to the targets, or report on them.

Examples::

    cvirisk calibrate --report-only --n 50000 --seed 1 --out reports/calibration
    cvirisk calibrate --search-n 20000 --n 50000 --seed 1 --out calibration-run
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from cvirisk.cli._common import (
    add_params_options,
    add_seed_option,
    existing_file,
    load_params_from_args,
    positive_int,
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "calibrate",
        help="fit the free natural-history parameters to published targets; write the report",
        description=(
            "Simulate each study's design (Bonn, Edinburgh, Naess, Prandoni, ulcer inputs), hold the "
            "results against the targets and write report.md, report.csv and a figure. Without "
            "--report-only, first search the parameters marked 'calibrate:' and write calibrated.yaml."
        ),
    )
    p.add_argument("--targets", type=existing_file, default=None, metavar="CSV",
                   help="targets file (default: the packaged copy of shared/calibration/targets.csv)")  # fmt: skip
    add_params_options(p)
    add_seed_option(p)
    p.add_argument("--n", type=positive_int, default=50_000, help="persons per simulated study for the report (default 50000)")
    p.add_argument("--search-n", type=positive_int, default=20_000, help="persons per study during the search (default 20000)")
    p.add_argument("--engine", choices=("fast", "reference"), default="fast", help="simulation engine (default fast)")
    p.add_argument("--max-iter", type=positive_int, default=6, help="Gauss-Newton iterations per block (default 6)")
    p.add_argument("--report-only", action="store_true", help="evaluate the parameters as given; no search")
    p.add_argument("--confirm-seeds", type=_seed_list, default=(), metavar="S,S",
                   help="also simulate the report with these seeds and show which verdicts depend on the seed")  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the report (and calibrated.yaml)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(run=run)
    return p


def _seed_list(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of seeds") from None
    if not seeds or any(x < 0 for x in seeds):
        raise argparse.ArgumentTypeError(f"{text!r}: give non-negative seeds, e.g. 2,3")
    return seeds


def _command(args: argparse.Namespace) -> str:
    parts = ["cvirisk", "calibrate"]
    if args.report_only:
        parts.append("--report-only")
    else:
        parts += ["--search-n", str(args.search_n), "--max-iter", str(args.max_iter)]
    parts += ["--n", str(args.n), "--seed", str(args.seed)]
    if args.confirm_seeds:
        parts += ["--confirm-seeds", ",".join(str(x) for x in args.confirm_seeds)]
    if args.engine != "fast":
        parts += ["--engine", args.engine]
    if args.targets is not None:
        parts += ["--targets", str(args.targets)]
    if args.params:
        parts += ["--params", str(args.params)]
    for item in args.overrides:
        parts += ["--set", item]
    parts += ["--out", str(args.out)]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    from cvirisk.calibration import calibrate_and_report, evaluate_report, load_targets
    from cvirisk.io.limits import PER_PERSON_COHORT, PER_PERSON_SIMULATE, check_memory
    from cvirisk.io.result_folder import ResultFolder

    # before any work: the output folder (a report-only run keeps the search/ folder beside it)
    folder = ResultFolder(args.out, "--out", signature=("report.md", "calibrated.yaml"),
                          keep=("search",) if args.report_only else (),
                          inputs=[("--targets", args.targets), ("--params", args.params)])  # fmt: skip
    folder.open()
    targets = load_targets(args.targets)
    params = load_params_from_args(args)
    for option, n in (("--n", args.n), ("--search-n", args.search_n)):
        check_memory(n, PER_PERSON_COHORT + PER_PERSON_SIMULATE, f"{option} {n}", "persons in one simulated study")
    log = None if args.quiet else (lambda msg: print(f"cvirisk calibrate: {msg}", file=sys.stderr, flush=True))
    command = _command(args)
    if args.report_only:
        meta = {}
        search = Path(args.out) / "search" / "calibrated.yaml"
        if search.is_file():
            first = search.read_text().splitlines()[1:2]
            if first and first[0].startswith("# cvirisk calibrate"):
                meta["free parameters fitted by"] = first[0][2:] + " (see search/report.md)"
        rep = evaluate_report(params, targets, folder.path, seed=args.seed, n=args.n, engine=args.engine,
                              command=command, extra_meta=meta, confirm_seeds=args.confirm_seeds, log=log)  # fmt: skip
    else:
        _, _, rep = calibrate_and_report(params, targets, folder.path, seed=args.seed, n=args.n, search_n=args.search_n,
                                         engine=args.engine, max_iter=args.max_iter, command=command,
                                         confirm_seeds=args.confirm_seeds, log=log)  # fmt: skip
    folder.commit()
    fitted = rep[rep["role"] == "fitted"]
    ok = int(fitted["within"].str.startswith("yes").sum())
    print(f"{args.out}: report.md, report.csv, figure.json, figure.html; fitted targets within: {ok} of {len(fitted)}")
    return 0
