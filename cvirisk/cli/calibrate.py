"""``cvirisk calibrate``: fit the free natural-history parameters to the targets, or report on them.

Examples::

    cvirisk calibrate --report-only --n 50000 --seed 1 --out reports/calibration
    cvirisk calibrate --search-n 20000 --n 50000 --seed 1 --out calibration-run
    cvirisk calibrate --bayes --population 200 --generations 8 --abc-n 2000 --workers 2 --out bayes-run
    cvirisk calibrate --sobol bonn1_c4_all --sobol-keys natural_history.transitions.pigmentation.rate_per_year,... --out sobol-run
"""

from __future__ import annotations

import argparse
import math
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
    p.add_argument(
        "--n",
        type=positive_int,
        default=50_000,
        help="persons per simulated study for the report (default 50000)",
    )
    p.add_argument(
        "--search-n",
        type=positive_int,
        default=20_000,
        help="persons per study during the search (default 20000)",
    )
    p.add_argument(
        "--engine",
        choices=("fast", "reference"),
        default="fast",
        help="simulation engine (default fast)",
    )
    p.add_argument(
        "--max-iter",
        type=positive_int,
        default=6,
        help="Gauss-Newton iterations per block (default 6)",
    )
    p.add_argument(
        "--report-only", action="store_true", help="evaluate the parameters as given; no search"
    )
    p.add_argument("--confirm-seeds", type=_seed_list, default=(), metavar="S,S",
                   help="also simulate the report with these seeds and show which verdicts depend on the seed")  # fmt: skip
    p.add_argument(
        "--out", required=True, metavar="DIR", help="folder for the report (and calibrated.yaml)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    b = p.add_argument_group(
        "Bayesian calibration (--bayes): ABC-SMC with pyabc, see cvirisk/calibration/bayes.py"
    )
    b.add_argument(
        "--bayes",
        action="store_true",
        help="run ABC-SMC over the priors declared beside 'calibrate:'",
    )
    b.add_argument(
        "--population",
        type=positive_int,
        default=200,
        help="particles per generation (default 200)",
    )
    b.add_argument(
        "--generations",
        type=positive_int,
        default=8,
        help="at most this many generations (default 8)",
    )
    b.add_argument(
        "--abc-n",
        type=positive_int,
        default=2_000,
        help="persons per plan and evaluation (default 2000)",
    )
    b.add_argument("--max-evaluations", type=positive_int, default=3_500,
                   help="stop when this many simulations are spent (default 3500)")  # fmt: skip
    b.add_argument(
        "--min-acceptance",
        type=_fraction,
        default=0.03,
        help="stop below this acceptance rate (default 0.03)",
    )
    b.add_argument(
        "--draws", type=positive_int, default=500, help="posterior draws to ship (default 500)"
    )
    b.add_argument(
        "--ppc-draws",
        type=positive_int,
        default=100,
        help="posterior draws re-simulated for the predictive checks (default 100)",
    )
    b.add_argument("--free", type=_key_list, default=(), metavar="KEY,KEY",
                   help="calibrate only these parameters (dotted keys; default every one with a prior)")  # fmt: skip
    b.add_argument("--kernel-scaling", type=_positive_float, default=2.0,
                   help="factor on the covariance of the ABC proposal kernel (pyabc's multivariate normal with "
                        "Silverman's bandwidth); default 2, measured in cvirisk/calibration/bayes.py")  # fmt: skip
    b.add_argument("--epsilon-quantile", type=_fraction, default=0.5,
                   help="each generation's epsilon: this quantile of the last generation's distances (default 0.5)")  # fmt: skip
    b.add_argument("--workers", type=positive_int, default=2, help="local processes (default 2)")
    b.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a Dask scheduler, e.g. tcp://127.0.0.1:8786 (instead of --workers)",
    )
    b.add_argument("--db", default=None, metavar="FILE",
                   help="pyabc SQLite history; a run of the same configuration resumes from it "
                        "(default ~/.cache/cvirisk/abc-<fingerprint>.db)")  # fmt: skip
    b.add_argument(
        "--posterior-out",
        default=None,
        metavar="DIR",
        help="folder for the posterior draws (default OUT/posterior)",
    )
    s_ = p.add_argument_group(
        "Global sensitivity (--sobol): Sobol indices with SALib, see cvirisk/calibration/sensitivity.py"
    )
    s_.add_argument(
        "--sobol",
        default=None,
        metavar="TARGET",
        help="Sobol indices of this calibration target's simulated value",
    )
    s_.add_argument("--sobol-keys", type=_key_list, default=(), metavar="KEY,KEY",
                    help="inputs (dotted keys of calibrated or uncertain parameters; default every calibrated one)")  # fmt: skip
    s_.add_argument(
        "--sobol-n",
        type=positive_int,
        default=64,
        help="SALib base sample (a power of 2; default 64)",
    )
    p.set_defaults(run=run)
    return p


