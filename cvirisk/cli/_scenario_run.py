"""The work behind ``cvirisk scenario`` (the command module only parses arguments).

Writes into the output folder, each file atomically:

* ``comparison.csv`` -- per scenario and outcome (with its unit): baseline and scenario means, the
  paired difference and its interval over replications (:class:`~cvirisk.scenarios.comparison.Comparison`),
  including QALYs and costs per person, the net monetary benefit at each ``--wtp`` and the ICER;
* ``comparison_dictionary.csv`` -- what every column of ``comparison.csv`` and every outcome in it
  means, with units (``kind`` = ``column`` or ``outcome``);
* ``cost_effectiveness.csv`` -- per scenario and willingness to pay: incremental costs and QALYs with
  intervals, ICER, quadrant, incremental net monetary benefit and the decision it supports;
* ``replications.csv`` -- the per-replication outcomes of both arms;
* with ``--psa-draws K``: ``psa_draws.csv``, ``psa_summary.csv``, ``psa_correlations.csv``,
  ``ce_plane.csv`` (incremental QALYs and costs per draw), ``ceac.csv`` (acceptability curves),
  ``tornado.csv`` (one-way analysis) and ``tornado.html`` (plotly, for ``--tornado-outcome``);
* ``report.html`` -- all of it on one page with its figures;
* ``manifest.json`` -- parameter hash, seed, scenario file hashes, engine, what was written.

Figures embed plotly.js, so they render with no network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic

__all__ = ["run_command", "data_dictionary", "COLUMNS"]


def _callback(show: bool, desc: str):
    if not show:
        return None
    from tqdm import tqdm

    bar = {"b": None}

    def cb(done: int, total: int) -> None:
        if bar["b"] is None:
            bar["b"] = tqdm(total=total, desc=desc, leave=False)
        bar["b"].update(done - bar["b"].n)
        if done >= total:
            bar["b"].close()

    return cb


def run_command(args: argparse.Namespace, out: Path, show: bool = False) -> list[Path]:
    """Run ``cvirisk scenario`` for parsed ``args``; return the files written."""
    from cvirisk.cli._common import parse_overrides  # command-line code: it lives in cvirisk/cli
    from cvirisk.outcomes.economics import money_unit
    from cvirisk.params import load_params, params_hash
    from cvirisk.scenarios.comparison import compare, outcome_dictionary
    from cvirisk.scenarios.compile import scenario_overrides
    from cvirisk.scenarios.economics import DEFAULT_WTP, cost_effectiveness
    from cvirisk.scenarios.execute import outcome_names
    from cvirisk.scenarios.report import report_html
    from cvirisk.scenarios.schema import file_hash, load_scenario, resolve_scenario_path

    overrides = parse_overrides(getattr(args, "overrides", []))
    params = load_params(args.baseline, overrides=overrides)
    paths = [resolve_scenario_path(s) for s in args.scenario]
    for path in paths:  # fail fast, before any simulation
        scenario_overrides(load_scenario(path), params, origin=str(path))
    names = outcome_names()
    if args.tornado_outcome not in names:
        raise InputError(f"--tornado-outcome {args.tornado_outcome}: unknown outcome (one of {', '.join(names)})")
    wtp = sorted(set(getattr(args, "wtp", None) or DEFAULT_WTP))
    money = money_unit(params)
    common = {"n": args.n, "years": args.years, "engine": args.engine, "workers": args.workers,
              "scheduler": args.scheduler}
    result = compare(paths, params=params, seed=args.seed, replications=args.replications,
                     progress=_callback(show, "scenario"), wtp=wtp, **common)  # fmt: skip
    ce = cost_effectiveness(result.table, wtp)
    dictionary = data_dictionary(outcome_dictionary(wtp, money))
    out.mkdir(parents=True, exist_ok=True)
    written = [write_table_atomic(result.table, out / "comparison.csv"),
               write_table_atomic(dictionary, out / "comparison_dictionary.csv"),
               write_table_atomic(ce, out / "cost_effectiveness.csv"),
               write_table_atomic(result.replications, out / "replications.csv")]  # fmt: skip
    manifest = dict(result.manifest)
    manifest["baseline"] = {"file": str(args.baseline) if args.baseline else None,
                            "sha256_16": file_hash(args.baseline) if args.baseline else None,
                            "overrides": overrides, "params_hash": params_hash(params)}  # fmt: skip
    plane = curve = None
    tornado = []
    if args.psa_draws:
        files, plane, curve, tornado = _psa(args, paths, params, out, show, common, money)
        written += files
        manifest["psa"] = {"draws": args.psa_draws, "replications_per_draw": 1, "stream": "psa.draws.<key>",
                           "tornado_outcome": args.tornado_outcome}  # fmt: skip
    page = report_html(result.table, dictionary, manifest, ce, plane, curve, tornado, money, result.replications)
    written.append(_write_text(out / "report.html", page))
    manifest["files"] = sorted(p.name for p in written)
    written.append(write_json_atomic(manifest, out / "manifest.json"))
    return written


#: What each column of ``comparison.csv`` holds.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("scenario", "", "name of the scenario compared with the baseline"),
    ("outcome", "", "name of the outcome (definitions in the rows of kind 'outcome')"),
    ("unit", "", "unit of baseline, scenario_value, difference and its limits"),
    ("baseline", "unit", "baseline arm: mean over replications"),
    ("scenario_value", "unit", "scenario arm: mean over replications"),
    ("difference", "unit", "scenario - baseline, paired within each replication (common random numbers), "
     "mean over replications; for icer the ratio of mean incremental costs to mean incremental QALYs"),
    ("lower", "unit", "lower limit of the 95% t interval of the difference over replications (NaN with one)"),
    ("upper", "unit", "upper limit of the 95% t interval of the difference over replications"),
    ("sd", "unit", "standard deviation of the per-replication differences"),
    ("replications", "replications", "replications with a finite difference"),
    ("pct_lower", "unit", "2.5th percentile of the per-replication differences (20 replications or more)"),
    ("pct_upper", "unit", "97.5th percentile of the per-replication differences (20 replications or more)"),
    ("quadrant", "", "icer rows: quadrant of the cost-effectiveness plane (dominant, dominated, "
     "more costly and more effective, less costly and less effective)"),
)


def data_dictionary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """``comparison.csv``'s columns, then its outcomes: ``kind, name, label, unit, definition``."""
    cols = pd.DataFrame([{"kind": "column", "name": n, "label": n, "unit": u, "definition": d}
                         for n, u, d in COLUMNS])  # fmt: skip
    outs = pd.DataFrame({"kind": "outcome", "name": outcomes["outcome"], "label": outcomes["label"],
                         "unit": outcomes["unit"], "definition": outcomes["definition"]})  # fmt: skip
    return pd.concat([cols, outs], ignore_index=True)


