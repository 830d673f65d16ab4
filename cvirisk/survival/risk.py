"""Individual risk prediction by a horizon, and one evaluation of it.

:class:`RiskModel` predicts each person's probability of an endpoint (C3+, ulcer, DVT, ...)
within ``horizon`` years of baseline. Without competing causes it is ``1 - S(horizon | x)``
from a Cox model; given cause codes (0 censored, 1 endpoint, 2+ competing, as in
``survival_table(...)["cause_code"]``) it is the cumulative incidence from cause-specific Cox
models, so that death before the endpoint is not counted as risk.

:func:`evaluate` keeps only horizons inside follow-up and reports, per horizon, Harrell's
and Uno's C, the Brier score, the cumulative/dynamic AUC and calibration (ICI, E50, E90),
plus the integrated Brier score over the valid range and a calibration figure.

Examples
--------
>>> from cvirisk.survival.recovery import simulate_piecewise
>>> from cvirisk.random import generator
>>> df = simulate_piecewise(400, {"x": 0.7}, generator(1, "doc"))
>>> model = RiskModel(covariates=["x"]).fit(df, "duration", "event")
>>> res = evaluate(model, df, horizons=[1.0, 2.0])
>>> list(res["metrics"].columns)[:3]
['harrell_c', 'uno_c', 'brier']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError, NotFittedError
from cvirisk.survival import metrics as M
from cvirisk.survival.competing import CauseSpecificCox
from cvirisk.survival.fitters import CoxPH

__all__ = ["RiskModel", "evaluate", "valid_horizons"]


class RiskModel:
    """Risk of an endpoint by a horizon, from Cox (or cause-specific Cox) models.

    Parameters
    ----------
    covariates : sequence of str
        Predictors (e.g. ``baseline_features`` columns plus baseline ``age``).
    penalizer : float
        Ridge penalty of the Cox fits.
    """

    def __init__(self, covariates: Sequence[str], penalizer: float = 0.0):
        self.covariates = covariates
        self.penalizer = penalizer

    def fit(self, df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
            cause_col: str | None = None):
        """Fit on time since baseline; ``cause_col`` switches to competing risks."""
        cols = list(self.covariates)
        if cause_col is None:
            self.model_ = CoxPH(penalizer=self.penalizer).fit(df[[duration_col, event_col, *cols]],
                                                              duration_col, event_col)
        else:
            self.model_ = CauseSpecificCox(penalizer=self.penalizer).fit(
                df[[duration_col, cause_col, *cols]], duration_col, cause_col, covariates=cols)
        self.duration_col_, self.event_col_, self.cause_col_ = duration_col, event_col, cause_col
        self.covariates_ = cols
        return self

    def predict_risk(self, df: pd.DataFrame, horizon: float | Sequence[float]) -> np.ndarray:
        """Risk by ``horizon``: shape (n,) for one horizon, (len(horizon), n) for several."""
        if not hasattr(self, "model_"):
            raise NotFittedError("RiskModel is not fitted yet; call fit first")
        times = np.atleast_1d(np.asarray(horizon, float))
        x = df[self.covariates_]
        if isinstance(self.model_, CauseSpecificCox):
            out = self.model_.predict_cumulative_incidence(x, times, cause=1)
        else:
            out = 1.0 - self.model_.predict_survival_function(x, times=times).to_numpy()
        return out[0] if np.ndim(horizon) == 0 else out

    @property
    def summary(self) -> pd.DataFrame:
        if not hasattr(self, "model_"):
            raise NotFittedError("RiskModel is not fitted yet; call fit first")
        return self.model_.summary


def _status(model: RiskModel, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    time = data[model.duration_col_].to_numpy(float)
    if model.cause_col_ is not None:
        code = data[model.cause_col_].to_numpy().astype(int)
        k = getattr(model, "event_of_interest_", 1)
        return time, np.where(code == 0, 0, np.where(code == k, 1, 2))
    return time, data[model.event_col_].to_numpy().astype(int)


def valid_horizons(time: np.ndarray, status: np.ndarray, horizons: Sequence[float] | None):
    """Split horizons into valid ones and a dict of dropped ones with the reason.

    A horizon is valid when at least one event of interest happened by it, somebody is
    still followed after it, and the censoring survival there is positive. With
    ``horizons=None`` the quartiles of the event times are used.
    """
    events = time[status == 1]
    if len(events) == 0:
        raise InputError("evaluate: the data have no events of interest")
    if horizons is None:
        horizons = np.quantile(events, [0.25, 0.5, 0.75]).tolist()
    g_at, _ = M.censoring_survival(time, status)
    keep, dropped = [], {}
    for h in sorted(float(v) for v in horizons):
        if h < events.min():
            dropped[h] = f"before the first event ({events.min():.4g})"
        elif h >= time.max():
            dropped[h] = f"not before the end of follow-up ({time.max():.4g})"
        elif not (time > h).any() or g_at(h) <= 0:
            dropped[h] = "nobody left under observation"
        else:
            keep.append(h)
    return keep, dropped


METRICS = ("harrell_c", "uno_c", "brier", "auc", "ici", "e50", "e90")


def _metrics(model, data: pd.DataFrame, keep: list[float]) -> tuple[pd.DataFrame, dict]:
    time, status = _status(model, data)
    risks = np.atleast_2d(model.predict_risk(data, keep))
    rows, curves = [], {}
    for h, r in zip(keep, risks, strict=True):
        cal = M.calibration(time, status, r, h)
        curves[h] = cal["curve"]
        rows.append({
            "horizon": h,
            "harrell_c": M.harrell_c(np.minimum(time, h), np.where(time <= h, status, 0), r),
            "uno_c": M.uno_c(time, status, r, tau=h),
            "brier": M.brier_score(time, status, r, h),
            "auc": M.cumulative_dynamic_auc(time, status, r, h),
            "ici": cal["ici"], "e50": cal["e50"], "e90": cal["e90"],
        })
    return pd.DataFrame(rows).set_index("horizon"), curves


def _refit_risk_model(model: RiskModel):
    def refit(data: pd.DataFrame) -> RiskModel:
        return RiskModel(model.covariates_, model.penalizer).fit(data, model.duration_col_, model.event_col_,
                                                                 model.cause_col_)

    return refit


def evaluate(model: RiskModel, data: pd.DataFrame, horizons: Sequence[float] | None = None,
             *, n_grid: int = 20, bootstrap: int = 0, seed: int = 1, refit=None) -> dict:
    """Evaluate a fitted :class:`RiskModel` on ``data`` at valid ``horizons``.

    Returns a dict with ``metrics`` (a frame indexed by horizon: ``harrell_c, uno_c, brier,
    auc, ici, e50, e90``: the apparent figures, model and data the same), ``integrated_brier``
    (over the valid range, ``n_grid`` points; NaN with fewer than two valid horizons),
    ``dropped`` (horizon -> reason), ``calibration`` (horizon -> curve frame) and
    ``figure`` (the calibration plot).

    With ``bootstrap=B > 0`` it adds Harrell's optimism correction (Harrell, Lee & Mark,
    Stat Med 1996;15:361-87): the model is refitted on ``B`` bootstrap samples (drawn from
    ``seed``); each refit's figures on its own sample minus those on ``data`` estimate the
    optimism; ``optimism`` is its mean by horizon and metric, ``corrected`` the apparent
    figures minus it, ``bootstrap_used`` the samples whose refit and evaluation succeeded.
    ``refit(data) -> model`` refits the same specification (default: a RiskModel like ``model``).
    """
    from cvirisk.survival.plots import calibration_figure

    time, status = _status(model, data)
    keep, dropped = valid_horizons(time, status, horizons)
    if not keep:
        raise InputError(f"evaluate: no valid horizon; dropped {dropped}")
    table, curves = _metrics(model, data, keep)
    ibs = float("nan")
    if len(keep) >= 2:
        grid = np.linspace(keep[0], keep[-1], n_grid)
        ibs = M.integrated_brier_score(time, status, model.predict_risk(data, grid), grid)
    out = {"metrics": table, "integrated_brier": ibs, "dropped": dropped, "calibration": curves,
           "figure": calibration_figure(curves, title="calibration")}
    if bootstrap:
        out.update(_optimism(model, data, keep, table, int(bootstrap), seed, refit or _refit_risk_model(model)))
    return out


def _optimism(model, data, keep, apparent, n_boot, seed, refit) -> dict:
    import warnings

    from cvirisk.random import generator

    rng = generator(seed, "survival.evaluate.bootstrap")
    diffs = []
    n = len(data)
    for _ in range(n_boot):
        sample = data.iloc[rng.integers(0, n, n)].reset_index(drop=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = refit(sample)
                own, _ = _metrics(m, sample, keep)
                test, _ = _metrics(m, data, keep)
        except (InputError, ValueError, np.linalg.LinAlgError):
            continue  # a sample without events by a horizon, or a singular refit: not counted
        diffs.append((own - test)[list(METRICS)].to_numpy(float))
    if not diffs:
        raise InputError("evaluate: no bootstrap sample could be refitted and evaluated")
    optimism = pd.DataFrame(np.nanmean(np.stack(diffs), axis=0), index=apparent.index, columns=list(METRICS))
    return {"optimism": optimism, "corrected": apparent[list(METRICS)] - optimism, "bootstrap_used": len(diffs)}
