"""Hazard arrays built from parameters, and the closed-form Gompertz integral and its inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cvirisk.model.hazards import FEATURE_INDEX, HazardModel, gompertz_integral, gompertz_time
from cvirisk.params import load_params


@pytest.fixture(scope="module")
def params():
    return load_params()


def test_arrays_follow_the_parameter_file(params):
    hm = HazardModel.from_params(params)
    trans = params.natural_history.transitions
    ref = params.simulation.reference_age.value
    assert hm.ids == tuple(type(trans).model_fields)
    for tid, j in hm.index.items():
        tr = getattr(trans, tid)
        s = tr.age_log_slope_per_year.value
        assert hm.s[j] == s
        assert math.isclose(hm.c[j] + s * ref, math.log(tr.rate_per_year.value))
        named = {FEATURE_INDEX[f]: math.log(hr.value) for f, hr in tr.hazard_ratios.items()}
        for f in range(len(FEATURE_INDEX)):
            assert hm.B[f, j] == pytest.approx(named.get(f, 0.0))


def test_every_driver_moves_the_hazards_it_names_by_its_ratio(params):
    """One unit more of a feature multiplies exactly the named transitions' hazards by their HR."""
    hm = HazardModel.from_params(params)
    trans = params.natural_history.transitions
    age = np.array([50.0, 50.0])
    for feat, f in FEATURE_INDEX.items():
        X = np.zeros((2, len(FEATURE_INDEX)))
        X[1, f] = 1.0
        logh, beta = hm.log_hazard(age, X, np.zeros_like(X))
        ratio = np.exp(logh[1] - logh[0])
        for tid, j in hm.index.items():
            hr = getattr(trans, tid).hazard_ratios.get(feat)
            assert ratio[j] == pytest.approx(hr.value if hr is not None else 1.0), (feat, tid)
        assert np.all(beta == hm.s)


def test_zero_rate_gives_minus_infinite_log_hazard(params):
    from cvirisk.params import with_overrides

    p = with_overrides(params, {"natural_history.transitions.dvt.rate_per_year": 0.0})
    hm = HazardModel.from_params(p)
    assert hm.c[hm.index["dvt"]] == -math.inf


@pytest.mark.parametrize("beta", [0.0, 1e-13, 0.05, 0.3, -0.01])
def test_time_inverts_integral(beta):
    h0 = np.array([0.01, 0.5, 3.0])
    budget = np.array([0.2, 1.0, 2.5])
    tau = gompertz_time(h0, np.full(3, beta), budget)
    finite = np.isfinite(tau)
    back = gompertz_integral(h0[finite], np.full(finite.sum(), beta), tau[finite])
    np.testing.assert_allclose(back, budget[finite], rtol=1e-10)


def test_decaying_hazard_that_never_reaches_the_budget_never_fires():
    # total hazard of h0*exp(-b u) over all time is h0/b = 0.5 < budget 1
    assert gompertz_time(np.array([0.05]), np.array([-0.1]), np.array([1.0]))[0] == np.inf
    # ... but one with h0/b = 2 does, at log(1 - b E/h0)/(-b)
    t = gompertz_time(np.array([0.2]), np.array([-0.1]), np.array([1.0]))[0]
    assert t == pytest.approx(-math.log(1 - 0.1 * 1.0 / 0.2) / 0.1)


def test_zero_hazard_never_fires_and_integrates_to_zero():
    assert gompertz_time(np.array([0.0]), np.array([0.0]), np.array([0.3]))[0] == np.inf
    assert gompertz_integral(np.array([0.0]), np.array([0.2]), 7.0)[0] == 0.0
    assert gompertz_integral(np.array([0.0]), np.array([0.0]), 7.0)[0] == 0.0
