"""Fit one of the five models to a validated cohort table: the science behind ``cvirisk fit``.

The command line and the dashboard's *Fit your data* tab both call :func:`fit_model` on the
table returned by :func:`cvirisk.io.cohort_file.read_cohort_file`, so they give the same
numbers.

Examples
--------
>>> from cvirisk.data import load_rossi
>>> from cvirisk.io.cohort_file import CohortColumns
>>> res = fit_model(load_rossi(), CohortColumns("week", "arrest", covariates=("fin", "prio")), "cox")
>>> res.summary["covariate"].tolist(), sorted(res.figures)
(['fin', 'prio'], ['hazard_ratios'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.io.cohort_file import CohortColumns

__all__ = ["MODELS", "CohortFit", "fit_model"]

#: Model names accepted by :func:`fit_model` and ``cvirisk fit --model``.
MODELS = ("km", "cox", "weibull", "aj", "pwexp")


@dataclass
class CohortFit:
    """A fitted model, its summary table (ready for ``summary.csv``) and its plotly figures by name."""

    model: Any
    summary: pd.DataFrame
    figures: dict[str, Any] = field(default_factory=dict)


def fit_model(
    df: pd.DataFrame,
    columns: CohortColumns,
    model: str,
    *,
    alpha: float = 0.05,
    event_of_interest: int = 1,
    n_intervals: int = 8,
    breakpoints: Sequence[float] | None = None,
) -> CohortFit:
    """Fit ``model`` (one of :data:`MODELS`) to a validated table.

    ``km`` and ``aj`` take no covariates and draw one curve per ``columns.strata`` group;
    ``cox`` stratifies on it; ``weibull`` and ``pwexp`` do not support strata.
    """
    from cvirisk.survival.competing import AalenJohansen
    from cvirisk.survival.fitters import CoxPH, KaplanMeier, WeibullAFT
    from cvirisk.survival.plots import step_curve_figure
    from cvirisk.survival.pwexp import PiecewiseExponential

    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha}: must be between 0 and 1")
    covs = list(columns.covariates)
    if model in ("km", "aj"):
        if covs:
            raise InputError(f"--model {model} takes no covariates; use --strata COL for one curve per group")
        groups = [(None, df)] if columns.strata is None else list(df.groupby(columns.strata, sort=True))
        curves, tables = {}, []
        for key, part in groups:
            label = "all" if key is None else f"{columns.strata}={key}"
            if model == "km":
                m = KaplanMeier(alpha=alpha, label=label).fit(part, columns.duration, columns.event, columns.entry)
            else:
                m = AalenJohansen(alpha=alpha).fit(part, columns.duration, columns.event, event_of_interest,
                                                   columns.entry)
            curves[label] = m.summary
            tables.append(m.summary.reset_index().assign(group=label))
        name = "survival" if model == "km" else "cumulative_incidence"
        fig = step_curve_figure(curves, name, ytitle=name.replace("_", " "), xtitle=columns.duration)
        return CohortFit(m, pd.concat(tables, ignore_index=True), {name: fig})
    if not covs:
        raise InputError(f"--model {model} needs at least one covariate (--covariates)")
    if model == "cox":
        m = CoxPH(alpha=alpha).fit(df, columns.duration, columns.event, columns.entry, strata=columns.strata,
                                   covariates=covs)
        return CohortFit(m, m.summary.reset_index(), {"hazard_ratios": m.plot_hazard_ratios()})
    if columns.strata is not None:
        raise InputError(f"--strata is supported by km, aj and cox, not by {model}")
    if model == "weibull":
        m = WeibullAFT(alpha=alpha).fit(df, columns.duration, columns.event, columns.entry, covariates=covs)
        return CohortFit(m, m.summary.reset_index(), {"coefficients": m.plot_coefficients()})
    m = PiecewiseExponential(breakpoints=breakpoints, n_intervals=n_intervals, alpha=alpha)
    m.fit(df, columns.duration, columns.event, columns.entry, covariates=covs)
    return CohortFit(m, m.summary.reset_index(),
                     {"hazard_ratios": m.plot_hazard_ratios(), "baseline_hazard": m.plot_baseline_hazard()})
