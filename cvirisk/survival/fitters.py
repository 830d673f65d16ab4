"""Fitters over lifelines that keep results, not training data.

Each class follows lifelines' idiom: settings in ``__init__``, data in ``fit(df, ...)``
which returns ``self``, results in attributes ending in ``_``, a ``summary`` table with
lifelines' columns, ``predict_*`` methods and ``plot_*`` methods returning plotly figures.
After ``fit`` the per-row arrays lifelines keeps (durations, events, weights, entries,
per-row predictions) are dropped, so a pickled model does not grow with the data
(lifelines issue #1544). Ties in Cox models are handled as lifelines does (Efron). With
delayed entry the Cox baseline hazard is recomputed with left-truncated risk sets (see
:func:`breslow_left_truncated`); coefficients are lifelines' own.

Examples
--------
>>> from cvirisk.data import load_rossi
>>> cox = CoxPH().fit(load_rossi(), "week", "arrest")
>>> round(float(cox.hazard_ratios_["prio"]), 3)
1.096
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter, KaplanMeierFitter, WeibullAFTFitter

from cvirisk.exceptions import ConvergenceWarning, InputError, NotFittedError

__all__ = ["CoxPH", "KaplanMeier", "TimeVaryingCox", "WeibullAFT", "breslow_left_truncated", "strip_training_data"]

#: Attributes in which lifelines fitters keep one value per training row.
_ROW_ATTRIBUTES = (
    "durations", "event_observed", "weights", "entry", "entries", "start_stop_and_events",
    "_predicted_partial_hazards_", "_predicted_median", "_predicted_cumulative_hazard_",
    "_clusters", "_norm_std_cache", "_central_values_cache",
)


def strip_training_data(model: object) -> object:
    """Set every per-row attribute of a fitted lifelines model to ``None`` (in place)."""
    for target in (model, getattr(model, "_model", None)):
        if target is None:
            continue
        for name in _ROW_ATTRIBUTES:
            if name in vars(target):
                setattr(target, name, None)
    return model


def breslow_left_truncated(duration, event, entry, weight, times, case_weight=None) -> np.ndarray:
    """Breslow cumulative hazard at ``times`` with risk sets ``{i: entry_i < t <= duration_i}``.

    ``weight`` is each row's relative hazard; ``case_weight`` (default 1) weights each row's
    events and its place in the risk sets (the Fine-Gray censoring weights). lifelines 0.30.3 builds its Cox baseline from
    risk sets that ignore ``entry_col`` (everyone with ``duration >= t``; lifelines issue
    #1416, open), which understates the baseline hazard under delayed entry; this is the
    estimator with left truncation, used by :class:`CoxPH` whenever ``entry_col`` is given.
    """
    duration, entry = np.asarray(duration, float), np.asarray(entry, float)
    event, weight = np.asarray(event).astype(bool), np.asarray(weight, float)
    cw = np.ones(len(duration)) if case_weight is None else np.asarray(case_weight, float)
    weight = weight * cw
    tk = np.unique(duration[event])
    o_t, o_e = np.argsort(duration), np.argsort(entry)
    cum_t = np.concatenate([[0.0], np.cumsum(weight[o_t])])
    cum_e = np.concatenate([[0.0], np.cumsum(weight[o_e])])
    at_risk = (cum_t[-1] - cum_t[np.searchsorted(duration[o_t], tk, side="left")]) - (
        cum_e[-1] - cum_e[np.searchsorted(entry[o_e], tk, side="left")])
    dk = np.bincount(np.searchsorted(tk, duration[event]), weights=cw[event], minlength=len(tk))
    cum = np.cumsum(dk / at_risk)
    pos = np.searchsorted(tk, np.asarray(times, float), side="right") - 1
    return np.where(pos >= 0, cum[np.clip(pos, 0, None)], 0.0)


def _fix_baseline_for_entry(cph, df, duration_col, event_col, entry_col, strata) -> None:
    """Replace a lifelines Cox baseline by the left-truncated Breslow estimate (same index, centring)."""
    model = getattr(cph, "_model", cph)
    names = list(cph.params_.index)
    x = df[names].to_numpy(float) - model._norm_mean.reindex(names).to_numpy(float)
    w = np.exp(x @ cph.params_.to_numpy())
    base = model.baseline_cumulative_hazard_
    times = base.index.to_numpy(float)
    new = pd.DataFrame(index=base.index)
    for key in base.columns:
        if strata:
            k = key if isinstance(key, tuple) else (key,)
            mask = np.ones(len(df), dtype=bool)
            for col, val in zip(strata, k, strict=True):
                mask &= (df[col] == val).to_numpy()
        else:
            mask = np.ones(len(df), dtype=bool)
        new[key] = breslow_left_truncated(df[duration_col].to_numpy()[mask], df[event_col].to_numpy()[mask],
                                          df[entry_col].to_numpy()[mask], w[mask], times)
    model.baseline_cumulative_hazard_ = new
    model.baseline_hazard_ = new.diff().fillna(new.iloc[:1])
    model.baseline_survival_ = np.exp(-new)


class _Fitted:
    """Shared plumbing: the not-fitted check and the lifelines warning translation."""

    _fitted_attr = "params_"

    def _check(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit first")

    @staticmethod
    def _fit_quietly(fn, *args, **kwargs):
        """Call a lifelines fit, re-issuing its convergence warnings as ConvergenceWarning."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:  # lifelines raises ConvergenceError and plain exceptions
                if type(exc).__name__ == "ConvergenceError":
                    raise InputError(f"the model did not converge ({str(exc).splitlines()[0].rstrip('.')}); "
                                     "try a smaller step (--step-size 0.1), a penalty (--penalizer 0.01), "
                                     "or rescale the covariates") from None
                raise
        for w in caught:
            if "converge" in str(w.message).lower() or type(w.message).__name__ == "ConvergenceWarning":
                warnings.warn(str(w.message).splitlines()[0], ConvergenceWarning, stacklevel=3)
        return out

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, self._fitted_attr) else "not fitted"
        return f"<{type(self).__name__} ({state})>"


