"""Piecewise-exponential proportional hazards: Poisson regression on aggregated person-time.

With the time axis cut at breakpoints ``b_1 < ... < b_{J-1}``, the hazard of a person with
covariates ``x`` in interval ``j`` is ``exp(alpha_j + x @ beta)``. The likelihood of
right-censored, left-truncated data under this model equals a Poisson likelihood for the
event counts ``D`` with offset ``log(person-time)`` (Holford 1980; Laird & Olivier 1981), and
it depends on the data only through ``D`` and person-time summed per (covariate pattern,
interval). So the fit is exact -- the maximum-likelihood estimate, not an approximation --
whenever the true baseline hazard is constant between the breakpoints, and its cost after
one pass over the rows is set by the number of distinct covariate patterns, not persons.
The Poisson fit is statsmodels' GLM (IRLS) on the cells, with offset ``log(person-time)``;
intervals are Wald intervals from its inverse information.

Examples
--------
>>> from cvirisk.data import load_rossi
>>> m = PiecewiseExponential(n_intervals=6).fit(load_rossi(), "week", "arrest")
>>> round(float(m.hazard_ratios_["prio"]), 2)
1.1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cvirisk.exceptions import ConvergenceWarning, InputError, NotFittedError
from cvirisk.survival._summary import summary_table

__all__ = ["PiecewiseExponential", "person_time"]


def person_time(duration: np.ndarray, event: np.ndarray, entry: np.ndarray, breakpoints: np.ndarray):
    """Person-time and event indicator per row and interval, shape (n, J).

    Interval ``j`` is ``(edges[j], edges[j+1]]`` with ``edges = [-inf, *breakpoints, inf]``;
    a row contributes from ``entry`` to ``duration``.
    """
    edges = np.concatenate([[-np.inf], breakpoints, [np.inf]])
    lo = np.maximum(entry[:, None], edges[None, :-1])
    hi = np.minimum(duration[:, None], edges[None, 1:])
    exposure = np.clip(hi - lo, 0.0, None)
    j = np.searchsorted(breakpoints, duration, side="left")
    return exposure, j, event.astype(bool)


class PiecewiseExponential:
    """Hazard ratios from a piecewise-constant baseline hazard, fast on large cohorts.

    Parameters
    ----------
    breakpoints : sequence of float, optional
        Interior cut points of the time axis. Default: quantiles of the event times giving
        ``n_intervals`` intervals with about equal numbers of events.
    n_intervals : int
        Number of intervals when ``breakpoints`` is not given.
    alpha : float
        1 - confidence level.
    max_iter, tol : int, float
        Iteration limits of statsmodels' IRLS (``tol`` on the change in deviance).

    Attributes (after ``fit``)
    --------------------------
    params_, hazard_ratios_, standard_errors_, confidence_intervals_, variance_matrix_ :
        log hazard ratios and their uncertainty, one entry a covariate.
    baseline_hazards_ : DataFrame
        ``start, stop, hazard, events, person_time, exposure`` per interval; ``hazard`` is
        per unit time for a person whose covariates are all zero (not centred); ``exposure``
        is person-time weighted by ``exp(x @ beta)``, so ``hazard = events / exposure``.
    breakpoints_, log_likelihood_, n_, events_, n_cells_, n_iter_.
    """

    def __init__(self, breakpoints: Sequence[float] | None = None, n_intervals: int = 8,
                 alpha: float = 0.05, max_iter: int = 50, tol: float = 1e-9):
        self.breakpoints = breakpoints
        self.n_intervals = n_intervals
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def _breakpoints(self, duration: np.ndarray, event: np.ndarray) -> np.ndarray:
        if self.breakpoints is not None:
            return np.unique(np.asarray(self.breakpoints, float))
        times = duration[event]
        q = np.quantile(times, np.linspace(0, 1, int(self.n_intervals) + 1)[1:-1])
        return np.unique(q)

    def fit(self, df: pd.DataFrame, duration_col: str, event_col: str, entry_col: str | None = None,
            covariates: Sequence[str] | None = None):
        """Fit on ``df``; ``covariates`` defaults to every other column (numeric)."""
        if covariates is None:
            covariates = [c for c in df.columns if c not in (duration_col, event_col, entry_col)]
        covariates = list(covariates)
        duration = np.asarray(df[duration_col], float)
        event = np.asarray(df[event_col]).astype(bool)
        entry = np.zeros(len(df)) if entry_col is None else np.asarray(df[entry_col], float)
        x = df[covariates].to_numpy(float) if covariates else np.zeros((len(df), 0))
        if event.sum() < 1:
            raise InputError("no events: a piecewise-exponential model needs at least one")
        bp = self._breakpoints(duration, event)
        exposure, j_event, event = person_time(duration, event, entry, bp)
        n_int = exposure.shape[1]
        # aggregate rows sharing a covariate pattern (hash grouping; exact, no rounding)
        if covariates and len(df) > 0:
            group = pd.DataFrame(x).groupby(list(range(x.shape[1])), sort=False).ngroup().to_numpy()
        else:
            group = np.zeros(len(df), dtype=np.int64)
        n_groups = int(group.max()) + 1 if len(group) else 0
        first = np.zeros(n_groups, dtype=np.int64)
        first[group[::-1]] = np.arange(len(group))[::-1]
        xg = x[first]
        tg = np.column_stack([np.bincount(group, weights=exposure[:, k], minlength=n_groups) for k in range(n_int)])
        dg = np.bincount(group[event] * n_int + j_event[event], minlength=n_groups * n_int)
        dg = dg.reshape(n_groups, n_int).astype(float)
        d_int = dg.sum(axis=0)
        if (d_int == 0).any():
            empty = [k for k in range(n_int) if d_int[k] == 0]
            raise InputError(f"no events in time interval(s) {empty} of breakpoints {bp.tolist()}; use fewer intervals")
        self._newton(xg, tg, dg, n_int, covariates)
        edges = np.concatenate([[float(entry.min()) if len(entry) else 0.0], bp, [np.inf]])
        self.baseline_hazards_ = pd.DataFrame({
            "start": edges[:-1], "stop": edges[1:], "hazard": np.exp(self._alpha),
            "events": d_int, "person_time": tg.sum(axis=0), "exposure": self._exposure})
        self.breakpoints_ = bp
        self.n_, self.events_, self.n_cells_ = int(len(df)), int(event.sum()), int((tg > 0).sum())
        self.covariates_ = covariates
        return self

    def _newton(self, xg, tg, dg, n_int, names):
        """Poisson GLM with offset log(person-time) on the (pattern, interval) cells (statsmodels)."""
        import warnings

        import statsmodels.api as sm
        from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

        p = xg.shape[1]
        g_idx, k_idx = np.nonzero(tg > 0)
        design = np.zeros((len(g_idx), n_int + p))
        design[np.arange(len(g_idx)), k_idx] = 1.0
        design[:, n_int:] = xg[g_idx]
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise InputError("the information matrix is singular: a covariate is constant or collinear")
        y, offset = dg[g_idx, k_idx], np.log(tg[g_idx, k_idx])
        start = np.concatenate([np.log(dg.sum(axis=0) / tg.sum(axis=0)), np.zeros(p)])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset).fit(
                start_params=start, maxiter=self.max_iter, tol=self.tol)
        converged = bool(res.converged) and not any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
        if not converged:
            warnings.warn(f"piecewise-exponential fit did not converge in {self.max_iter} iterations",
                          ConvergenceWarning, stacklevel=3)
        theta = np.asarray(res.params, float)
        cov = np.asarray(res.cov_params(), float)
        alpha, beta = theta[:n_int], theta[n_int:]
        eta = design @ theta
        mu = np.zeros_like(tg)
        mu[g_idx, k_idx] = np.exp(eta + offset)
        idx = pd.Index(names, name="covariate")
        self._alpha = alpha
        self._exposure = mu.sum(axis=0) / np.exp(alpha)  # person-time times exp(x @ beta), per interval
        self.params_ = pd.Series(beta, index=idx, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov[n_int:, n_int:], index=idx, columns=idx)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)[n_int:]), index=idx, name="se(coef)")
        self.summary_ = summary_table(self.params_, self.standard_errors_, self.alpha)
        ci = f"{100 * (1 - self.alpha):g}"
        self.confidence_intervals_ = self.summary_[[f"coef lower {ci}%", f"coef upper {ci}%"]].copy()
        self.hazard_ratios_ = np.exp(self.params_).rename("exp(coef)")
        # The survival log-likelihood sum(d * log hazard) - sum(cumulative hazard): it does not
        # depend on how rows are grouped into cells. statsmodels' Poisson llf adds
        # sum(d log T) - sum(log d!), which change when a covariate splits the cells, so it
        # cannot be compared across models (issue 15: adding noise to rossi lowered it).
        self.log_likelihood_ = float((y * eta).sum() - mu.sum())
        self.n_iter_ = int(getattr(res, "fit_history", {}).get("iteration", 0))

    def _check(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("PiecewiseExponential is not fitted yet; call fit first")

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' summary columns, one row a covariate."""
        self._check()
        return self.summary_

    def predict_cumulative_hazard(self, df: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        """Cumulative hazard from the start of the time axis to ``times``: (len(times), len(df))."""
        self._check()
        b = self.baseline_hazards_
        t = np.asarray(times, float)
        start = float(b["start"].iloc[0])
        exposure = np.clip(np.minimum(t[:, None], b["stop"].to_numpy()[None, :]) - np.maximum(
            start, b["start"].to_numpy())[None, :], 0.0, None)
        h0 = exposure @ b["hazard"].to_numpy()
        lp = df[self.covariates_].to_numpy(float) @ self.params_.to_numpy() if self.covariates_ else np.zeros(len(df))
        return np.outer(h0, np.exp(lp))

    def predict_survival_function(self, df: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """Survival from the start of the time axis, one column a row of ``df``."""
        return pd.DataFrame(np.exp(-self.predict_cumulative_hazard(df, times)), index=pd.Index(times))

    def predict_risk(self, df: pd.DataFrame, horizon: float) -> np.ndarray:
        """Probability of the event by ``horizon``, one value a row."""
        return 1.0 - np.exp(-self.predict_cumulative_hazard(df, [horizon])[0])

    def plot_hazard_ratios(self, title: str | None = None):
        from cvirisk.survival.plots import forest_figure

        return forest_figure(self.summary, title=title)

    def plot_baseline_hazard(self, title: str | None = None):
        from cvirisk.survival.plots import baseline_hazard_figure

        self._check()
        return baseline_hazard_figure(self.baseline_hazards_, title=title)

    def __repr__(self) -> str:
        return f"<PiecewiseExponential ({'fitted' if hasattr(self, 'params_') else 'not fitted'})>"


def _information(xg: np.ndarray, mu: np.ndarray, n_int: int) -> np.ndarray:
    p = xg.shape[1]
    info = np.empty((n_int + p, n_int + p))
    info[:n_int, :n_int] = np.diag(mu.sum(axis=0))
    info[:n_int, n_int:] = mu.T @ xg
    info[n_int:, :n_int] = info[:n_int, n_int:].T
    info[n_int:, n_int:] = (xg * mu.sum(axis=1)[:, None]).T @ xg
    return info