def _seed_list(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of seeds"
        ) from None
    if not seeds or any(x < 0 for x in seeds):
        raise argparse.ArgumentTypeError(f"{text!r}: give non-negative seeds, e.g. 2,3")
    return seeds


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return v


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction in [0, 1)")
    return v


def _key_list(text: str) -> tuple[str, ...]:
    keys = tuple(x.strip() for x in text.split(",") if x.strip())
    if not keys:
        raise argparse.ArgumentTypeError(f"{text!r}: give comma-separated dotted keys")
    return keys


def _command(args: argparse.Namespace) -> str:
    parts = ["cvirisk", "calibrate"]
    if args.bayes:
        parts += ["--bayes", "--population", str(args.population), "--generations", str(args.generations),
                  "--abc-n", str(args.abc_n), "--max-evaluations", str(args.max_evaluations),
                  "--min-acceptance", str(args.min_acceptance), "--draws", str(args.draws),
                  "--ppc-draws", str(args.ppc_draws), "--kernel-scaling", f"{args.kernel_scaling:g}",
                  "--epsilon-quantile", str(args.epsilon_quantile),
                  "--workers", str(args.workers)]  # fmt: skip
        if args.free:
            parts += ["--free", ",".join(args.free)]
        if args.posterior_out:
            parts += ["--posterior-out", str(args.posterior_out)]
        parts += ["--seed", str(args.seed)]
    elif args.sobol:
        parts += [
            "--sobol",
            args.sobol,
            "--sobol-n",
            str(args.sobol_n),
            "--abc-n",
            str(args.abc_n),
            "--seed",
            str(args.seed),
        ]
        if args.sobol_keys:
            parts += ["--sobol-keys", ",".join(args.sobol_keys)]
    if args.bayes or args.sobol:
        pass
    elif args.report_only:
        parts.append("--report-only")
    else:
        parts += ["--search-n", str(args.search_n), "--max-iter", str(args.max_iter)]
    if not (args.bayes or args.sobol):
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
    if args.bayes and args.sobol:
        raise_input("--bayes and --sobol: choose one")
    if args.bayes:
        return _run_bayes(args)
    if args.sobol:
        return _run_sobol(args)
    return _run_search(args)


def raise_input(msg: str):
    from cvirisk.exceptions import InputError

    raise InputError(msg)


def _log(args):
    return (
        None
        if args.quiet
        else (lambda msg: print(f"cvirisk calibrate: {msg}", file=sys.stderr, flush=True))
    )