class KaplanMeier(_Fitted):
    """Kaplan-Meier estimate of the survival function, with delayed entry.

    Attributes (after ``fit``): ``survival_function_``, ``confidence_interval_``,
    ``median_survival_time_``, ``event_table_``, ``n_``, ``events_``.
    """

    _fitted_attr = "survival_function_"

    #: Interval types: ``log-log`` (lifelines' and SAS's default), ``log`` (R survfit's
    #: default, ``conf.type = "log"``), ``plain`` (linear, clipped to [0, 1]).
    CI_TYPES = ("log-log", "log", "plain")

    def __init__(self, alpha: float = 0.05, label: str = "KM_estimate", ci: str = "log-log"):
        self.alpha = alpha
        self.label = label
        self.ci = ci

    def fit(self, df: pd.DataFrame, duration_col: str, event_col: str, entry_col: str | None = None):
        """Fit; intervals from Greenwood's variance on the scale named by ``ci``."""
        if self.ci not in self.CI_TYPES:
            raise InputError(f"confidence interval type {self.ci!r}: choose one of {', '.join(self.CI_TYPES)}")
        km = KaplanMeierFitter(alpha=self.alpha, label=self.label)
        km.fit(df[duration_col], df[event_col], entry=None if entry_col is None else df[entry_col])
        self.survival_function_ = km.survival_function_
        if self.ci == "log-log":
            self.confidence_interval_ = km.confidence_interval_survival_function_
        else:  # lifelines offers log(-log) only; the other two from the same Greenwood sum
            from scipy import stats

            table = km.event_table
            n, d = table["at_risk"].to_numpy(float), table["observed"].to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                greenwood = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf))
            surv = km.survival_function_.iloc[:, 0].to_numpy(float)
            z = stats.norm.isf(self.alpha / 2)
            se = np.sqrt(greenwood)
            if self.ci == "log":
                lo, hi = surv * np.exp(-z * se), surv * np.exp(z * se)
            else:
                lo, hi = surv - z * surv * se, surv + z * surv * se
            lo, hi = np.clip(np.nan_to_num(lo, nan=0.0), 0, 1), np.clip(np.nan_to_num(hi, nan=1.0), 0, 1)
            level = f"{1 - self.alpha:g}"
            self.confidence_interval_ = pd.DataFrame(
                {f"{self.label}_lower_{level}": lo, f"{self.label}_upper_{level}": hi},
                index=km.survival_function_.index)
        self.median_survival_time_ = float(km.median_survival_time_)
        self.event_table_ = km.event_table
        self.n_ = int(len(df))
        self.events_ = int(np.asarray(df[event_col]).sum())
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """The survival function with its confidence interval, one row a time."""
        self._check()
        out = pd.concat([self.survival_function_, self.confidence_interval_], axis=1)
        out.columns = ["survival", "lower", "upper"]
        out.index.name = "timeline"
        return out

    def predict(self, times: Sequence[float] | float) -> np.ndarray:
        """Survival probability at ``times`` (step function, right-continuous)."""
        self._check()
        sf = self.survival_function_.iloc[:, 0]
        idx = np.searchsorted(sf.index.to_numpy(float), np.atleast_1d(times), side="right") - 1
        vals = np.where(idx >= 0, sf.to_numpy()[np.clip(idx, 0, None)], 1.0)
        return vals

    def plot_survival_function(self, title: str | None = None):
        from cvirisk.survival.plots import step_curve_figure

        self._check()
        s = self.summary
        return step_curve_figure({self.label: s}, "survival", ytitle="survival probability", title=title)


