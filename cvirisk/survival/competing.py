"""Competing risks: Aalen-Johansen cumulative incidence and cause-specific Cox models.

Causes are integer codes: 0 censored, 1, 2, ... distinct causes (as in the ``cause_code``
column of :func:`cvirisk.survival.tables.survival_table`).

:class:`AalenJohansen` is written here rather than wrapped: lifelines' fitter breaks tied
event times of different causes by random jitter drawn from numpy's global state, which
this project does not touch. Tied times are handled exactly instead: at a time with ``d``
events of any cause (``d_k`` of cause ``k``) among ``n`` at risk,
``S(t) = S(t-) (1 - d/n)`` and ``F_k(t) = F_k(t-) + S(t-) d_k / n``
(Aalen & Johansen 1978). The variance is the Greenwood-type delta-method formula in
Collett, *Modelling Survival Data in Medical Research*, 3rd ed., p. 411 (the one lifelines
uses), with intervals on the log(-log) scale.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"time": [1.0, 2, 3, 4], "cause": [1, 2, 1, 0]})
>>> aj = AalenJohansen().fit(df, "time", "cause", event_of_interest=1)
>>> [round(float(v), 3) for v in aj.cumulative_incidence_.iloc[:, 0]]
[0.0, 0.25, 0.25, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.exceptions import InputError, NotFittedError
from cvirisk.survival.fitters import CoxPH

__all__ = ["AalenJohansen", "CauseSpecificCox"]


class AalenJohansen:
    """Cumulative incidence of one cause in the presence of the others, with delayed entry.

    Attributes (after ``fit``): ``cumulative_incidence_`` (indexed by time, starting at the
    first entry time), ``confidence_interval_``, ``variance_``, ``event_table_``.
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, event_of_interest: int = 1,
            entry_col: str | None = None):
        t = np.asarray(df[duration_col], float)
        cause = pd.to_numeric(pd.Series(np.asarray(df[cause_col])), errors="coerce").to_numpy(float)
        if not (np.isfinite(cause) & (cause >= 0) & (cause == np.round(cause))).all():
            raise InputError(f"column {cause_col!r}: causes must be integer codes 0 (censored), 1, 2, ...")
        cause = cause.astype(np.int64)
        entry = np.zeros_like(t) if entry_col is None else np.asarray(df[entry_col], float)
        times = np.unique(t[cause > 0])
        # at risk at time s: entry < s <= t
        n = (np.searchsorted(np.sort(entry), times, side="left")
             - np.searchsorted(np.sort(t), times, side="left")).astype(float)
        pos = np.searchsorted(times, t[cause > 0])
        d = np.bincount(pos, minlength=len(times)).astype(float)
        dk = np.bincount(pos[cause[cause > 0] == event_of_interest], minlength=len(times)).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - d / n)
            lag_s = np.concatenate([[1.0], surv[:-1]])
            inc = np.cumsum(lag_s * dk / n)
            a = np.where(n > d, d / (n * (n - d)), np.nan)
            b = lag_s**2 * dk * (n - dk) / n**3
            c = lag_s * dk / n**2
            # Var F(t) = sum_i a_i (F - F_i)^2 + sum_i b_i - 2 sum_i c_i (F - F_i), expanded in cumsums
            var = (inc**2 * np.cumsum(a) - 2 * inc * np.cumsum(a * inc) + np.cumsum(a * inc**2)
                   + np.cumsum(b) - 2 * (inc * np.cumsum(c) - np.cumsum(c * inc)))
            z = stats.norm.isf(self.alpha / 2)
            se = np.sqrt(np.clip(var, 0, None)) / (inc * np.abs(np.log(inc)))
            lower = np.exp(-np.exp(np.log(-np.log(inc)) + z * se))
            upper = np.exp(-np.exp(np.log(-np.log(inc)) - z * se))
        start = float(entry.min()) if len(entry) else 0.0
        index = pd.Index(np.concatenate([[start], times]), name="timeline")
        label = f"CIF_{event_of_interest}"
        self.cumulative_incidence_ = pd.DataFrame({label: np.concatenate([[0.0], inc])}, index=index)
        self.variance_ = pd.Series(np.concatenate([[0.0], var]), index=index, name="variance")
        self.confidence_interval_ = pd.DataFrame(
            {f"{label}_lower_{1 - self.alpha:g}": np.concatenate([[0.0], lower]),
             f"{label}_upper_{1 - self.alpha:g}": np.concatenate([[0.0], upper])}, index=index)
        self.event_table_ = pd.DataFrame({"at_risk": n, "observed": d, "observed_cause": dk},
                                         index=pd.Index(times, name="event_at"))
        self.event_of_interest_ = event_of_interest
        self.n_ = int(len(t))
        return self

    def _check(self) -> None:
        if not hasattr(self, "cumulative_incidence_"):
            raise NotFittedError("AalenJohansen is not fitted yet; call fit first")

    @property
    def summary(self) -> pd.DataFrame:
        """Cumulative incidence with its interval, one row a time."""
        self._check()
        out = pd.concat([self.cumulative_incidence_, self.confidence_interval_], axis=1)
        out.columns = ["cumulative_incidence", "lower", "upper"]
        return out

    def predict(self, times: Sequence[float] | float) -> np.ndarray:
        """Cumulative incidence at ``times`` (right-continuous step function)."""
        self._check()
        ci = self.cumulative_incidence_.iloc[:, 0]
        idx = np.searchsorted(ci.index.to_numpy(float), np.atleast_1d(times), side="right") - 1
        return np.where(idx >= 0, ci.to_numpy()[np.clip(idx, 0, None)], 0.0)

    def plot_cumulative_incidence(self, title: str | None = None):
        from cvirisk.survival.plots import step_curve_figure

        self._check()
        return step_curve_figure({f"cause {self.event_of_interest_}": self.summary}, "cumulative_incidence",
                                 ytitle="cumulative incidence", title=title)


