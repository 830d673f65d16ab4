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
from cvirisk.survival.fitters import CoxPH, breslow_left_truncated

__all__ = ["AalenJohansen", "CauseSpecificCox", "FineGray", "finegray_table"]


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
        if event_of_interest not in set(cause[cause > 0].tolist()):
            present = ", ".join(str(k) for k in sorted(set(cause[cause > 0].tolist()))) or "none"
            raise InputError(f"event of interest {event_of_interest}: no row of column {cause_col!r} has that "
                             f"cause (causes present: {present})")
        # Without delayed entry everybody is at risk from the origin, so an event at time 0
        # (scikit-survival's bmt data has two) is counted among n at risk; with delayed entry
        # the risk set at s is {entry < s <= t}, and rows with entry == t are rejected upstream.
        entry = np.full_like(t, -np.inf) if entry_col is None else np.asarray(df[entry_col], float)
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
        start = min(0.0, float(t.min())) if entry_col is None else float(entry.min())
        # the curve starts at 0 just before the first time; an event at the start time is its first jump
        head = [] if len(times) and times[0] <= start else [start]
        zero = [0.0] * len(head)
        index = pd.Index(np.concatenate([head, times]), name="timeline")
        label = f"CIF_{event_of_interest}"
        self.cumulative_incidence_ = pd.DataFrame({label: np.concatenate([zero, inc])}, index=index)
        self.variance_ = pd.Series(np.concatenate([zero, var]), index=index, name="variance")
        self.confidence_interval_ = pd.DataFrame(
            {f"{label}_lower_{1 - self.alpha:g}": np.concatenate([zero, lower]),
             f"{label}_upper_{1 - self.alpha:g}": np.concatenate([zero, upper])}, index=index)
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


def finegray_table(time: np.ndarray, cause: np.ndarray, event_of_interest: int = 1) -> pd.DataFrame:
    """The censoring-weighted counting-process data set of the Fine-Gray model.

    Returns one or more rows per person: ``row`` (position in the input), ``start``,
    ``stop``, ``event`` (1 for an event of interest at ``stop``) and ``weight``. A person
    with an event of interest or censored has one row ``(origin, t]`` with weight 1 (the
    origin is one time unit before the earliest time, so events at time 0 count). A person
    with a competing event at ``T`` stays in the risk set after ``T``: rows ``(T, c_1],
    (c_1, c_2], ...`` cut at the later censoring times ``c_m`` (up to the last event of
    interest), weighted ``G(s-) / G(T-)`` for ``s`` in the row, ``G`` the Kaplan-Meier
    estimate of the censoring distribution (Fine & Gray, JASA 1999;94:496-509; the
    data-set form of Geskus, Biometrics 2011;67:39-49, as R's ``survival::finegray``).
    """
    from cvirisk.survival.metrics import censoring_survival

    t = np.asarray(time, float)
    c = np.asarray(cause).astype(np.int64)
    g_at, g_before = censoring_survival(t, c)
    target = t[c == event_of_interest]
    last = float(target.max()) if len(target) else -np.inf
    cens = np.unique(t[c == 0])
    origin = min(0.0, float(t.min())) - 1.0  # before every time: an event at time 0 stays in its risk set
    base = pd.DataFrame({"row": np.arange(len(t)), "start": origin, "stop": t,
                         "event": (c == event_of_interest).astype(np.int64), "weight": 1.0})
    parts = [base]
    comp = np.flatnonzero((c > 0) & (c != event_of_interest) & (t < last))
    if len(comp):
        rows, starts, stops, weights = [], [], [], []
        for i in comp:
            cuts = cens[(cens > t[i]) & (cens < last)]
            edges = np.concatenate([[t[i]], cuts, [last]])
            g0 = float(g_before(t[i]))
            w = g_at(edges[:-1]) / g0  # G(s-) on (edge_m, edge_m+1] is G(edge_m)
            keep = w > 0
            rows.append(np.full(int(keep.sum()), i))
            starts.append(edges[:-1][keep])
            stops.append(edges[1:][keep])
            weights.append(w[keep])
        parts.append(pd.DataFrame({"row": np.concatenate(rows), "start": np.concatenate(starts),
                                   "stop": np.concatenate(stops), "event": 0,
                                   "weight": np.concatenate(weights)}))
    return pd.concat(parts, ignore_index=True)


