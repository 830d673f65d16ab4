"""The calibration's own check: does it recover parameters that generated the data?

Each repetition draws a true parameter set from the priors, simulates the studies at it
under the same designs and with the same study errors as the calibration's model
(:class:`cvirisk.calibration.bayes.TargetModel`), puts those synthetic figures in place of
the published ones, calibrates, and asks whether each parameter's central posterior interval
(90% by default) contains its true value. Truths drawn from the prior make the check exact
for a correct posterior: averaged over repetitions, a 90% interval covers 90% of the truths.
ABC with a tolerance above zero widens the posterior, so coverage at or somewhat above the
nominal rate is expected; well below it means the posterior is too narrow or shifted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.calibration.bayes import (
    ABCConfig,
    TargetDistance,
    TargetModel,
    declared_priors,
    fitted_targets,
    particles,
    run_abc,
)

__all__ = ["weighted_quantile", "synthetic_targets", "coverage_check", "coverage_summary"]


def weighted_quantile(x, w, q):
    """Quantiles ``q`` of values ``x`` with weights ``w`` (inverse of the weighted empirical distribution).

    >>> float(weighted_quantile([1, 2, 3], [1, 1, 2], 0.5))
    2.0
    """
    x = np.asarray(x, float)
    w = np.asarray(w, float)
    order = np.argsort(x)
    c = np.cumsum(w[order]) / w.sum()
    idx = np.minimum(np.searchsorted(c, np.asarray(q, float)), len(x) - 1)
    return x[order][idx]


def synthetic_targets(targets: pd.DataFrame, observed: dict[str, float]) -> pd.DataFrame:
    """The targets with their values replaced by ``observed``, keeping each target's scale.

    Every target gets the interval ``value +- 1.96 * scale`` of its original scale, so the
    distance and the study error stay those of the real calibration.
    """
    scales = TargetDistance.for_targets(targets).scales
    out = targets.copy()
    for t in out.index:
        v = float(observed[t])
        out.loc[t, "value"] = v
        out.loc[t, "low"] = v - 1.959963984540054 * scales[t]
        out.loc[t, "high"] = v + 1.959963984540054 * scales[t]
    return out


def coverage_check(
    params,
    targets: pd.DataFrame,
    config: ABCConfig,
    folder: str | os.PathLike[str],
    *,
    reps: int,
    level: float = 0.90,
    simulate: Callable | None = None,
    workers: int = 1,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Calibrate ``reps`` synthetic data sets; one row per (repetition, parameter).

    Columns: ``rep``, ``parameter``, ``truth``, ``low``, ``high`` (the central ``level``
    posterior interval), ``covered``, ``posterior_mean`` and ``final_epsilon``. Repetition ``r``
    uses the seeds ``config.seed + r`` (calibration) and ``1_000_003 * config.seed + r``
    (truth and synthetic data). The pyabc databases go to ``folder``.
    """
    priors = declared_priors(params, config.keys or None)
    ids = fitted_targets(targets) if simulate is None else list(targets.index)
    sub = targets.loc[ids]
    model = TargetModel(params, priors, sub, n=config.n, engine=config.engine, simulate=simulate)
    folder = Path(folder)
    rows = []
    for r in range(int(reps)):
        data_seed = 1_000_003 * config.seed + r
        u = np.random.default_rng(data_seed).random(len(priors))
        truth = {p.key: float(p.from_unit(ui)) for p, ui in zip(priors, u, strict=True)}
        obs = model.evaluate(truth, data_seed)
        synth = synthetic_targets(sub, {t: obs[t] for t in sub.index})
        cfg = replace(config, seed=config.seed + r)
        history = run_abc(
            params,
            synth,
            cfg,
            folder / f"rep{r}.db",
            workers=workers,
            simulate=simulate,
            progress=False,
        )
        parts = particles(history, priors, scale=cfg.scale)
        eps = float(history.get_all_populations()["epsilon"].iloc[-1])
        for p in priors:
            lo, hi = weighted_quantile(
                parts[p.key], parts["weight"], [(1 - level) / 2, (1 + level) / 2]
            )
            mean = float(
                p.from_x(np.average(p.to_x(parts[p.key].to_numpy(float)), weights=parts["weight"]))
            )
            rows.append({"rep": r, "parameter": p.key, "truth": truth[p.key], "low": float(lo), "high": float(hi),
                         "covered": bool(lo <= truth[p.key] <= hi), "posterior_mean": mean, "final_epsilon": eps})  # fmt: skip
        if log:
            got = sum(row["covered"] for row in rows if row["rep"] == r)
            log(
                f"repetition {r + 1}/{reps}: {got} of {len(priors)} truths inside their {level:.0%} interval"
            )
    return pd.DataFrame(rows)


def coverage_summary(table: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
    """Per parameter and overall: covered count, repetitions, rate and its exact binomial 95% interval."""
    from scipy import stats

    rows = []
    groups = [*table.groupby("parameter", sort=False), ("all", table)]
    for name, g in groups:
        k, n = int(g["covered"].sum()), len(g)
        ci = stats.binomtest(k, n, level).proportion_ci(0.95, method="exact")
        rows.append({"parameter": name, "covered": k, "intervals": n, "rate": k / n,
                     "rate_low": ci.low, "rate_high": ci.high, "nominal": level})  # fmt: skip
    return pd.DataFrame(rows)
