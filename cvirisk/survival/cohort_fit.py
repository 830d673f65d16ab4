"""Fit one of the models to a validated cohort table: the science behind ``cvirisk fit``.

The command line and the dashboard's *Fit your data* tab both call :func:`fit_model` on the
table returned by :func:`cvirisk.io.cohort_file.read_cohort_file`, so they give the same
numbers, and both predict a person's risk through :meth:`CohortFit.predict_risk`, so the
model the user chose is the model that answers.

Covariates go through a formula (:class:`cvirisk.survival.design.Design`): text columns
become categories, and ``formula`` allows reference levels, interactions and splines.

Examples
--------
>>> from cvirisk.data import load_rossi
>>> from cvirisk.io.cohort_file import CohortColumns
>>> res = fit_model(load_rossi(), CohortColumns("week", "arrest", covariates=("fin", "prio")), "cox")
>>> res.summary["covariate"].tolist(), sorted(res.figures)
(['fin', 'prio'], ['hazard_ratios', 'schoenfeld'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.cohort_file import CohortColumns

__all__ = ["MODELS", "REGRESSION_MODELS", "CohortFit", "FittedRisk", "evaluate_fit", "fit_model", "risk_interval"]

#: Model names accepted by :func:`fit_model` and ``cvirisk fit --model``.
MODELS = ("km", "cox", "weibull", "aj", "pwexp", "fg")
#: Models with covariates (and so a risk for a person).
REGRESSION_MODELS = ("cox", "weibull", "pwexp", "fg")
#: Models whose event column holds cause codes 0, 1, 2, ...
CAUSE_MODELS = ("aj", "fg")


@dataclass
class CohortFit:
    """A fitted model, its summary table (ready for ``summary.csv``) and its plotly figures by name.

    ``design`` encodes covariates for the regression models; ``checks`` holds the
    proportional-hazards tests of a Cox model (one row a covariate); ``notes`` lists
    what the user should know about the fit (one sentence each).
    """

    model: Any
    summary: pd.DataFrame
    figures: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    columns: CohortColumns | None = None
    design: Any = None
    checks: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    def refit(self, df: pd.DataFrame) -> CohortFit:
        """The same specification fitted to ``df`` (no PH tests): what bootstrap validation refits."""
        return fit_model(df, self.columns, self.name, **{**self.options, "ph_test": False})

    def predict_risk(self, rows: pd.DataFrame, horizon: float) -> np.ndarray:
        """Risk of the event (cumulative incidence of the cause for ``fg``) by ``horizon``, one value a row.

        ``rows`` holds the covariates as in the cohort file (text values for categories)
        and, for a stratified Cox model, the strata column.
        """
        if self.design is None:
            raise InputError(f"--model {self.name} has no covariates and predicts no individual risk")
        x = self.design.transform(rows)
        if self.columns is not None and self.columns.strata is not None and self.name == "cox":
            x[self.columns.strata] = rows[self.columns.strata].to_numpy()
        return np.atleast_1d(np.asarray(self.model.predict_risk(x, horizon), float))


def _design_frame(df: pd.DataFrame, columns: CohortColumns, design) -> pd.DataFrame:
    x = design.transform(df)
    roles = [c for c in (columns.duration, columns.event, columns.entry, columns.strata) if c is not None]
    clash = [c for c in x.columns if c in roles]
    if clash:
        raise InputError(f"design column(s) {', '.join(map(repr, clash))} clash with the duration, event, entry "
                         "or strata column names")
    return pd.concat([df[roles].reset_index(drop=True), x.reset_index(drop=True)], axis=1)


def fit_model(
    df: pd.DataFrame,
    columns: CohortColumns,
    model: str,
    *,
    alpha: float = 0.05,
    event_of_interest: int = 1,
    n_intervals: int = 8,
    breakpoints: Sequence[float] | None = None,
    formula: str | None = None,
    penalizer: float = 0.0,
    l1_ratio: float = 0.0,
    step_size: float | None = None,
    max_steps: int | None = None,
    km_ci: str = "log-log",
    ph_test: bool = True,
) -> CohortFit:
    """Fit ``model`` (one of :data:`MODELS`) to a validated table.

    ``km`` and ``aj`` take no covariates and draw one curve per ``columns.strata`` group;
    ``cox`` stratifies on it; ``weibull``, ``pwexp`` and ``fg`` do not support strata.
    ``fg`` is the Fine-Gray subdistribution hazards model of ``event_of_interest``.
    ``formula`` (right-hand side) replaces ``columns.covariates`` as the covariate terms.
    ``penalizer``/``l1_ratio`` penalise cox, weibull and fg; ``step_size``/``max_steps``
    control the Cox Newton-Raphson; ``km_ci`` is the Kaplan-Meier interval scale.
    """
    from cvirisk.survival.competing import AalenJohansen, FineGray
    from cvirisk.survival.design import Design
    from cvirisk.survival.fitters import CoxPH, KaplanMeier, WeibullAFT
    from cvirisk.survival.plots import step_curve_figure
    from cvirisk.survival.pwexp import PiecewiseExponential

    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha}: must be between 0 and 1")
    if penalizer < 0 or not 0 <= l1_ratio <= 1:
        raise InputError(f"--penalizer {penalizer} / --l1-ratio {l1_ratio}: need penalizer >= 0 and 0 <= l1-ratio <= 1")
    covs = list(columns.covariates)
    if model in CAUSE_MODELS:
        causes = set(np.asarray(df[columns.event]).astype(np.int64).tolist()) - {0}
        if event_of_interest not in causes:
            raise InputError(f"--event-of-interest {event_of_interest}: no row of column {columns.event!r} has that "
                             f"cause (causes present: {', '.join(map(str, sorted(causes))) or 'none'})")
    if model in ("km", "aj"):
        if covs or formula:
            raise InputError(f"--model {model} takes no covariates; use --strata COL for one curve per group")
        groups = [(None, df)] if columns.strata is None else list(df.groupby(columns.strata, sort=True))
        curves, tables = {}, []
        for key, part in groups:
            label = "all" if key is None else f"{columns.strata}={key}"
            if model == "km":
                m = KaplanMeier(alpha=alpha, label=label, ci=km_ci).fit(part, columns.duration, columns.event,
                                                                        columns.entry)
            else:
                m = AalenJohansen(alpha=alpha).fit(part, columns.duration, columns.event, event_of_interest,
                                                   columns.entry)
            curves[label] = m.summary
            tables.append(m.summary.reset_index().assign(group=label))
        name = "survival" if model == "km" else "cumulative_incidence"
        fig = step_curve_figure(curves, name, ytitle=name.replace("_", " "), xtitle=columns.duration)
        notes = [f"Kaplan-Meier intervals on the {km_ci} scale"] if model == "km" else []
        return CohortFit(m, pd.concat(tables, ignore_index=True), {name: fig}, model, columns, notes=notes)
    if not covs and not formula:
        raise InputError(f"--model {model} needs at least one covariate (--covariates or --formula)")
    if columns.strata is not None and model != "cox":
        raise InputError(f"--strata is supported by km, aj and cox, not by {model}")
    if model == "fg" and columns.entry is not None:
        raise InputError("--model fg does not support --entry (the censoring weights assume a common time origin)")
    options = {"alpha": alpha, "event_of_interest": event_of_interest, "n_intervals": n_intervals,
               "breakpoints": breakpoints, "formula": formula, "penalizer": penalizer, "l1_ratio": l1_ratio,
               "step_size": step_size, "max_steps": max_steps}
    design = (Design(formula) if formula else Design.from_covariates(covs)).fit(df)
    data = _design_frame(df, columns, design)
    names = design.columns_
    notes = []
    if design.levels_:
        notes.append("categories (reference level first): "
                     + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in design.levels_.items()))
    if model == "cox":
        m = CoxPH(alpha=alpha, penalizer=penalizer, l1_ratio=l1_ratio, step_size=step_size, max_steps=max_steps)
        m.fit(data, columns.duration, columns.event, columns.entry, strata=columns.strata, covariates=names)
        figures = {"hazard_ratios": m.plot_hazard_ratios()}
        checks = None
        if ph_test and columns.entry is not None:
            notes.append("no proportional-hazards test: lifelines 0.30.3 computes no residuals with delayed entry")
        elif ph_test:
            checks = m.check_assumptions(data)
            figures["schoenfeld"] = m.plot_schoenfeld(data, title="scaled Schoenfeld residuals")
            worst = checks["p"].idxmin()
            if checks.loc[worst, "p"] < 0.05:
                notes.append(f"proportional hazards doubtful for {worst} (scaled Schoenfeld test p = "
                             f"{checks.loc[worst, 'p']:.3g}); consider strata or a time interaction")
        return CohortFit(m, m.summary.reset_index(), figures, model, columns, design, checks, notes, options)
    if model == "weibull":
        m = WeibullAFT(alpha=alpha, penalizer=penalizer).fit(data, columns.duration, columns.event, columns.entry,
                                                             covariates=names)
        return CohortFit(m, m.summary.reset_index(), {"coefficients": m.plot_coefficients()}, model, columns,
                         design, notes=notes, options=options)
    if model == "fg":
        m = FineGray(alpha=alpha, penalizer=penalizer).fit(data, columns.duration, columns.event,
                                                           event_of_interest, covariates=names)
        notes.append(f"subdistribution hazard ratios of cause {event_of_interest}; other causes compete")
        return CohortFit(m, m.summary.reset_index(), {"hazard_ratios": m.plot_hazard_ratios()}, model, columns,
                         design, notes=notes, options=options)
    m = PiecewiseExponential(breakpoints=breakpoints, n_intervals=n_intervals, alpha=alpha)
    m.fit(data, columns.duration, columns.event, columns.entry, covariates=names)
    return CohortFit(m, m.summary.reset_index(),
                     {"hazard_ratios": m.plot_hazard_ratios(), "baseline_hazard": m.plot_baseline_hazard()},
                     model, columns, design, notes=notes, options=options)


class FittedRisk:
    """A regression :class:`CohortFit` seen as a risk model by :func:`cvirisk.survival.evaluate`."""

    def __init__(self, fit: CohortFit):
        if fit.design is None:
            raise InputError(f"--model {fit.name} has no covariates: nothing to evaluate")
        self.fit = fit
        self.duration_col_ = fit.columns.duration
        self.event_col_ = fit.columns.event
        self.cause_col_ = fit.columns.event if fit.name in CAUSE_MODELS else None
        self.event_of_interest_ = fit.options.get("event_of_interest", 1)

    def predict_risk(self, df: pd.DataFrame, horizon):
        times = np.atleast_1d(np.asarray(horizon, float))
        out = np.vstack([self.fit.predict_risk(df, h) for h in times])
        return out[0] if np.ndim(horizon) == 0 else out


def evaluate_fit(fit: CohortFit, df: pd.DataFrame, horizons: Sequence[float] | None = None, *,
                 bootstrap: int = 0, seed: int = 1) -> dict:
    """Discrimination and calibration of the fitted model itself (see :func:`cvirisk.survival.evaluate`).

    Risks are measured from the time origin, so fits with delayed entry are refused.
    """
    from cvirisk.survival.risk import evaluate

    if fit.columns is not None and fit.columns.entry is not None:
        raise InputError("evaluation needs time since the origin: the fit has delayed entry (--entry)")
    return evaluate(FittedRisk(fit), df, horizons, bootstrap=bootstrap, seed=seed,
                    refit=lambda d: FittedRisk(fit.refit(d)))


def risk_interval(fit: CohortFit, df: pd.DataFrame, rows: pd.DataFrame, horizon: float, *,
                  n_boot: int = 200, seed: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """Each row's risk by ``horizon`` with a percentile bootstrap interval.

    The model is refitted on ``n_boot`` bootstrap samples of ``df`` (persons drawn with
    replacement, from ``seed``); the interval holds the middle ``1 - alpha`` of the refits'
    predictions. Columns ``risk, lower, upper``, plus ``samples`` (refits that succeeded).
    """
    import warnings

    from cvirisk.random import generator

    point = fit.predict_risk(rows, horizon)
    rng = generator(seed, "survival.risk_interval")
    draws = []
    for _ in range(int(n_boot)):
        sample = df.iloc[rng.integers(0, len(df), len(df))].reset_index(drop=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                draws.append(fit.refit(sample).predict_risk(rows, horizon))
        except (InputError, ValueError, np.linalg.LinAlgError):
            continue
    if len(draws) < 10:
        raise InputError(f"risk interval: only {len(draws)} of {n_boot} bootstrap refits succeeded")
    q = np.quantile(np.vstack(draws), [alpha / 2, 1 - alpha / 2], axis=0)
    return pd.DataFrame({"risk": point, "lower": q[0], "upper": q[1], "samples": len(draws)}, index=rows.index)