def _write_text(target: Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def _psa(args, paths, params, out: Path, show: bool, common: dict, money: str):
    from cvirisk.outcomes.economics import ECONOMIC_OUTCOMES
    from cvirisk.scenarios.economics import ce_plane, ceac
    from cvirisk.scenarios.plots import tornado_figure
    from cvirisk.scenarios.psa import one_way, run_psa, uncertain_parameters
    from cvirisk.scenarios.report import CEAC_WTP, figures_html

    psa = run_psa(paths, params, args.psa_draws, seed=args.seed, replications=1,
                  progress=_callback(show, "PSA draws"), **common)  # fmt: skip
    # utilities and costs move only the economic outcomes: a clinical tornado leaves them out
    # (their swing there is exactly 0), which saves two simulations per economic parameter
    keys = [k for k in uncertain_parameters(params)
            if args.tornado_outcome in ECONOMIC_OUTCOMES or not k.startswith("economics.")]  # fmt: skip
    ow = one_way(paths, params, keys=keys, seed=args.seed, replications=1, progress=_callback(show, "one-way"),
                 **common)  # fmt: skip
    plane = ce_plane(psa.draws)
    curve = ceac(plane, CEAC_WTP)
    written = [
        write_table_atomic(psa.draws, out / "psa_draws.csv"),
        write_table_atomic(psa.summary, out / "psa_summary.csv"),
        write_table_atomic(psa.correlations, out / "psa_correlations.csv"),
        write_table_atomic(plane, out / "ce_plane.csv"),
        write_table_atomic(curve, out / "ceac.csv"),
        write_table_atomic(ow, out / "tornado.csv"),
    ]
    figs = [tornado_figure(ow, name, args.tornado_outcome) for name in ow["scenario"].unique()]
    written.append(_write_text(out / "tornado.html", figures_html(figs, "One-way sensitivity (tornado)")))
    return written, plane, curve, figs