class CoxPH(_Fitted):
    """Cox proportional hazards (Efron ties, optional strata and delayed entry).

    Parameters
    ----------
    alpha : float
        1 - confidence level of the intervals.
    penalizer : float
        Penalty passed to lifelines (0: none): ridge, or elastic net with ``l1_ratio``.
    l1_ratio : float
        Share of the penalty that is lasso (0: ridge only).
    step_size, max_steps : float, int, optional
        Newton-Raphson controls of lifelines (defaults 0.95 and 500); a smaller step makes
        a fit converge where the default overshoots (flchain on the age scale).
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0, l1_ratio: float = 0.0,
                 step_size: float | None = None, max_steps: int | None = None):
        self.alpha = alpha
        self.penalizer = penalizer
        self.l1_ratio = l1_ratio
        self.step_size = step_size
        self.max_steps = max_steps

    def _fit_options(self) -> dict | None:
        opts = {k: v for k, v in (("step_size", self.step_size), ("max_steps", self.max_steps)) if v is not None}
        return opts or None

    def fit(
        self,
        df: pd.DataFrame,
        duration_col: str,
        event_col: str,
        entry_col: str | None = None,
        strata: Sequence[str] | str | None = None,
        covariates: Sequence[str] | None = None,
    ):
        """Fit on ``df``; ``covariates`` defaults to every other column."""
        strata = [strata] if isinstance(strata, str) else (list(strata) if strata else None)
        used = [duration_col, event_col] + ([entry_col] if entry_col else []) + (strata or [])
        if covariates is not None:
            df = df[used + [c for c in covariates if c not in used]]
        cph = CoxPHFitter(alpha=self.alpha, penalizer=self.penalizer, l1_ratio=self.l1_ratio, strata=strata)
        self._fit_quietly(cph.fit, df, duration_col, event_col, entry_col=entry_col, strata=strata,
                          fit_options=self._fit_options())
        self.params_ = cph.params_.copy()
        self.hazard_ratios_ = cph.hazard_ratios_.copy()
        self.standard_errors_ = cph.standard_errors_.copy()
        self.confidence_intervals_ = cph.confidence_intervals_.copy()
        self.variance_matrix_ = cph.variance_matrix_.copy()
        self.log_likelihood_ = float(cph.log_likelihood_)
        self.concordance_index_ = float(cph.concordance_index_)
        if entry_col is not None:
            _fix_baseline_for_entry(cph, df, duration_col, event_col, entry_col, strata)
        self.baseline_cumulative_hazard_ = cph.baseline_cumulative_hazard_.copy()
        self.summary_ = cph.summary.copy()
        self.n_ = int(len(df))
        self.events_ = int(np.asarray(df[event_col]).sum())
        self.strata_ = strata
        self.covariates_ = list(self.params_.index)
        self._cols = {"duration": duration_col, "event": event_col, "entry": entry_col}
        self._lifelines = strip_training_data(cph)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' summary: ``coef, exp(coef), se(coef), ... , z, p, -log2(p)``."""
        self._check()
        return self.summary_

    def predict_partial_hazard(self, df: pd.DataFrame) -> pd.Series:
        """``exp((x - mean) @ beta)`` as lifelines defines it."""
        self._check()
        return self._lifelines.predict_partial_hazard(df)

    def predict_cumulative_hazard(self, df: pd.DataFrame, times: Sequence[float] | None = None) -> pd.DataFrame:
        """Cumulative hazards ``H0(t) exp((x - mean) @ beta)``, one column a row of ``df``.

        The Breslow baseline is a step function and is read as one: lifelines 0.30.3
        interpolates it linearly between event times when ``times`` fall between them,
        which overstates the risk at such horizons (16% on rossi grouped to months).
        """
        self._check()
        base = self.baseline_cumulative_hazard_
        grid = base.index.to_numpy(float)
        times = grid if times is None else np.atleast_1d(np.asarray(times, float))
        pos = np.searchsorted(grid, times, side="right") - 1
        names = list(self.params_.index)
        model = getattr(self._lifelines, "_model", self._lifelines)
        x = df[names].to_numpy(float) - model._norm_mean.reindex(names).to_numpy(float)
        rel = np.exp(x @ self.params_.to_numpy())
        if self.strata_:
            keys = [tuple(r) if len(self.strata_) > 1 else r[0] for r in df[self.strata_].itertuples(index=False)]
            columns = {k: i for i, k in enumerate(base.columns)}
            missing = sorted({str(k) for k in keys if k not in columns})
            if missing:
                raise InputError(f"strata {', '.join(missing)} were not in the training data")
            h0 = base.to_numpy(float)[:, [columns[k] for k in keys]]
        else:
            h0 = np.repeat(base.to_numpy(float)[:, :1], len(df), axis=1)
        h = np.where(pos[:, None] >= 0, h0[np.clip(pos, 0, None)], 0.0) * rel[None, :]
        return pd.DataFrame(h, index=pd.Index(times, name="timeline"), columns=df.index)

    def predict_survival_function(self, df: pd.DataFrame, times: Sequence[float] | None = None) -> pd.DataFrame:
        """Survival curves (step functions), one column a row of ``df`` (strata columns required if stratified)."""
        return np.exp(-self.predict_cumulative_hazard(df, times))

    def predict_risk(self, df: pd.DataFrame, horizon: float) -> np.ndarray:
        """Probability of the event by ``horizon`` (1 - S(horizon | x)), one value a row."""
        return 1.0 - self.predict_survival_function(df, times=[horizon]).to_numpy()[0]

    def check_assumptions(self, df: pd.DataFrame, time_transform: str = "rank") -> pd.DataFrame:
        """Proportional-hazards tests from scaled Schoenfeld residuals (lifelines), one row a covariate.

        ``df`` is the training table. Columns ``test_statistic``, ``p`` (chi-square, 1 df,
        Grambsch & Therneau 1994) with ``time_transform`` ``"rank"``, ``"km"``, ``"log"`` or
        ``"identity"``. A small p-value says the covariate's hazard ratio changes over time.
        """
        from lifelines.statistics import proportional_hazard_test

        self._check()
        data = self._training_frame(df)
        res = proportional_hazard_test(self._refit_for_residuals(data), data, time_transform=time_transform)
        out = res.summary[["test_statistic", "p"]].copy()
        out.index = [i[0] if isinstance(i, tuple) else i for i in out.index]
        out.index.name = "covariate"
        return out

    def scaled_schoenfeld(self, df: pd.DataFrame) -> pd.DataFrame:
        """Scaled Schoenfeld residuals (lifelines), one row an event, with its ``time``."""
        self._check()
        data = self._training_frame(df)
        cph = self._refit_for_residuals(data)
        res = cph.compute_residuals(data, kind="scaled_schoenfeld")
        times = data.loc[res.index, self._cols["duration"]].to_numpy(float)
        return res.assign(time=times).sort_values("time")

    def _training_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        cols = self._cols
        used = [cols["duration"], cols["event"]] + ([cols["entry"]] if cols["entry"] else []) + (self.strata_ or [])
        return df[used + list(self.params_.index)]

    def _refit_for_residuals(self, data: pd.DataFrame):
        """lifelines needs its per-row state for residuals; a fit started at our solution is one step."""
        cols = self._cols
        cph = CoxPHFitter(alpha=self.alpha, penalizer=self.penalizer, l1_ratio=self.l1_ratio, strata=self.strata_)
        self._fit_quietly(cph.fit, data, cols["duration"], cols["event"], entry_col=cols["entry"],
                          strata=self.strata_, initial_point=self.params_.to_numpy().copy(),  # lifelines scales it in place
                          fit_options=self._fit_options())
        return cph

    def plot_schoenfeld(self, df: pd.DataFrame, title: str | None = None):
        from cvirisk.survival.plots import schoenfeld_figure

        return schoenfeld_figure(self.scaled_schoenfeld(df), self.params_, title=title)

    def plot_hazard_ratios(self, title: str | None = None):
        from cvirisk.survival.plots import forest_figure

        return forest_figure(self.summary, title=title)


