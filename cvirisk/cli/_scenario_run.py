"""The work behind ``cvirisk scenario`` (the command module only parses arguments).

Writes into the output folder, each file atomically:

* ``comparison.csv`` -- per scenario and outcome: baseline and scenario means, the paired
  difference and its interval over replications (:class:`~cvirisk.scenarios.comparison.Comparison`);
* ``replications.csv`` -- the per-replication outcomes of both arms;
* with ``--psa-draws K``: ``psa_draws.csv``, ``psa_summary.csv``, ``psa_correlations.csv``,
  ``tornado.csv`` (one-way analysis) and ``tornado.html`` (plotly, for ``--tornado-outcome``);
* ``manifest.json`` -- parameter hash, seed, scenario file hashes, engine, what was written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic

__all__ = ["run_command"]


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
    from cvirisk.params import load_params, params_hash
    from cvirisk.scenarios.comparison import compare
    from cvirisk.scenarios.compile import scenario_overrides
    from cvirisk.scenarios.outcomes import OUTCOMES
    from cvirisk.scenarios.schema import file_hash, load_scenario, resolve_scenario_path

    overrides = parse_overrides(getattr(args, "overrides", []))
    params = load_params(args.baseline, overrides=overrides)
    paths = [resolve_scenario_path(s) for s in args.scenario]
    for path in paths:  # fail fast, before any simulation
        scenario_overrides(load_scenario(path), params, origin=str(path))
    if args.tornado_outcome not in OUTCOMES:
        raise InputError(f"--tornado-outcome {args.tornado_outcome}: unknown outcome (one of {', '.join(OUTCOMES)})")
    common = {"n": args.n, "years": args.years, "engine": args.engine, "workers": args.workers,
              "scheduler": args.scheduler}
    result = compare(paths, params=params, seed=args.seed, replications=args.replications,
                     progress=_callback(show, "scenario"), **common)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    written = [write_table_atomic(result.table, out / "comparison.csv"),
               write_table_atomic(result.replications, out / "replications.csv")]  # fmt: skip
    manifest = dict(result.manifest)
    manifest["baseline"] = {"file": str(args.baseline) if args.baseline else None,
                            "sha256_16": file_hash(args.baseline) if args.baseline else None,
                            "overrides": overrides, "params_hash": params_hash(params)}  # fmt: skip
    if args.psa_draws:
        written += _psa(args, paths, params, out, show, common)
        manifest["psa"] = {"draws": args.psa_draws, "replications_per_draw": 1, "stream": "psa.draws.<key>",
                           "tornado_outcome": args.tornado_outcome}  # fmt: skip
    manifest["files"] = sorted(p.name for p in written)
    written.append(write_json_atomic(manifest, out / "manifest.json"))
    return written


def _psa(args, paths, params, out: Path, show: bool, common: dict) -> list[Path]:
    from cvirisk.scenarios.plots import tornado_figure
    from cvirisk.scenarios.psa import one_way, run_psa

    psa = run_psa(paths, params, args.psa_draws, seed=args.seed, replications=1,
                  progress=_callback(show, "PSA draws"), **common)  # fmt: skip
    ow = one_way(paths, params, seed=args.seed, replications=1, progress=_callback(show, "one-way"), **common)
    written = [
        write_table_atomic(psa.draws, out / "psa_draws.csv"),
        write_table_atomic(psa.summary, out / "psa_summary.csv"),
        write_table_atomic(psa.correlations, out / "psa_correlations.csv"),
        write_table_atomic(ow, out / "tornado.csv"),
    ]
    figs = [tornado_figure(ow, name, args.tornado_outcome) for name in ow["scenario"].unique()]
    target = out / "tornado.html"
    with atomic_path(target) as tmp:
        html = "\n".join(f.to_html(full_html=False, include_plotlyjs="cdn" if i == 0 else False, div_id=f"tornado-{i}")
                         for i, f in enumerate(figs))  # fmt: skip
        tmp.write_text(f"<html><head><meta charset='utf-8'></head><body>\n{html}\n</body></html>\n")
    written.append(target)
    return written
