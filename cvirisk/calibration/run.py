"""The two jobs of ``cvirisk calibrate``: report on given parameters, or search then report.

Both write the report into ``out`` (see :func:`cvirisk.calibration.report.write_report`); the
search also writes ``calibrated.yaml`` (an overlay of the fitted values, loadable with
``load_params(path)``) and ``search.csv`` (every evaluation of the search).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cvirisk.calibration.designs import PLANS
from cvirisk.calibration.distance import evaluate
from cvirisk.calibration.report import confirmation_table, report_table, write_report
from cvirisk.calibration.search import calibrate, free_parameters
from cvirisk.io.atomic import atomic_path
from cvirisk.params import get_value, params_hash

__all__ = ["evaluate_report", "calibrate_and_report"]


def _parameter_table(params, start: dict | None = None, intervals: dict | None = None) -> pd.DataFrame:
    rows = []
    for f in free_parameters(params):
        row = {"parameter": f.key.removeprefix("natural_history.transitions."), "low bound": f.low, "high bound": f.high}
        if start is not None:
            row["start"] = start.get(f.key, np.nan)
        row["value"] = float(get_value(params, f.key))
        if intervals is not None:
            lo, hi = intervals.get(f.key, (np.nan, np.nan))
            row["approx 95% low"], row["approx 95% high"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_report(
    params,
    targets: pd.DataFrame,
    out: str | os.PathLike[str],
    *,
    seed: int,
    n: int,
    engine: str = "fast",
    command: str,
    parameters: pd.DataFrame | None = None,
    extra_meta: dict | None = None,
    confirm_seeds: tuple[int, ...] = (),
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Evaluate ``params`` against every target and write the report; returns the report table.

    ``confirm_seeds``: evaluate the same parameters again with these seeds (same n) and show in
    the report which verdicts depend on the seed.
    """
    prog = (lambda k: log(f"simulating plan {k}")) if log else None
    table = evaluate(params, targets, seed=seed, n=n, engine=engine, progress=prog)
    rep = report_table(table)
    confirmation = None
    if confirm_seeds:
        by_seed = {seed: table}
        for s in confirm_seeds:
            if log:
                log(f"confirmation with seed {s}")
            by_seed[s] = evaluate(params, targets, seed=s, n=n, engine=engine, progress=prog)
        confirmation = confirmation_table(by_seed)
    meta = {"parameters hash": params_hash(params), "seed": seed, "n per plan": n, "engine": engine}
    meta.update(extra_meta or {})
    plans = {k: f"{p.description} (n = {max(int(round(n * p.size)), 1)})" for k, p in PLANS.items()}
    write_report(out, rep, command=command, meta=meta, confirmation=confirmation,
                 parameters=parameters if parameters is not None else _parameter_table(params), plans=plans)  # fmt: skip
    return rep


def calibrate_and_report(
    params,
    targets: pd.DataFrame,
    out: str | os.PathLike[str],
    *,
    seed: int,
    n: int,
    search_n: int,
    engine: str = "fast",
    max_iter: int = 6,
    command: str,
    confirm_seeds: tuple[int, ...] = (),
    log: Callable[[str], None] | None = None,
):
    """Search the free parameters (cohorts of ``search_n``), then report at ``n``; returns ``(params, result, table)``."""
    fitted, result = calibrate(params, targets, seed=seed, n=search_n, engine=engine, max_iter=max_iter, log=log)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "calibrated.yaml") as tmp:
        tmp.write_text(
            "# Calibrated values of the free parameters (an overlay: cvirisk.load_params(this file)).\n"
            f"# {command}\n" + yaml.safe_dump(result.overlay(), sort_keys=False)
        )
    with atomic_path(out / "search.csv") as tmp:
        pd.DataFrame(result.history_).to_csv(tmp, index=False, float_format="%.6g")
    ptab = _parameter_table(fitted, start=result.start_, intervals=result.intervals_)
    rep = evaluate_report(fitted, targets, out, seed=seed, n=n, engine=engine, command=command, parameters=ptab,
                          extra_meta={"search n per plan": search_n, "search iterations recorded": len(result.history_)},
                          confirm_seeds=confirm_seeds, log=log)  # fmt: skip
    return fitted, result, rep
