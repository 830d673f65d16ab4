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
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic
from cvirisk.io.cohort_file import CohortColumns, id_like_columns, read_table, validate_cohort
from cvirisk.survival.cohort_fit import MODELS


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fit",
        help="fit a survival model (km, cox, weibull, aj, pwexp, fg) to a cohort file",
        description="Fit Kaplan-Meier, Cox, Weibull AFT, Aalen-Johansen, piecewise-exponential or "
        "Fine-Gray models to a CSV or Parquet cohort file; write summary.csv, figures and a report.",
    )
    p.add_argument("file", metavar="FILE", help="cohort file (.csv or .parquet), one row a person")
    p.add_argument("--duration", required=True, metavar="COL", help="time of exit (event or censoring)")
    p.add_argument("--event", required=True, metavar="COL",
                   help="1 event / 0 censored (for --model aj and fg: 0 censored, 1, 2, ... causes)")
    p.add_argument("--entry", metavar="COL", help="time of entry (delayed entry, left truncation)")
    p.add_argument("--covariates", metavar="A,B,C",
                   help="covariates (default for regression models: every other column except id-like ones); "
                   "text columns become categories")
    p.add_argument("--formula", metavar="RHS",
                   help="covariates as a formula instead, e.g. \"age + C(sex) + C(celltype, contr.treatment('squamous')) "
                   "+ bs(karno, df=3) + trt:age\"")
    p.add_argument("--strata", metavar="COL", help="stratify (cox) or draw one curve per group (km, aj)")
    p.add_argument("--id", metavar="COL",
                   help="person id column; duplicates are an error (default: a column named id, person_id, *_id)")
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                   help="rename a file column before use, e.g. --map futime=time (repeatable, or comma separated)")
    p.add_argument("--drop-missing", action="store_true",
                   help="exclude rows with a missing value in a used column (counted in the report)")
    p.add_argument("--event-of-interest", type=int, default=1, metavar="K", help="cause of interest for aj and fg (default 1)")
    p.add_argument("--intervals", type=int, default=8, metavar="J", help="pwexp: number of time intervals (default 8)")
    p.add_argument("--penalizer", type=float, default=0.0, help="cox, weibull, fg: penalty (default 0: none)")
    p.add_argument("--l1-ratio", type=float, default=0.0, help="cox: lasso share of the penalty (default 0: ridge)")
    p.add_argument("--step-size", type=float, metavar="S",
                   help="cox: Newton-Raphson step (0 < S <= 1; lifelines' default 0.95); smaller helps a fit converge")
    p.add_argument("--max-steps", type=int, metavar="N", help="cox: Newton-Raphson iterations (default 500)")
    p.add_argument("--ci-type", choices=("log-log", "log", "plain"), default="log-log",
                   help="km: interval scale (default log-log as lifelines; R's survfit default is log)")
    p.add_argument("--no-ph-test", action="store_true", help="cox: skip the proportional-hazards tests")
    p.add_argument("--validate", type=int, default=0, metavar="B",
                   help="cox, weibull, pwexp, fg: discrimination and calibration, apparent and optimism-corrected "
                   "by B bootstrap refits (Harrell), written to validation.csv (default 0: none)")
    p.add_argument("--horizons", metavar="T1,T2,...",
                   help="with --validate: horizons (default: quartiles of the event times)")
    p.add_argument("--breakpoints", metavar="T1,T2,...", help="pwexp: interval cut points (overrides --intervals)")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)")
    p.add_argument("--overlay", metavar="TRANSITION",
                   help="cox/pwexp: also write params_overlay.yaml for this simulator transition (e.g. dvt), "
                   "usable as cvirisk simulate --params FILE")
    p.add_argument("--rename", action="append", default=[], metavar="COV=FEATURE",
                   help="with --overlay: map a covariate to a simulator feature, e.g. --rename bmi5=bmi_per_5")
    p.add_argument("--time-scale", choices=("time", "age"), default="time",
                   help="with --overlay: 'age' when durations are ages (adds the Gompertz baseline)")
    p.add_argument("--seed", type=int, default=1, help="seed of the --validate bootstrap (fits use no random numbers)")
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


