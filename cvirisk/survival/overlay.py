"""Fit to simulate: fitted hazard ratios and baseline hazards as a parameter overlay.

:func:`param_overlay` turns a fitted model into dotted overrides for
``cvirisk.load_params(overrides=...)``::

    {"natural_history.transitions.dvt.hazard_ratios.bmi_per_5.value": 1.31,
     "natural_history.transitions.dvt.rate_per_year.value": 0.0007,
     "natural_history.transitions.dvt.age_log_slope_per_year.value": 0.065}

Covariate names must be hazard-ratio features of :data:`cvirisk.params.model_spec.FEATURES` (use
``rename`` to map yours, e.g. ``{"bmi5": "bmi_per_5"}``); anything else is an error, as the
parameter loader rejects unknown keys. With ``params`` given, the transition and the keys
are checked against the loaded parameters: a feature the transition does not list yet is
written as ``...hazard_ratios.<feature>`` (a new leaf of that open mapping).

The baseline is the simulator's Gompertz hazard ``h(a) = rate * exp(slope * (a - 50))`` for
a person whose features are all zero (cvirisk.yaml header). It is estimated only from fits on
the age scale: from a :class:`~cvirisk.survival.pwexp.PiecewiseExponential` by Poisson
maximum likelihood of a Gompertz curve on the interval counts and person-time, from a
:class:`~cvirisk.survival.fitters.CoxPH` by least squares on its Breslow cumulative hazard,
moved from lifelines' covariate means to zero covariates.

Examples
--------
>>> import pandas as pd
>>> param_overlay(pd.Series({"female": 0.182322}), "dvt", baseline=False, params=None)
{'natural_history.transitions.dvt.hazard_ratios.female.value': 1.2}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError

__all__ = [
    "confounding_warnings",
    "gompertz_from_cumulative_hazard",
    "gompertz_from_intervals",
    "overlay_tree",
    "param_overlay",
    "units_check",
]

REFERENCE_AGE = 50.0  # cvirisk.yaml: simulation.reference_age ("hazards are quoted at age 50")

#: Plausible values of the per-unit features (see docs/model.md): a
#: column far outside is in other units (BMI in kg/m2 named bmi_per_5 gives a per-unit
#: ratio, 1.065, read as a per-5 ratio, where about 1.37 is meant).
FEATURE_RANGES = {
    "bmi_per_5": (-4.0, 8.0, "(BMI - 25) / 5, BMI in kg/m2"),
    "avp_per_10": (-4.0, 12.0, "(AVP - 40) / 10, AVP in mmHg"),
    "parity_per_birth": (0.0, 20.0, "the number of births"),
    "years_since_cvi": (0.0, 90.0, "years since the first C3+ class"),
}
#: Covariates read as adjustment for age (left out of an overlay: the simulator's clock is age).
AGE_NAMES = ("age", "age_at_entry", "age_years", "baseline_age")


def units_check(data: pd.DataFrame, rename: Mapping[str, str] | None, source: str = "cohort") -> None:
    """Raise InputError when a covariate's values do not fit the units of the feature it becomes.

    0/1 features need 0/1 values; per-unit features need values within
    :data:`FEATURE_RANGES` (at most 1% outside).
    """
    features = _features()
    rename = dict(rename or {})
    for column in data.columns:
        feature = rename.get(column, column)
        if feature not in features:
            continue
        x = pd.to_numeric(data[column], errors="coerce").to_numpy(float)
        label = column if feature == column else f"{column} (as {feature})"
        if feature in FEATURE_RANGES:
            lo, hi, meaning = FEATURE_RANGES[feature]
            outside = (x < lo) | (x > hi)
            if outside.mean() > 0.01:
                raise InputError(f"{source}: covariate {label!r} has values outside {lo:g} to {hi:g} "
                                 f"(median {np.median(x):.4g}) but {feature} is {meaning}: transform the "
                                 f"column (e.g. --formula \"I((bmi - 25) / 5)\") before renaming it")
        elif not np.isin(x, (0.0, 1.0)).all():
            raise InputError(f"{source}: covariate {label!r} is renamed to the 0/1 feature {feature} but "
                             f"holds other values (median {np.median(x):.4g})")


def confounding_warnings(covariates, rename: Mapping[str, str] | None, transition: str, time_scale: str) -> list[str]:
    """Warnings about an overlay whose hazard ratios are confounded by age.

    The simulator's hazards rise with age (Gompertz clock). A fit on time since baseline
    without an age covariate lets every driver that goes with age (smoking history, BMI,
    parity) take part of the age effect as its own hazard ratio.
    """
    names = [str(dict(rename or {}).get(c, c)).lower() for c in covariates]
    if time_scale == "age" or any(n in AGE_NAMES for n in names):
        return []
    return [f"the fit for {transition!r} is on time since baseline with no age covariate, while the simulator's "
            "hazard rises with age: hazard ratios of drivers that go with age are confounded; add age as a "
            "covariate or fit on the age scale (--entry AGE_IN --duration AGE_OUT --time-scale age)"]


def _features() -> tuple[str, ...]:
    from cvirisk.params.model_spec import (
        FEATURES,  # the declared model's vocabulary, below the model
    )

    return tuple(sorted(FEATURES))


def _log_hrs(fit: Any) -> pd.Series:
    if isinstance(fit, pd.Series):
        return fit.astype(float)
    if isinstance(fit, Mapping):
        return pd.Series(dict(fit), dtype=float)
    if hasattr(fit, "params_"):
        params = fit.params_
        if isinstance(params.index, pd.MultiIndex):  # Weibull AFT: coefficients are not hazard ratios
            raise InputError("an AFT model's coefficients are time ratios, not hazard ratios; fit cox or pwexp")
        return params.astype(float)
    raise InputError(f"cannot read log hazard ratios from a {type(fit).__name__}")


def gompertz_from_intervals(table: pd.DataFrame, reference_age: float = REFERENCE_AGE) -> tuple[float, float]:
    """Gompertz ``(rate at reference age, log slope)`` from interval ``start, stop, events, exposure``.

    Poisson maximum likelihood with the hazard at each interval's midpoint (Newton-Raphson);
    ``exposure`` is person-time weighted by each person's relative hazard (``person_time``
    is used when there is no ``exposure`` column); an open last interval is given the width
    of the one before.
    """
    start, stop = table["start"].to_numpy(float), table["stop"].to_numpy(float).copy()
    if not np.isfinite(stop[-1]):
        stop[-1] = start[-1] + (start[-1] - start[-2] if len(start) > 1 else 1.0)
    mid = (start + stop) / 2 - reference_age
    d = table["events"].to_numpy(float)
    pt = table["exposure" if "exposure" in table else "person_time"].to_numpy(float)
    if len(d) < 2:
        raise InputError("a Gompertz baseline needs at least two time intervals")
    theta = np.array([np.log(d.sum() / pt.sum()), 0.0])
    for _ in range(100):
        mu = pt * np.exp(theta[0] + theta[1] * mid)
        score = np.array([(d - mu).sum(), ((d - mu) * mid).sum()])
        info = np.array([[mu.sum(), (mu * mid).sum()], [(mu * mid).sum(), (mu * mid**2).sum()]])
        step = np.linalg.solve(info, score)
        theta += step
        if np.abs(step).max() < 1e-10:
            break
    return float(np.exp(theta[0])), float(theta[1])


def gompertz_from_cumulative_hazard(ages: np.ndarray, cumhaz: np.ndarray,
                                    reference_age: float = REFERENCE_AGE) -> tuple[float, float]:
    """Gompertz ``(rate, slope)`` by least squares on a cumulative hazard ``H(a) - H(a_0)``."""
    from scipy.optimize import curve_fit

    a0 = float(ages[0])

    def model(a, log_rate, slope):
        s = slope if abs(slope) > 1e-9 else 1e-9
        return np.exp(log_rate) / s * (np.exp(s * (a - reference_age)) - np.exp(s * (a0 - reference_age)))

    h = cumhaz - cumhaz[0]
    span = max(float(ages[-1] - a0), 1e-9)
    guess = (np.log(max(h[-1], 1e-12) / span), 0.05)
    popt, _ = curve_fit(model, ages, h, p0=guess, maxfev=20000)
    return float(np.exp(popt[0])), float(popt[1])


def _baseline(fit: Any, reference_age: float) -> tuple[float, float]:
    if hasattr(fit, "baseline_hazards_"):
        return gompertz_from_intervals(fit.baseline_hazards_, reference_age)
    if hasattr(fit, "baseline_cumulative_hazard_") and hasattr(fit, "_lifelines"):
        if getattr(fit, "strata_", None):
            raise InputError("a stratified Cox model has one baseline per stratum; fit without strata")
        bch = fit.baseline_cumulative_hazard_.iloc[:, 0]
        mean = getattr(fit._lifelines, "_norm_mean", pd.Series(0.0, index=fit.params_.index))
        shift = float(np.exp(-(mean.reindex(fit.params_.index).fillna(0.0) * fit.params_).sum()))
        return gompertz_from_cumulative_hazard(bch.index.to_numpy(float), bch.to_numpy() * shift, reference_age)
    raise InputError(f"a {type(fit).__name__} has no baseline hazard; use baseline=False")


def param_overlay(
    fit: Any,
    transition: str,
    *,
    rename: Mapping[str, str] | None = None,
    params: Any = "defaults",
    baseline: bool = True,
    time_scale: str = "age",
    reference_age: float = REFERENCE_AGE,
    digits: int = 6,
    data: pd.DataFrame | None = None,
    source: str = "cohort",
) -> dict[str, float]:
    """Dotted parameter overrides from a fitted model for one transition.

    Parameters
    ----------
    fit
        A fitted CoxPH / PiecewiseExponential / TimeVaryingCox, or log hazard ratios
        (Series or mapping) by covariate.
    transition
        Transition id under ``natural_history.transitions`` (e.g. ``"dvt"``, ``"edema"``).
    rename
        Covariate name -> feature name.
    params
        Loaded parameters, their dict, ``"defaults"`` (the shipped parameters, the default)
        or None (no check). When given, the transition must exist, new features are written
        as new leaves, and loaded parameters must accept the overlay (validated here).
    baseline
        Also estimate ``rate_per_year`` and the Gompertz slope (``age_log_slope_per_year``, or
        the name the parameters give it) (needs ``time_scale="age"``).
    digits
        Significant digits kept in each value.
    data
        The covariate values the model was fitted on (columns named as the covariates):
        checked against the units of the features they become (:func:`units_check`).
    source
        File name used in messages.

    Covariates named as age (:data:`AGE_NAMES`) adjust the fit and are left out of the
    overlay: the simulator's own clock is age.
    """
    if data is not None:
        units_check(data, rename, source)
    log_hr = _log_hrs(fit).rename(index=dict(rename or {}))
    log_hr = log_hr[[str(c).lower() not in AGE_NAMES for c in log_hr.index]]
    features = _features()
    unknown = [c for c in log_hr.index if c not in features]
    if unknown:
        raise InputError(f"covariate(s) {', '.join(map(repr, unknown))} are not hazard-ratio features of the "
                         f"simulator; rename them to one of: {', '.join(features)}")
    existing: set[str] | None = None
    slope_key = "age_log_slope_per_year"
    if isinstance(params, str) and params == "defaults":
        params = _shipped_params()
    if params is not None:
        tree = params if isinstance(params, Mapping) else _params_dict(params)
        transitions = tree.get("natural_history", {}).get("transitions", {})
        if transition not in transitions:
            raise InputError(f"unknown transition {transition!r}; known: {', '.join(transitions)}")
        existing = set(transitions[transition].get("hazard_ratios", {}))
        # the parameter file names the Gompertz slope; take its name from there
        slope_key = next((k for k in ("age_log_slope_per_year", "log_slope_per_year")
                          if k in transitions[transition]), slope_key)
    prefix = f"natural_history.transitions.{transition}"
    out: dict[str, float] = {}
    for feature, coef in log_hr.items():
        value = float(f"{np.exp(coef):.{digits}g}")
        if existing is not None and feature not in existing:
            out[f"{prefix}.hazard_ratios.{feature}"] = value
        else:
            out[f"{prefix}.hazard_ratios.{feature}.value"] = value
    if baseline:
        if time_scale != "age":
            raise InputError("baseline hazards need a fit on the age time scale (time_scale='age'); "
                             "or use baseline=False")
        rate, slope = _baseline(fit, reference_age)
        out[f"{prefix}.rate_per_year.value"] = float(f"{rate:.{digits}g}")
        out[f"{prefix}.{slope_key}.value"] = float(f"{slope:.{digits}g}")
    if params is not None and not isinstance(params, Mapping):
        from cvirisk.params import with_overrides

        with_overrides(params, out, origin="fitted overlay")  # raises ParameterError (an InputError) if invalid
    return out


def overlay_tree(overlay: Mapping[str, float], source: str) -> dict:
    """The dotted overlay as a nested YAML parameter overlay, each leaf ``{value, source}``.

    Write it with ``yaml.safe_dump`` and pass the file to ``cvirisk simulate --params FILE``.

    Examples
    --------
    >>> overlay_tree({"natural_history.transitions.dvt.hazard_ratios.female.value": 1.2}, "fit")
    {'natural_history': {'transitions': {'dvt': {'hazard_ratios': {'female': {'value': 1.2, 'source': 'fit'}}}}}}
    """
    tree: dict = {}
    for key, value in overlay.items():
        parts = key.removesuffix(".value").split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {"value": float(value), "source": source}
    return tree


def _shipped_params():
    """The shipped defaults, or None while the parameter loader cannot be imported."""
    try:
        from cvirisk.params import load_params
    except ImportError:  # pragma: no cover - the loader is part of the package
        return None
    return load_params()


def _params_dict(params: Any) -> dict:
    from cvirisk.params import params_to_dict

    return params_to_dict(params)