class FineGray:
    """Fine-Gray proportional subdistribution hazards model for one cause.

    The coefficients come from lifelines' weighted Cox fit (Efron ties, robust sandwich
    variance clustered on the person, as R's ``coxph(..., weights = fgwt, cluster = id)``
    after ``finegray``) on :func:`finegray_table`. The baseline cumulative subdistribution
    hazard is the weighted Breslow estimate with the rows' delayed entry (lifelines' own
    baseline ignores ``entry_col``, lifelines issue #1416). Predictions are cumulative
    incidences ``1 - exp(-H0(t) exp(x @ beta))``. No delayed entry of persons: the weights
    assume a common time origin.

    Attributes (after ``fit``): ``params_``, ``hazard_ratios_`` (subdistribution),
    ``standard_errors_``, ``summary``, ``baseline_cumulative_hazard_`` (at zero covariates),
    ``event_of_interest_``, ``covariates_``, ``n_``, ``events_``.
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0):
        self.alpha = alpha
        self.penalizer = penalizer

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, event_of_interest: int = 1,
            covariates: Sequence[str] | None = None):
        import warnings

        from lifelines import CoxPHFitter

        from cvirisk.survival.fitters import _Fitted, strip_training_data

        if covariates is None:
            covariates = [c for c in df.columns if c not in (duration_col, cause_col)]
        covariates = list(covariates)
        t = np.asarray(df[duration_col], float)
        cause = np.asarray(df[cause_col]).astype(np.int64)
        if not (cause == event_of_interest).any():
            raise InputError(f"event of interest {event_of_interest}: no row of column {cause_col!r} has that cause")
        table = finegray_table(t, cause, event_of_interest)
        x = df[covariates].reset_index(drop=True).to_numpy(float)
        data = pd.DataFrame(x[table["row"].to_numpy()], columns=covariates)
        data = data.assign(_start=table["start"].to_numpy(), _stop=table["stop"].to_numpy(),
                           _event=table["event"].to_numpy(), _weight=table["weight"].to_numpy(),
                           _id=table["row"].to_numpy())
        cph = CoxPHFitter(alpha=self.alpha, penalizer=self.penalizer)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*weights.*")  # non-integer weights are the method
            _Fitted._fit_quietly(cph.fit, data, "_stop", "_event", entry_col="_start", weights_col="_weight",
                                 cluster_col="_id", robust=True)
        self.params_ = cph.params_.copy()
        self.hazard_ratios_ = cph.hazard_ratios_.copy()
        self.standard_errors_ = cph.standard_errors_.copy()
        self.variance_matrix_ = cph.variance_matrix_.copy()
        self.summary_ = cph.summary.copy()
        rel = np.exp(data[covariates].to_numpy(float) @ self.params_.to_numpy())
        times = np.unique(t[cause == event_of_interest])
        h0 = breslow_left_truncated(data["_stop"], data["_event"], data["_start"], rel, times,
                                    case_weight=data["_weight"])
        self.baseline_cumulative_hazard_ = pd.Series(h0, index=pd.Index(times, name="timeline"),
                                                     name="baseline cumulative subdistribution hazard")
        self.event_of_interest_ = event_of_interest
        self.covariates_ = covariates
        self.n_, self.events_ = int(len(df)), int((cause == event_of_interest).sum())
        self.n_rows_ = int(len(data))
        strip_training_data(cph)
        return self

    def _check(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("FineGray is not fitted yet; call fit first")

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' summary columns; ``exp(coef)`` is the subdistribution hazard ratio."""
        self._check()
        return self.summary_

    def predict_cumulative_incidence(self, df: pd.DataFrame, times: Sequence[float] | float) -> np.ndarray:
        """Cumulative incidence of the cause by each of ``times``: array (len(times), len(df))."""
        self._check()
        h0 = self.baseline_cumulative_hazard_
        pos = np.searchsorted(h0.index.to_numpy(float), np.atleast_1d(np.asarray(times, float)), side="right") - 1
        h = np.where(pos >= 0, h0.to_numpy()[np.clip(pos, 0, None)], 0.0)
        rel = np.exp(df[self.covariates_].to_numpy(float) @ self.params_.to_numpy())
        return 1.0 - np.exp(-np.outer(h, rel))

    def predict_risk(self, df: pd.DataFrame, horizon: float) -> np.ndarray:
        """Cumulative incidence by ``horizon``, one value a row."""
        return self.predict_cumulative_incidence(df, [horizon])[0]

    def plot_hazard_ratios(self, title: str | None = None):
        from cvirisk.survival.plots import forest_figure

        return forest_figure(self.summary, title=title, xtitle="subdistribution hazard ratio")

    def __repr__(self) -> str:
        return f"<FineGray ({'fitted' if hasattr(self, 'params_') else 'not fitted'})>"
