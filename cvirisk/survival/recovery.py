"""Parameter recovery: simulate from known hazard ratios, fit, report bias and interval coverage.

:func:`recover` takes any simulate-like callable ``simulate(rng) -> DataFrame`` (columns
``duration``, ``event``, optional ``entry``, and one column per true hazard ratio), so the
same check runs on the built-in generators here or on the full simulator. Each repetition
gets its own named stream ``generator(seed, "recovery", replication=rep)``.

Coverage of nominal ``1 - alpha`` intervals over ``n_reps`` repetitions is a binomial count;
``summary`` gives the exact two-sided acceptance region of that count at ``error_rate``
(the chance that a correct method falls outside it) so a test can assert on it.

Examples
--------
>>> import functools
>>> sim = functools.partial(simulate_piecewise, 300, {"x": 0.5})
>>> res = recover(sim, {"x": 0.5}, fitters=("pwexp",), n_reps=5, seed=1,
...               fit_kwargs={"pwexp": {"breakpoints": [1.0, 3.0]}})
>>> list(res.summary.columns)[:4]
['fitter', 'covariate', 'true_hr', 'mean_hr']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.exceptions import InputError
from cvirisk.random import generator

__all__ = ["RecoveryResult", "acceptance_region", "recover", "simulate_piecewise", "simulate_weibull"]


def _covariates(n: int, names: Sequence[str], rng: np.random.Generator, kinds: Mapping[str, str] | None):
    kinds = kinds or {}
    cols = {}
    for name in names:
        kind = kinds.get(name, "binary")
        if kind == "binary":
            cols[name] = (rng.random(n) < 0.5).astype(np.float64)
        elif kind == "normal":
            cols[name] = rng.standard_normal(n)
        else:
            raise InputError(f"covariate {name!r}: kind must be 'binary' or 'normal', not {kind!r}")
    return pd.DataFrame(cols)


def simulate_piecewise(
    n: int,
    log_hr: Mapping[str, float],
    rng: np.random.Generator,
    *,
    breakpoints: Sequence[float] = (1.0, 3.0),
    rates: Sequence[float] = (0.10, 0.20, 0.30),
    censor_rate: float = 0.10,
    follow_up: float = 5.0,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Times from a piecewise-constant baseline hazard times ``exp(x @ log_hr)``.

    Event times by inverse transform of the cumulative hazard at a unit exponential draw;
    exponential censoring at ``censor_rate`` and administrative censoring at ``follow_up``.
    Default rates are illustrative (0.1-0.3 per year), not taken from the literature.
    """
    if len(rates) != len(breakpoints) + 1:
        raise InputError("rates must have one more entry than breakpoints")
    x = _covariates(n, list(log_hr), rng, kinds)
    lp = x.to_numpy() @ np.array(list(log_hr.values()), float) if len(log_hr) else np.zeros(n)
    target = rng.exponential(size=n) * np.exp(-lp)  # baseline cumulative hazard to reach
    edges = np.concatenate([[0.0], np.asarray(breakpoints, float)])
    rates = np.asarray(rates, float)
    cum = np.concatenate([[0.0], np.cumsum(np.diff(edges) * rates[:-1])])  # H0 at each edge
    k = np.searchsorted(cum, target, side="right") - 1
    t_event = edges[k] + (target - cum[k]) / rates[k]
    t_cens = np.minimum(rng.exponential(size=n) / censor_rate if censor_rate > 0 else np.inf, follow_up)
    out = x.assign(duration=np.minimum(t_event, t_cens), event=(t_event <= t_cens).astype(np.int64))
    return out[["duration", "event", *log_hr]]


