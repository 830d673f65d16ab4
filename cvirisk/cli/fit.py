"""``cvirisk fit``: fit a survival model to a user's cohort file.

Usage::

    cvirisk fit cohort.csv --duration time --event status --covariates age,bmi \
        --model cox --out results/

writes ``summary.csv`` (lifelines' summary columns, one row per covariate; for ``km`` and
``aj`` the estimated curve), one HTML figure per plot, ``report.md`` and ``report.json``.
The file is validated before any fit (see :mod:`cvirisk.io.cohort_file`); bad input ends
with exit status 2 and one line naming the column, the rows and the reason.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic
from cvirisk.io.cohort_file import CohortColumns

MODELS = ("km", "cox", "weibull", "aj", "pwexp")


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
    p.add_argument("--seed", type=int, default=1, help="recorded in the report; fitting uses no random numbers")
    p.set_defaults(run=run)
    return p


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def _mapping(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        for pair in _split(item):
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise InputError(f"--map {pair!r}: expected OLD=NEW")
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


def _fit(args: argparse.Namespace, df: pd.DataFrame, cols: CohortColumns) -> tuple[Any, pd.DataFrame, dict]:
    """Fit the chosen model; return it, the summary table and the figures."""
    from cvirisk.survival import AalenJohansen, CoxPH, KaplanMeier, PiecewiseExponential, WeibullAFT
    from cvirisk.survival.plots import step_curve_figure

    covs = list(cols.covariates)
    if args.model in ("km", "aj") and covs:
        raise InputError(f"--model {args.model} takes no covariates; use --strata COL for one curve per group")
    if args.model in ("km", "aj"):
        groups = [(None, df)] if cols.strata is None else list(df.groupby(cols.strata, sort=True))
        curves, tables = {}, []
        for key, part in groups:
            label = "all" if key is None else f"{cols.strata}={key}"
            if args.model == "km":
                m = KaplanMeier(alpha=args.alpha, label=label).fit(part, cols.duration, cols.event, cols.entry)
            else:
                m = AalenJohansen(alpha=args.alpha).fit(part, cols.duration, cols.event, args.event_of_interest, cols.entry)
            curves[label] = m.summary
            tables.append(m.summary.reset_index().assign(group=label))
        column = "survival" if args.model == "km" else "cumulative_incidence"
        fig = step_curve_figure(curves, column, ytitle=column.replace("_", " "), xtitle=cols.duration)
        name = "survival" if args.model == "km" else "cumulative_incidence"
        return m, pd.concat(tables, ignore_index=True), {name: fig}
    if not covs:
        raise InputError(f"--model {args.model} needs at least one covariate (--covariates)")
    if args.model == "cox":
        m = CoxPH(alpha=args.alpha).fit(df, cols.duration, cols.event, cols.entry, strata=cols.strata, covariates=covs)
        return m, m.summary.reset_index(), {"hazard_ratios": m.plot_hazard_ratios()}
    if cols.strata is not None:
        raise InputError(f"--strata is supported by km, aj and cox, not by {args.model}")
    if args.model == "weibull":
        m = WeibullAFT(alpha=args.alpha).fit(df, cols.duration, cols.event, cols.entry, covariates=covs)
        return m, m.summary.reset_index(), {"coefficients": m.plot_coefficients()}
    try:
        bps = [float(b) for b in _split(args.breakpoints)] or None
    except ValueError:
        raise InputError(f"--breakpoints {args.breakpoints!r}: expected numbers separated by commas") from None
    m = PiecewiseExponential(breakpoints=bps, n_intervals=args.intervals, alpha=args.alpha)
    m.fit(df, cols.duration, cols.event, cols.entry, covariates=covs)
    figs = {"hazard_ratios": m.plot_hazard_ratios(), "baseline_hazard": m.plot_baseline_hazard()}
    return m, m.summary.reset_index(), figs


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
    started = time.perf_counter()
    path = Path(args.file)
    mapping = _mapping(args.map)
    if args.model not in MODELS:
        raise InputError(f"--model {args.model!r}: choose one of {', '.join(MODELS)}")
    if not 0 < args.alpha < 1:
        raise InputError(f"--alpha {args.alpha}: must be between 0 and 1")
    from cvirisk.io.cohort_file import read_table

    raw = read_table(path)
    names = [mapping.get(str(c), str(c)) for c in raw.columns]
    cols = _columns(args, names)
    from cvirisk.io.cohort_file import validate_cohort

    df, report = validate_cohort(raw, cols, source=path.name, mapping=mapping, drop_missing=args.drop_missing)
    model, summary, figures = _fit(args, df, cols)
    out = Path(args.out)
    write_table_atomic(summary, out / "summary.csv")
    outputs = ["summary.csv"]
    for name, fig in figures.items():
        with atomic_path(out / f"{name}.html") as tmp:
            fig.write_html(tmp, include_plotlyjs="cdn", full_html=True)
        outputs.append(f"{name}.html")
    report.update(
        model=args.model, covariates=list(cols.covariates), alpha=args.alpha, seed=args.seed,
        duration=args.duration, event=args.event, entry=args.entry, strata=args.strata, mapping=mapping,
        log_likelihood=_finite(getattr(model, "log_likelihood_", None)),
        concordance_index=_finite(getattr(model, "concordance_index_", None)),
        median_survival_time=_finite(getattr(model, "median_survival_time_", None)),
        outputs=outputs + ["report.md", "report.json"],
        seconds=round(time.perf_counter() - started, 3),
    )
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(_report_text(args, report))
    write_json_atomic(report, out / "report.json")
    print(f"cvirisk fit: {args.model} on {report['rows_used']} rows ({report['events']} events) -> {out}")
    return 0
