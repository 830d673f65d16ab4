"""Survival and risk analysis: event log -> survival tables -> fitted, validated models -> parameters.

Public names (see each module for details):

* tables: :func:`survival_table`, :func:`interval_censored_table`, :func:`time_varying_table`,
  :func:`baseline_features`, :data:`ENDPOINTS`;
* fitters over lifelines: :class:`KaplanMeier`, :class:`CoxPH`, :class:`TimeVaryingCox`,
  :class:`WeibullAFT`, :class:`AalenJohansen`, :class:`CauseSpecificCox`, :class:`FineGray`;
* covariates through formulas: :class:`Design`;
* large cohorts: :class:`PiecewiseExponential`;
* risk: :class:`RiskModel`, :func:`evaluate`;
* parameter recovery: :func:`recovery.recover`, :func:`recovery.simulate_piecewise`;
* fit to simulate: :func:`param_overlay`, :func:`overlay_tree`;
* a user's cohort table: :func:`fit_model` (what ``cvirisk fit`` and the dashboard call),
  :func:`evaluate_fit` (apparent and optimism-corrected), :func:`risk_interval`.

Submodules are imported lazily, so ``import cvirisk.survival`` does no work.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ENDPOINTS": "tables",
    "survival_table": "tables",
    "interval_censored_table": "tables",
    "time_varying_table": "tables",
    "baseline_features": "tables",
    "endpoint_times": "tables",
    "KaplanMeier": "fitters",
    "CoxPH": "fitters",
    "TimeVaryingCox": "fitters",
    "WeibullAFT": "fitters",
    "AalenJohansen": "competing",
    "CauseSpecificCox": "competing",
    "PiecewiseExponential": "pwexp",
    "RiskModel": "risk",
    "evaluate": "risk",
    "recover": "recovery",
    "simulate_piecewise": "recovery",
    "param_overlay": "overlay",
    "overlay_tree": "overlay",
    "fit_model": "cohort_fit",
    "CohortFit": "cohort_fit",
    "MODELS": "cohort_fit",
    "FineGray": "competing",
    "Design": "design",
    "evaluate_fit": "cohort_fit",
    "risk_interval": "cohort_fit",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"cvirisk.survival.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'cvirisk.survival' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