class TimeVaryingCox(CoxPH):
    """Cox model with time-varying covariates, on start/stop rows (lifelines' CoxTimeVaryingFitter).

    ``fit(df, id_col, start_col, stop_col, event_col, strata=None)``; see
    :func:`cvirisk.survival.tables.time_varying_table` for the input form.
    """

    def fit(self, df, id_col, start_col, stop_col, event_col, strata=None):  # type: ignore[override]
        strata = [strata] if isinstance(strata, str) else strata
        ctv = CoxTimeVaryingFitter(alpha=self.alpha, penalizer=self.penalizer)
        self._fit_quietly(ctv.fit, df, id_col=id_col, event_col=event_col, start_col=start_col,
                          stop_col=stop_col, strata=strata)
        self.params_ = ctv.params_.copy()
        self.hazard_ratios_ = ctv.hazard_ratios_.copy()
        self.standard_errors_ = ctv.standard_errors_.copy()
        self.confidence_intervals_ = ctv.confidence_intervals_.copy()
        self.variance_matrix_ = ctv.variance_matrix_.copy()
        self.log_likelihood_ = float(ctv.log_likelihood_)
        self.baseline_cumulative_hazard_ = ctv.baseline_cumulative_hazard_.copy()
        self.summary_ = ctv.summary.copy()
        self.n_ = int(df[id_col].nunique())
        self.events_ = int(np.asarray(df[event_col]).sum())
        self.strata_ = strata
        self.covariates_ = list(self.params_.index)
        self._lifelines = strip_training_data(ctv)
        return self

    def predict_survival_function(self, df, times=None):  # pragma: no cover - lifelines has none
        raise NotImplementedError("a time-varying Cox model predicts partial hazards only")


