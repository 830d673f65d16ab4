"""``cvirisk fit``: fit a survival model to a user's cohort file.

Usage::

    cvirisk fit cohort.csv --duration time --event status --covariates age,bmi \
        --model cox --out results/

writes ``summary.csv`` (lifelines' summary columns, one row per covariate; for ``km`` and
``aj`` the estimated curve), one HTML figure per plot, ``report.md`` and ``report.json``.
With ``--overlay TRANSITION`` (cox, pwexp) it also writes ``params_overlay.yaml``, the fitted
hazard ratios (and, with ``--time-scale age``, the Gompertz baseline) as a parameter overlay
for ``cvirisk simulate --params``, so the user's cohort drives the simulator.
The file is validated before any fit (see :mod:`cvirisk.io.cohort_file`); bad input ends
with exit status 2 and one line naming the column, the rows and the reason.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic
from cvirisk.io.cohort_file import CohortColumns, read_table, validate_cohort
from cvirisk.survival.cohort_fit import MODELS


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fit",
        help="fit a survival model (km, cox, weibull, aj, pwexp) to a cohort file",
        description="Fit Kaplan-Meier, Cox, Weibull AFT, Aalen-Johansen or piecewise-exponential "
        "models to a CSV or Parquet cohort file; write summary.csv, figures and a report.",
    )
    p.add_argument("file", metavar="FILE", help="cohort file (.csv or .parquet), one row a person")
    p.add_argument("--duration", required=True, metavar="COL", help="time of exit (event or censoring)")
    p.add_argument("--event", required=True, metavar="COL",
                   help="1 event / 0 censored (for --model aj: 0 censored, 1, 2, ... causes)")
    p.add_argument("--entry", metavar="COL", help="time of entry (delayed entry, left truncation)")
    p.add_argument("--covariates", metavar="A,B,C", help="covariates (default for regression models: every other column)")
    p.add_argument("--strata", metavar="COL", help="stratify (cox) or draw one curve per group (km, aj)")
    p.add_argument("--id", metavar="COL", help="person id column; duplicates are an error")
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                   help="rename a file column before use, e.g. --map futime=time (repeatable, or comma separated)")
    p.add_argument("--drop-missing", action="store_true",
                   help="exclude rows with a missing value in a used column (counted in the report)")
    p.add_argument("--event-of-interest", type=int, default=1, metavar="K", help="cause of interest for aj (default 1)")
    p.add_argument("--intervals", type=int, default=8, metavar="J", help="pwexp: number of time intervals (default 8)")
    p.add_argument("--breakpoints", metavar="T1,T2,...", help="pwexp: interval cut points (overrides --intervals)")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)")
    p.add_argument("--overlay", metavar="TRANSITION",
                   help="cox/pwexp: also write params_overlay.yaml for this simulator transition (e.g. dvt), "
                   "usable as cvirisk simulate --params FILE")
    p.add_argument("--rename", action="append", default=[], metavar="COV=FEATURE",
                   help="with --overlay: map a covariate to a simulator feature, e.g. --rename bmi5=bmi_per_5")
    p.add_argument("--time-scale", choices=("time", "age"), default="time",
                   help="with --overlay: 'age' when durations are ages (adds the Gompertz baseline)")
    p.add_argument("--seed", type=int, default=1, help="recorded in the report; fitting uses no random numbers")
    p.set_defaults(run=run)
    return p


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def _mapping(items: list[str], option: str = "--map") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        for pair in _split(item):
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise InputError(f"{option} {pair!r}: expected OLD=NEW")
            out[old.strip()] = new.strip()
    return out


def _columns(args: argparse.Namespace, all_columns: list[str] | None) -> CohortColumns:
    covs = _split(args.covariates)
    roles = {args.duration, args.event, args.entry, args.strata, args.id}
    if not covs and args.model in ("cox", "weibull", "pwexp") and all_columns is not None:
        covs = [c for c in all_columns if c not in roles]
    return CohortColumns(
        duration=args.duration, event=args.event, entry=args.entry, covariates=tuple(covs),
        strata=args.strata, id=args.id, event_kind="causes" if args.model == "aj" else "binary",
        positive_duration=args.model == "weibull",
    )


def _fit(args: argparse.Namespace, df: pd.DataFrame, cols: CohortColumns):
    from cvirisk.survival.cohort_fit import fit_model

    try:
        bps = [float(b) for b in _split(args.breakpoints)] or None
    except ValueError:
        raise InputError(f"--breakpoints {args.breakpoints!r}: expected numbers separated by commas") from None
    return fit_model(df, cols, args.model, alpha=args.alpha, event_of_interest=args.event_of_interest,
                     n_intervals=args.intervals, breakpoints=bps)


def _write_overlay(args: argparse.Namespace, model: Any, out: Path) -> list[str]:
    """``--overlay TRANSITION``: fitted hazard ratios (and baseline) as a parameter overlay."""
    import yaml

    from cvirisk.survival.overlay import overlay_tree, param_overlay

    if args.model not in ("cox", "pwexp"):
        raise InputError(f"--overlay needs hazard ratios: use --model cox or pwexp, not {args.model}")
    overlay = param_overlay(model, args.overlay, rename=_mapping(args.rename, "--rename"),
                            baseline=args.time_scale == "age", time_scale=args.time_scale)
    tree = overlay_tree(overlay, f"fitted by cvirisk fit --model {args.model} to {Path(args.file).name}")
    with atomic_path(out / "params_overlay.yaml") as tmp:
        tmp.write_text(yaml.safe_dump(tree, sort_keys=False))
    write_json_atomic(overlay, out / "overlay.json")
    return ["params_overlay.yaml", "overlay.json"]


def _report_text(args, report: dict[str, Any]) -> str:
    excluded = report["rows_excluded"]
    lines = [
        f"# cvirisk fit: {args.model}",
        "",
        f"- file: {report['source']}",
        f"- rows read: {report['rows_read']}",
        f"- rows excluded by --drop-missing: {report['rows_excluded_total']}"
        + (" (" + ", ".join(f"{k}: {v}" for k, v in excluded.items()) + ")" if excluded else ""),
        f"- rows used: {report['rows_used']}",
        f"- events: {report['events']}",
        f"- duration: {args.duration}; event: {args.event}; entry: {args.entry or 'none'}; "
        f"strata: {args.strata or 'none'}",
        f"- covariates: {', '.join(report['covariates']) or 'none'}",
    ]
    for key in ("log_likelihood", "concordance_index", "median_survival_time"):
        if report.get(key) is not None:
            lines.append(f"- {key.replace('_', ' ')}: {report[key]:.6g}")
    lines += ["", f"Outputs: {', '.join(report['outputs'])}", ""]
    return "\n".join(lines)


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def run(args: argparse.Namespace) -> int:
    from cvirisk.io.result_folder import ResultFolder

    folder = ResultFolder(args.out, "--out", signature=("report.json",))
    folder.open()  # before any work: checked, locked; written as a set by commit() below
    path = Path(args.file)
    mapping = _mapping(args.map)
    if not 0 < args.alpha < 1:
        raise InputError(f"--alpha {args.alpha}: must be between 0 and 1")
    raw = read_table(path)
    names = [mapping.get(str(c), str(c)) for c in raw.columns]
    cols = _columns(args, names)
    df, report = validate_cohort(raw, cols, source=path.name, mapping=mapping, drop_missing=args.drop_missing)
    fitted = _fit(args, df, cols)
    model = fitted.model
    out = folder.path
    overlay_files = _write_overlay(args, model, out) if args.overlay else []
    write_table_atomic(fitted.summary, out / "summary.csv")
    outputs = ["summary.csv", *overlay_files]
    for name, fig in fitted.figures.items():
        with atomic_path(out / f"{name}.html") as tmp:
            fig.write_html(tmp, include_plotlyjs="cdn", full_html=True, div_id=f"cvirisk-{name}")
        outputs.append(f"{name}.html")
    report.update(
        model=args.model, covariates=list(cols.covariates), alpha=args.alpha, seed=args.seed,
        duration=args.duration, event=args.event, entry=args.entry, strata=args.strata, mapping=mapping,
        log_likelihood=_finite(getattr(model, "log_likelihood_", None)),
        concordance_index=_finite(getattr(model, "concordance_index_", None)),
        median_survival_time=_finite(getattr(model, "median_survival_time_", None)),
        outputs=outputs + ["report.md", "report.json"],
    )
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(_report_text(args, report))
    write_json_atomic(report, out / "report.json")
    folder.commit()
    print(f"cvirisk fit: {args.model} on {report['rows_used']} rows ({report['events']} events) -> {args.out}")
    return 0
