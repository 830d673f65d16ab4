"""A single transition sampled by the engine reproduces its analytic survival curve.

Only superficial valve failure is switched on, without the shared frailty, so each leg fails
independently. Its hazard is Gompertz in age times ``HR_bmi ** ((bmi(age) - 25) / 5)`` where
BMI drifts linearly until 65 (a time-varying driver), so the analytic survival of the first
failure in either leg is ``exp(-2 * integral of h)`` computed by quadrature. The Kaplan-Meier estimate of age at failure
must cover it within its pointwise 99.9% confidence band at every checked age (6 ages, two
groups: a family-wise error below 1.2%); the seed is fixed, so the test is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from scipy.integrate import quad

from cvirisk.analysis import time_to_first
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.testing import isolate, uniform_cohort

AGES = [25.0, 35.0, 50.0, 65.0, 80.0, 95.0]


@pytest.fixture(scope="module")
def run():
    params = isolate(load_params(), ["superficial_failure"], frailty__sd_log=0.0)
    n = 1500
    cohort = uniform_cohort(2 * n, age=79.0, bmi=np.repeat([25.0, 31.0], n))
    return params, cohort, simulate(cohort, params=params, seed=11, years=20)


def analytic_survival(params, bmi0: float, age0: float, ages: list[float]) -> np.ndarray:
    tr = params.natural_history.transitions["superficial_failure"]
    rate, slope = tr.rate_per_year.value, tr.log_slope_per_year.value
    hr = tr.hazard_ratios["bmi_per_5"].value
    ref = params.simulation.reference_age.value
    b = params.cohort.bmi
    drift, end = b.drift_per_year.value, b.drift_end_age.value

    def bmi(a: float) -> float:
        return max(b.minimum.value, bmi0 + drift * (min(a, end) - min(age0, end)))

    def h(a: float) -> float:
        return rate * math.exp(slope * (a - ref)) * hr ** ((bmi(a) - 25.0) / 5.0)

    return np.array([math.exp(-2.0 * quad(h, 18.0, a, points=[end], limit=200)[0]) for a in ages])


@pytest.mark.parametrize("bmi0", [25.0, 31.0])
def test_km_covers_analytic_gompertz(run, bmi0):
    params, cohort, res = run
    ids = cohort.loc[np.isclose(cohort["bmi"], bmi0), "person_id"]
    d = time_to_first(res.events, "valve_failure", "superficial", start=18.0 - 79.0)
    d = d.loc[ids]
    assert (d["event"] == 1).sum() > 300  # enough events for a sharp curve
    km = KaplanMeierFitter(alpha=0.001).fit(d["duration"] + 18.0, d["event"] == 1)
    truth = analytic_survival(params, bmi0, 79.0, AGES)
    ci = km.confidence_interval_survival_function_
    for age, s in zip(AGES, truth, strict=True):
        row = ci[ci.index <= age].iloc[-1]
        assert row.iloc[0] <= s <= row.iloc[1], (age, s, row.tolist())


def test_bmi_stops_drifting_at_65_with_the_value_logged(run):
    _, cohort, res = run
    ev = res.events
    cov = ev[(ev["event"] == "covariate") & (ev["detail"] == "bmi")]
    # one row a person at the end of the drift, its value the BMI then (= the baseline BMI at 79)
    assert len(cov) == len(cohort)
    np.testing.assert_allclose(cov["age"], 65.0, atol=1e-9)
    bmi = cohort.set_index("person_id")["bmi"].astype(float)
    np.testing.assert_allclose(cov["value"].to_numpy(), bmi.reindex(cov["person_id"]).to_numpy(), atol=1e-4)