def _check_arguments(args: argparse.Namespace) -> None:
    """Every argument that can be judged without the file, before any work (exit 2, one line)."""
    if not 0 < args.alpha < 1:
        raise InputError(f"--alpha {args.alpha}: must be between 0 and 1")
    if args.intervals < 1:
        raise InputError(f"--intervals {args.intervals}: must be a whole number of at least 1")
    if args.event_of_interest < 1:
        raise InputError(f"--event-of-interest {args.event_of_interest}: causes are coded 1, 2, ... (0 is censored)")
    if not math.isfinite(args.penalizer) or args.penalizer < 0:
        raise InputError(f"--penalizer {args.penalizer}: must be 0 or more")
    if not 0 <= args.l1_ratio <= 1:
        raise InputError(f"--l1-ratio {args.l1_ratio}: must be between 0 and 1")
    if args.step_size is not None and not 0 < args.step_size <= 1:
        raise InputError(f"--step-size {args.step_size}: must be in (0, 1]")
    if args.max_steps is not None and args.max_steps < 1:
        raise InputError(f"--max-steps {args.max_steps}: must be at least 1")
    if args.formula and args.covariates:
        raise InputError("--formula and --covariates: give one of them")
    bps = _breakpoints(args)
    if bps is not None and not all(math.isfinite(b) for b in bps):
        raise InputError(f"--breakpoints {args.breakpoints!r}: cut points must be finite numbers")
    conflict = CohortColumns(args.duration, args.event, args.entry, tuple(_split(args.covariates)),
                             args.strata, args.id).role_conflict()
    if conflict:
        raise InputError(f"{conflict}: each column plays one role")
    if args.validate < 0:
        raise InputError(f"--validate {args.validate}: the number of bootstrap refits must be 0 or more")
    if args.validate or args.horizons:
        from cvirisk.survival.cohort_fit import REGRESSION_MODELS

        if args.model not in REGRESSION_MODELS:
            raise InputError(f"--validate needs a model with covariates (cox, weibull, pwexp, fg), not {args.model}")
        if args.entry:
            raise InputError("--validate needs time since the origin: not with --entry")
        _horizons(args)
    if args.overlay:
        if args.model not in ("cox", "pwexp"):
            raise InputError(f"--overlay needs hazard ratios: use --model cox or pwexp, not {args.model}")
        _mapping(args.rename, "--rename")


def _horizons(args: argparse.Namespace) -> list[float] | None:
    try:
        values = [float(h) for h in _split(args.horizons)] or None
    except ValueError:
        raise InputError(f"--horizons {args.horizons!r}: expected numbers separated by commas") from None
    if values is not None and not all(math.isfinite(h) and h > 0 for h in values):
        raise InputError(f"--horizons {args.horizons!r}: horizons must be positive numbers")
    return values


def _validation(args: argparse.Namespace, fitted: Any, df: pd.DataFrame) -> pd.DataFrame:
    """Apparent, optimism and corrected figures, one row a (horizon, metric)."""
    from cvirisk.survival.cohort_fit import evaluate_fit
    from cvirisk.survival.risk import METRICS

    ev = evaluate_fit(fitted, df, _horizons(args), bootstrap=args.validate, seed=args.seed)
    rows = []
    for h in ev["metrics"].index:
        for m in METRICS:
            rows.append({"horizon": h, "metric": m, "apparent": ev["metrics"].loc[h, m],
                         "optimism": ev["optimism"].loc[h, m], "corrected": ev["corrected"].loc[h, m]})
    out = pd.DataFrame(rows)
    out.attrs["dropped"] = {str(k): v for k, v in ev["dropped"].items()}
    out.attrs["bootstrap_used"] = ev["bootstrap_used"]
    return out


def _breakpoints(args: argparse.Namespace) -> list[float] | None:
    try:
        return [float(b) for b in _split(args.breakpoints)] or None
    except ValueError:
        raise InputError(f"--breakpoints {args.breakpoints!r}: expected numbers separated by commas") from None


def _columns(args: argparse.Namespace, all_columns: list[str] | None) -> tuple[CohortColumns, list[str]]:
    """Column roles, and the id-like columns left out of the default covariates."""
    from cvirisk.survival.cohort_fit import CAUSE_MODELS, REGRESSION_MODELS

    covs = _split(args.covariates)
    id_col = args.id
    ids = id_like_columns(all_columns or [])
    if id_col is None and len(ids) == 1 and ids[0] not in (args.duration, args.event, args.entry, args.strata):
        id_col = ids[0]  # a column named as an id is the id: its duplicates are reported
    roles = {args.duration, args.event, args.entry, args.strata, id_col}
    left_out = []
    if args.formula:
        covs = []
    elif not covs and args.model in REGRESSION_MODELS and all_columns is not None:
        left_out = [c for c in ids if c not in roles]
        covs = [c for c in all_columns if c not in roles and c not in ids]
    if args.formula:
        left_out = []
    columns = CohortColumns(
        duration=args.duration, event=args.event, entry=args.entry, covariates=tuple(covs),
        strata=args.strata, id=id_col, event_kind="causes" if args.model in CAUSE_MODELS else "binary",
        positive_duration=args.model == "weibull",
    )
    return columns, left_out


def _formula_columns(args: argparse.Namespace, names: list[str]) -> tuple[str, ...]:
    """File columns a formula reads (validated as covariates, text allowed)."""
    if not args.formula:
        return ()
    import re

    words = set(re.findall(r"`([^`]+)`|([A-Za-z_.][A-Za-z0-9_.]*)", args.formula))
    found = {a or b for a, b in words}
    return tuple(c for c in names if c in found)


def _fit(args: argparse.Namespace, df: pd.DataFrame, cols: CohortColumns):
    from cvirisk.survival.cohort_fit import fit_model

    name = Path(args.file).name
    try:
        return fit_model(df, cols, args.model, alpha=args.alpha, event_of_interest=args.event_of_interest,
                         n_intervals=args.intervals, breakpoints=_breakpoints(args), formula=args.formula,
                         penalizer=args.penalizer, l1_ratio=args.l1_ratio, step_size=args.step_size,
                         max_steps=args.max_steps, km_ci=args.ci_type, ph_test=not args.no_ph_test)
    except InputError as exc:  # what the data could not give: the message names the file
        message = str(exc)
        raise InputError(message if message.startswith(f"{name}:") else f"{name}: {message}") from None