def _run_bayes(args: argparse.Namespace) -> int:
    import os
    import time

    from cvirisk.calibration import load_targets
    from cvirisk.calibration.bayes import ABCConfig, load_posterior, run_abc, write_posterior
    from cvirisk.calibration.diagnostics import predictive_draws, predictive_summary, write_report
    from cvirisk.io.atomic import atomic_path
    from cvirisk.io.result_folder import ResultFolder

    # the hand-written NOTE.md and the coverage benchmark's output survive a regeneration
    folder = ResultFolder(args.out, "--out", signature=("report.md", "ppc.csv"), keep=("NOTE.md", "coverage"),
                          inputs=[("--targets", args.targets), ("--params", args.params)])  # fmt: skip
    folder.open()
    targets = load_targets(args.targets)
    params = load_params_from_args(args)
    config = ABCConfig(population_size=args.population, generations=args.generations, n=args.abc_n, seed=args.seed,
                       min_acceptance=args.min_acceptance, max_evaluations=args.max_evaluations, draws=args.draws,
                       engine=args.engine, keys=tuple(args.free), scaling=args.kernel_scaling,
                       alpha=args.epsilon_quantile)  # fmt: skip
    from cvirisk.calibration.bayes import declared_priors, fitted_targets

    declared_priors(
        params, config.keys or None
    )  # bad --free keys or a missing prior: before any work
    fp = config.fingerprint(params, targets.loc[fitted_targets(targets)])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cvirisk"
    db = Path(args.db) if args.db else cache / f"abc-{fp}.db"
    log = _log(args)
    if log:
        log(f"ABC-SMC history in {db} (rerun the same command to resume)")
    command = _command(args)
    start = time.perf_counter()
    history = run_abc(params, targets, config, db, workers=args.workers, scheduler=args.scheduler, log=log,
                      progress=None if not args.quiet else False)  # fmt: skip
    wall = time.perf_counter() - start
    post_dir = Path(args.posterior_out) if args.posterior_out else folder.path / "posterior"
    if log:
        log(f"ABC-SMC took {wall:.0f} s in this call")
    write_posterior(post_dir, history, params, targets, config, command=command,
                    extra={"workers": args.scheduler or args.workers, "database": str(db)})  # fmt: skip
    posterior = load_posterior(post_dir)
    if log:
        log(f"posterior predictive checks: {args.ppc_draws} posterior draws re-simulated")
    draws = predictive_draws(params, posterior, targets, m=args.ppc_draws, n=args.abc_n, seed=args.seed,
                             engine=args.engine, workers=args.workers)  # fmt: skip
    summary = predictive_summary(draws, targets, seed=args.seed)
    for name, frame in (
        ("ppc.csv", summary),
        ("ppc_draws.csv", draws),
    ):  # shipped beside the posterior (the report folder shows them; the draws are kept only here)
        with atomic_path(post_dir / name) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6g")
    write_report(folder.path, posterior, summary, draws, command=command)
    folder.commit()
    fit = summary[summary["fitted"]]
    shown = args.posterior_out or f"{args.out}/posterior"
    print(f"{args.out}: report.md, ppc.csv, figures.html; posterior in {shown}; fitted targets covered by their "
          f"95% predictive interval: {int(fit['covered'].sum())} of {len(fit)}")  # fmt: skip
    return 0


def _run_sobol(args: argparse.Namespace) -> int:
    from cvirisk.calibration import load_targets
    from cvirisk.calibration.search import free_parameters
    from cvirisk.calibration.sensitivity import simulator_sobol
    from cvirisk.io.atomic import atomic_path
    from cvirisk.io.result_folder import ResultFolder

    targets = load_targets(args.targets)
    if args.sobol not in targets.index:
        raise_input(
            f"--sobol {args.sobol!r}: not a target id of {args.targets or 'the packaged targets.csv'}"
        )
    folder = ResultFolder(
        args.out, "--out", signature=("sobol.csv",), inputs=[("--params", args.params)]
    )
    folder.open()
    params = load_params_from_args(args)
    keys = list(args.sobol_keys) or [f.key for f in free_parameters(params)]
    from cvirisk.progress import track

    total = args.sobol_n * (len(keys) + 2)
    bar = iter(
        track(range(total), total, f"Sobol {args.sobol}", show=None if not args.quiet else False)
    )

    def progress(done, _total):
        next(bar, None)

    tab = simulator_sobol(params, keys, args.sobol, n=args.sobol_n, persons=args.abc_n, seed=args.seed,
                          engine=args.engine, progress=progress)  # fmt: skip
    with atomic_path(folder.path / "sobol.csv") as tmp:
        tab.to_csv(tmp, float_format="%.6g")
    folder.commit()
    print(f"{args.out}: sobol.csv ({len(keys)} inputs, {total} simulations)")
    print(tab.to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


def _run_search(args: argparse.Namespace) -> int:
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
        check_memory(
            n,
            PER_PERSON_COHORT + PER_PERSON_SIMULATE,
            f"{option} {n}",
            "persons in one simulated study",
        )
    log = _log(args)
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
    print(
        f"{args.out}: report.md, report.csv, figure.json, figure.html; fitted targets within: {ok} of {len(fitted)}"
    )
    return 0