class CauseSpecificCox:
    """One Cox model per cause, the other causes treated as censoring.

    ``fitters_`` maps each cause code to a fitted :class:`~cvirisk.survival.fitters.CoxPH`;
    ``summary`` stacks their summaries under a ``cause`` level. ``predict_cumulative_incidence``
    combines the cause-specific hazards into the absolute risk of one cause (Breslow
    baselines; no strata).
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0):
        self.alpha = alpha
        self.penalizer = penalizer

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, entry_col: str | None = None,
            covariates: Sequence[str] | None = None):
        cause = np.asarray(df[cause_col]).astype(np.int64)
        if covariates is None:
            covariates = [c for c in df.columns if c not in (duration_col, cause_col, entry_col)]
        cols = [duration_col] + ([entry_col] if entry_col else []) + list(covariates)
        self.fitters_ = {}
        for k in sorted(set(cause[cause > 0].tolist())):
            part = df[cols].assign(_event=(cause == k).astype(np.int64))
            self.fitters_[k] = CoxPH(self.alpha, self.penalizer).fit(part, duration_col, "_event", entry_col=entry_col)
        if not self.fitters_:
            raise InputError(f"column {cause_col!r}: no events of any cause")
        self.covariates_ = list(covariates)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        if not hasattr(self, "fitters_"):
            raise NotFittedError("CauseSpecificCox is not fitted yet; call fit first")
        return pd.concat({k: f.summary for k, f in self.fitters_.items()}, names=["cause"])

    def predict_cumulative_incidence(self, df: pd.DataFrame, times: Sequence[float], cause: int = 1) -> np.ndarray:
        """Absolute risk of ``cause`` by each of ``times``: array (len(times), len(df))."""
        if not hasattr(self, "fitters_"):
            raise NotFittedError("CauseSpecificCox is not fitted yet; call fit first")
        grid = np.unique(np.concatenate([f.baseline_cumulative_hazard_.index.to_numpy(float)
                                         for f in self.fitters_.values()]))
        x = df[self.covariates_]
        cum = {}
        for k, f in self.fitters_.items():
            h0 = f.baseline_cumulative_hazard_.iloc[:, 0]
            idx = np.searchsorted(h0.index.to_numpy(float), grid, side="right") - 1
            h0g = np.where(idx >= 0, h0.to_numpy()[np.clip(idx, 0, None)], 0.0)
            cum[k] = np.outer(h0g, f.predict_partial_hazard(x).to_numpy())
        total = sum(cum.values())
        surv_lag = np.exp(-np.vstack([np.zeros((1, len(df))), total[:-1]]))
        dh = np.diff(np.vstack([np.zeros((1, len(df))), cum[cause]]), axis=0)
        cif = np.cumsum(surv_lag * dh, axis=0)
        pos = np.searchsorted(grid, np.asarray(times, float), side="right") - 1
        return np.where(pos[:, None] >= 0, cif[np.clip(pos, 0, None)], 0.0)
