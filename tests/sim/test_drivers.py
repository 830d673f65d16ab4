"""Every cohort driver changes the hazards it names, in the right direction and by about its ratio.

Only the transition under study is switched on, the shared frailty is off (so each leg's
hazard is the declared one and the first failure in either leg has twice that hazard); drivers
are drawn independently (a factorial design), the engine simulates the histories, and a Cox
model fitted to the event log estimates each log hazard ratio. Each 99% confidence interval
must cover the parameter and the estimate must lie on the parameter's side of 1. Seeds are
fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from cvirisk.analysis import time_to_first
from cvirisk.params import load_params, with_overrides
from cvirisk.sim import simulate
from cvirisk.sim.testing import isolate, uniform_cohort


def factorial_cohort(n: int, rng: np.random.Generator, ages: tuple[float, float]) -> pd.DataFrame:
    female = rng.random(n) < 0.5
    smoking = rng.choice(["never", "current", "former"], size=n)
    standing = rng.random(n) < 0.35
    return uniform_cohort(
        n,
        age=rng.uniform(*ages, n),
        sex=np.where(female, "female", "male"),
        bmi=rng.uniform(20.0, 38.0, n),
        smoking=smoking,
        smoking_quit_age=np.where(smoking == "former", 18.0, np.nan),  # former smokers from 18 on
        standing_work=standing,
        sitting_work=~standing & (rng.random(n) < 0.5),
        family_history=rng.random(n) < 0.5,
        parity=np.where(female, rng.integers(0, 5, n), 0),
    )


def covariates(cohort: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "female": (cohort["sex"] == "female").astype(float),
            "family_history": cohort["family_history"].astype(float),
            "smoking_current": (cohort["smoking"] == "current").astype(float),
            "smoking_former": (cohort["smoking"] == "former").astype(float),
            "standing_work": cohort["standing_work"].astype(float),
            "sitting_work": cohort["sitting_work"].astype(float),
            "bmi_per_5": (cohort["bmi"].astype(float) - 25.0) / 5.0,
            "parity_per_birth": cohort["parity"].astype(float),
        }
    ).set_index(cohort["person_id"])


def check_cox(df: pd.DataFrame, ratios: dict[str, float]) -> None:
    cph = CoxPHFitter(alpha=0.01).fit(df, "duration", "event")
    summ = cph.summary
    for name, hr in ratios.items():
        low, high = summ.loc[name, "coef lower 99%"], summ.loc[name, "coef upper 99%"]
        est = summ.loc[name, "coef"]
        assert low <= math.log(hr) <= high, (name, hr, math.exp(est), math.exp(low), math.exp(high))
        assert np.sign(est) == np.sign(math.log(hr)) or hr == 1.0, (name, hr, math.exp(est))


def test_drivers_of_superficial_valve_failure():
    params = isolate(load_params(), ["superficial_failure"], frailty__sd_log=0.0)
    cohort = factorial_cohort(8000, np.random.default_rng(20), (30.0, 64.9))  # before retirement
    res = simulate(cohort, params=params, seed=21, years=0)
    age0 = cohort.set_index("person_id")["age"].astype(float)
    fail = res.events[res.events["event"] == "valve_failure"].groupby("person_id")["age"].min()
    # on the age scale from 18: duration = age at failure (or at baseline, censored) - 18
    df = covariates(cohort)
    df["event"] = df.index.isin(fail.index).astype(int)
    df["duration"] = fail.reindex(df.index).fillna(age0).to_numpy() - 18.0
    assert df["event"].sum() > 800
    hrs = params.natural_history.transitions["superficial_failure"].hazard_ratios
    check_cox(df, {name: q.value for name, q in hrs.items() if name in df.columns})


def test_drivers_of_background_death():
    params = isolate(load_params(), ["death_background"])
    cohort = factorial_cohort(4000, np.random.default_rng(30), (60.0, 80.0))
    res = simulate(cohort, params=params, seed=31, years=20)
    d = time_to_first(res.events, "death", "background", start=0.0)
    age0 = cohort.set_index("person_id")["age"].astype(float)
    # age scale with delayed entry at the baseline age (Gompertz in age; proportional hazards)
    # the life table is by sex: a Cox model stratified by sex on the age scale, delayed entry
    df = covariates(cohort).loc[:, ["female", "smoking_current", "smoking_former"]]
    df["entry"] = age0.reindex(df.index) - 18.0
    df["duration"] = df["entry"] + d["duration"].reindex(df.index)
    df["event"] = (d["event"].reindex(df.index) == 1).astype(int)
    cph = CoxPHFitter(alpha=0.01).fit(df, "duration", "event", entry_col="entry", strata=["female"])
    hrs = params.natural_history.transitions["death_background"].hazard_ratios
    for name, q in hrs.items():
        low, high = cph.summary.loc[name, ["coef lower 99%", "coef upper 99%"]]
        assert low <= math.log(q.value) <= high, (name, q.value, math.exp(low), math.exp(high))
        assert np.sign(cph.summary.loc[name, "coef"]) == np.sign(math.log(q.value))


@pytest.mark.parametrize("hr", [1.0, 3.0])
def test_changing_a_hazard_ratio_moves_times_instead_of_reshuffling(hr):
    """With common random numbers, a larger HR only brings failures earlier, person by person."""
    base = isolate(load_params(), ["superficial_failure"])
    before = base.natural_history.transitions["superficial_failure"].hazard_ratios["family_history"].value

    p = with_overrides(base, {"natural_history.transitions.superficial_failure.hazard_ratios.family_history": hr})
    cohort = uniform_cohort(300, age=60.0, family_history=True)
    t0 = simulate(cohort, params=base, seed=5, years=0).events
    t1 = simulate(cohort, params=p, seed=5, years=0).events
    f0 = t0[t0["event"] == "valve_failure"].groupby(["person_id", "leg"], observed=True)["age"].min()
    f1 = t1[t1["event"] == "valve_failure"].groupby(["person_id", "leg"], observed=True)["age"].min()
    both = f0.index.intersection(f1.index)
    if hr > before:
        assert set(f0.index) <= set(f1.index)
        assert (f1[both] <= f0[both] + 1e-9).all()
    else:
        assert set(f1.index) <= set(f0.index)
        assert (f1[both] >= f0[both] - 1e-9).all()