class WeibullAFT(_Fitted):
    """Weibull accelerated failure time model (lifelines' WeibullAFTFitter), delayed entry allowed.

    ``summary`` has one row per (parameter, covariate): ``lambda_`` rows are log time
    ratios, the ``rho_`` row is the log shape.
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0):
        self.alpha = alpha
        self.penalizer = penalizer

    def fit(self, df, duration_col, event_col, entry_col=None, covariates=None):
        used = [duration_col, event_col] + ([entry_col] if entry_col else [])
        if covariates is not None:
            df = df[used + [c for c in covariates if c not in used]]
        if (np.asarray(df[duration_col], float) <= 0).any():
            raise InputError(f"column {duration_col!r}: a Weibull model needs positive durations")
        aft = WeibullAFTFitter(alpha=self.alpha, penalizer=self.penalizer)
        self._fit_quietly(aft.fit, df, duration_col, event_col, entry_col=entry_col)
        self.params_ = aft.params_.copy()
        self.standard_errors_ = aft.standard_errors_.copy()
        self.confidence_intervals_ = aft.confidence_intervals_.copy()
        self.variance_matrix_ = aft.variance_matrix_.copy()
        self.log_likelihood_ = float(aft.log_likelihood_)
        self.AIC_ = float(aft.AIC_)
        self.concordance_index_ = float(aft.concordance_index_)
        self.summary_ = aft.summary.copy()
        self.n_ = int(len(df))
        self.events_ = int(np.asarray(df[event_col]).sum())
        self.covariates_ = [c for c in self.params_.loc["lambda_"].index if c != "Intercept"]
        self._lifelines = strip_training_data(aft)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        self._check()
        return self.summary_

    def predict_survival_function(self, df, times=None):
        self._check()
        return self._lifelines.predict_survival_function(df, times=times)

    def predict_median(self, df) -> pd.Series:
        self._check()
        return self._lifelines.predict_median(df)

    def predict_risk(self, df, horizon: float) -> np.ndarray:
        return 1.0 - self.predict_survival_function(df, times=[horizon]).to_numpy()[0]

    def plot_coefficients(self, title: str | None = None):
        from cvirisk.survival.plots import forest_figure

        return forest_figure(self.summary, title=title, exponentiate=True, xtitle="time ratio exp(coef)")