def simulate_weibull(
    n: int,
    log_hr: Mapping[str, float],
    rng: np.random.Generator,
    *,
    shape: float = 1.5,
    scale: float = 4.0,
    censor_rate: float = 0.10,
    follow_up: float = 5.0,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Times from a Weibull proportional hazards model ``H(t) = (t/scale)^shape exp(x @ log_hr)``."""
    x = _covariates(n, list(log_hr), rng, kinds)
    lp = x.to_numpy() @ np.array(list(log_hr.values()), float) if len(log_hr) else np.zeros(n)
    t_event = scale * (rng.exponential(size=n) * np.exp(-lp)) ** (1.0 / shape)
    t_cens = np.minimum(rng.exponential(size=n) / censor_rate if censor_rate > 0 else np.inf, follow_up)
    out = x.assign(duration=np.minimum(t_event, t_cens), event=(t_event <= t_cens).astype(np.int64))
    return out[["duration", "event", *log_hr]]


def acceptance_region(n_reps: int, level: float = 0.95, error_rate: float = 0.001) -> tuple[int, int]:
    """Exact two-sided binomial acceptance region for the number of covering intervals.

    A correct method's count falls outside ``[low, high]`` with probability at most
    ``error_rate``.
    """
    low = int(stats.binom.ppf(error_rate / 2, n_reps, level))
    high = int(stats.binom.isf(error_rate / 2, n_reps, level))
    return low, high


@dataclass(frozen=True)
class RecoveryResult:
    """``estimates``: one row a (repetition, fitter, covariate); ``summary``: one row a (fitter, covariate)."""

    estimates: pd.DataFrame
    summary: pd.DataFrame


def _fit_one(name: str, df: pd.DataFrame, covariates: list[str], alpha: float, kwargs: dict):
    from cvirisk.survival.fitters import CoxPH
    from cvirisk.survival.pwexp import PiecewiseExponential

    entry = "entry" if "entry" in df.columns else None
    if name == "cox":
        m = CoxPH(alpha=alpha, **kwargs).fit(df, "duration", "event", entry, covariates=covariates)
    elif name == "pwexp":
        m = PiecewiseExponential(alpha=alpha, **kwargs).fit(df, "duration", "event", entry, covariates=covariates)
    else:
        raise InputError(f"recovery fitter must be 'cox' or 'pwexp', not {name!r}")
    ci = m.summary
    lo = next(c for c in ci.columns if c.startswith("coef lower"))
    hi = next(c for c in ci.columns if c.startswith("coef upper"))
    return ci[["coef", lo, hi]].set_axis(["coef", "lower", "upper"], axis=1)


def recover(
    simulate: Callable[[np.random.Generator], pd.DataFrame],
    true_log_hr: Mapping[str, float],
    *,
    fitters: Sequence[str] = ("cox", "pwexp"),
    n_reps: int = 200,
    seed: int = 1,
    alpha: float = 0.05,
    error_rate: float = 0.001,
    fit_kwargs: Mapping[str, dict] | None = None,
) -> RecoveryResult:
    """Simulate ``n_reps`` data sets, fit each fitter, and summarise bias and coverage.

    Parameters
    ----------
    simulate
        ``simulate(rng) -> DataFrame`` with ``duration``, ``event`` (optional ``entry``) and
        the covariates named in ``true_log_hr``.
    true_log_hr
        True log hazard ratios.
    fitters
        Any of ``"cox"`` (lifelines Cox, Efron ties) and ``"pwexp"``.
    fit_kwargs
        Per-fitter constructor arguments, e.g. ``{"pwexp": {"breakpoints": [1, 3]}}``.
    """
    fit_kwargs = dict(fit_kwargs or {})
    names = list(true_log_hr)
    rows = []
    for rep in range(n_reps):
        df = simulate(generator(seed, "recovery", replication=rep))
        for f in fitters:
            est = _fit_one(f, df, names, alpha, dict(fit_kwargs.get(f, {})))
            for cov in names:
                rows.append({"rep": rep, "fitter": f, "covariate": cov, **est.loc[cov].to_dict()})
    est = pd.DataFrame(rows)
    truth = est["covariate"].map(dict(true_log_hr))
    est["covered"] = (est["lower"] <= truth) & (truth <= est["upper"])
    low, high = acceptance_region(n_reps, 1 - alpha, error_rate)
    g = est.assign(truth=truth).groupby(["fitter", "covariate"], sort=False)
    summary = g.agg(true_log_hr=("truth", "first"), mean_coef=("coef", "mean"), sd_coef=("coef", "std"),
                    covered=("covered", "sum"), n_reps=("covered", "size")).reset_index()
    summary.insert(2, "true_hr", np.exp(summary["true_log_hr"]))
    summary.insert(3, "mean_hr", np.exp(summary["mean_coef"]))
    summary["bias_log_hr"] = summary["mean_coef"] - summary["true_log_hr"]
    summary["mc_se_bias"] = summary["sd_coef"] / np.sqrt(summary["n_reps"])
    summary["coverage"] = summary["covered"] / summary["n_reps"]
    summary["accept_low"], summary["accept_high"] = low, high
    summary["coverage_ok"] = summary["covered"].between(low, high)
    return RecoveryResult(estimates=est, summary=summary.drop(columns=["true_log_hr"]))