def _overlay(args: argparse.Namespace, fitted: Any, df: pd.DataFrame) -> tuple[dict, list[str]]:
    """``--overlay TRANSITION``: the overlay and its warnings (nothing written yet)."""
    from cvirisk.survival.overlay import confounding_warnings, param_overlay

    rename = _mapping(args.rename, "--rename")
    covariates = list(fitted.model.params_.index)
    overlay = param_overlay(fitted.model, args.overlay, rename=rename, baseline=args.time_scale == "age",
                            time_scale=args.time_scale, data=fitted.design.transform(df) if fitted.design else None,
                            source=Path(args.file).name)
    return overlay, confounding_warnings(covariates, rename, args.overlay, args.time_scale)


def _write_overlay(args: argparse.Namespace, overlay: dict, out: Path) -> list[str]:
    import yaml

    from cvirisk.survival.overlay import overlay_tree

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
    if report.get("formula"):
        lines.append(f"- formula: {report['formula']}")
    if report.get("id_columns_left_out"):
        lines.append(f"- id-like columns left out of the covariates: {', '.join(report['id_columns_left_out'])}")
    for note in report.get("notes", []):
        lines.append(f"- note: {note}")
    for warning in report.get("warnings", []):
        lines.append(f"- WARNING: {warning}")
    if report.get("validation"):
        v = report["validation"]
        lines.append(f"- validation: apparent and optimism-corrected figures in validation.csv "
                     f"({v['bootstrap_used']} of {v['bootstrap_refits']} bootstrap refits used, seed {v['seed']})")
    if report.get("ph_test"):
        lines += ["", "Proportional hazards (scaled Schoenfeld residuals, rank of time):", ""]
        lines += [f"- {k}: chi2 = {v['test_statistic']:.3f}, p = {v['p']:.3g}" for k, v in report["ph_test"].items()]
    for key in ("log_likelihood", "concordance_index", "median_survival_time"):
        if report.get(key) is not None:
            lines.append(f"- {key.replace('_', ' ')}: {report[key]:.6g}")
    lines += ["", f"Outputs: {', '.join(report['outputs'])}", ""]
    return "\n".join(lines)


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def run(args: argparse.Namespace) -> int:
    from cvirisk.io.result_folder import ResultFolder

    mapping = _mapping(args.map)
    _check_arguments(args)  # arguments first: a bad one leaves nothing behind
    folder = ResultFolder(args.out, "--out", signature=("report.json",), inputs=[("FILE", args.file)])
    folder.open()  # before any work: checked, locked; written as a set by commit() below
    path = Path(args.file)
    raw = read_table(path)
    names = [mapping.get(str(c), str(c)) for c in raw.columns]
    cols, left_out = _columns(args, names)
    if args.formula:
        from dataclasses import replace

        cols = replace(cols, covariates=_formula_columns(args, names))
    df, report = validate_cohort(raw, cols, source=path.name, mapping=mapping, drop_missing=args.drop_missing)
    fitted = _fit(args, df, cols)
    model = fitted.model
    overlay, warnings_ = _overlay(args, fitted, df) if args.overlay else ({}, [])
    validation = _validation(args, fitted, df) if args.validate else None  # all work done before any write
    out = folder.path
    overlay_files = _write_overlay(args, overlay, out) if args.overlay else []
    write_table_atomic(fitted.summary, out / "summary.csv")
    outputs = ["summary.csv", *overlay_files]
    if fitted.checks is not None:
        write_table_atomic(fitted.checks.reset_index(), out / "ph_test.csv")
        outputs.append("ph_test.csv")
    if validation is not None:
        write_table_atomic(validation, out / "validation.csv")
        outputs.append("validation.csv")
    for name, fig in fitted.figures.items():
        with atomic_path(out / f"{name}.html") as tmp:
            fig.write_html(tmp, include_plotlyjs=True, full_html=True, div_id=f"cvirisk-{name}")  # offline
        outputs.append(f"{name}.html")
    report.update(
        model=args.model, covariates=list(getattr(fitted.design, "columns_", cols.covariates)), alpha=args.alpha,
        seed=args.seed, formula=args.formula, id_columns_left_out=left_out, notes=fitted.notes, warnings=warnings_,
        ph_test=None if fitted.checks is None else fitted.checks.to_dict("index"),
        validation=None if validation is None else {
            "bootstrap_refits": args.validate, "bootstrap_used": validation.attrs["bootstrap_used"],
            "horizons_dropped": validation.attrs["dropped"], "seed": args.seed},
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
    for warning in warnings_:
        print(f"cvirisk fit: warning: {warning}", file=sys.stderr)
    print(f"cvirisk fit: {args.model} on {report['rows_used']} rows ({report['events']} events) -> {args.out}")
    return 0
