"""PSA draws the calibrated parameters jointly from the posterior, the others from their distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.calibration.bayes import Posterior, declared_priors, load_posterior
from cvirisk.params import load_params
from cvirisk.scenarios.psa import sample_draws, uncertain_parameters

A = "natural_history.transitions.pigmentation.rate_per_year"
B = "natural_history.transitions.corona.rate_per_year"


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture
def posterior(params):
    # perfectly dependent pairs: a draw that mixed rows would break b = 2 a
    a = np.linspace(0.001, 0.002, 50)
    draws = pd.DataFrame({"draw": np.arange(1, 51), A: a, B: 2 * a})
    return Posterior(draws, {}, priors=declared_priors(params, [A, B]))


def test_calibrated_parameters_come_as_whole_posterior_rows(params, posterior):
    draws = sample_draws(params, 300, seed=4, posterior=posterior)
    a = np.array([d[A] for d in draws])
    b = np.array([d[B] for d in draws])
    np.testing.assert_allclose(b, 2 * a)  # the joint draw keeps the posterior's dependence
    assert set(np.round(a, 12)) <= set(np.round(posterior.draws[A], 12))
    assert len(set(a)) > 30  # many different rows are used (300 draws from 50 rows)


def test_the_uncertain_parameters_keep_their_own_streams(params, posterior):
    with_post = sample_draws(params, 20, seed=4, posterior=posterior)
    without = sample_draws(params, 20, seed=4, posterior=None)
    unc = set(uncertain_parameters(params))
    assert set(without[0]) == unc  # the old behaviour: calibrated parameters stay at their values
    for d1, d0 in zip(with_post, without, strict=True):
        assert {k: d1[k] for k in unc} == d0
    only = sample_draws(params, 5, seed=4, keys=[A], posterior=posterior)
    assert set(only[0]) == {A}


def test_the_shipped_posterior_is_the_default(params):
    post = load_posterior()
    draws = sample_draws(params, 10, seed=2)
    for key in post.keys:
        assert key in draws[0]
    rows = set(map(tuple, post.draws[post.keys].round(12).to_numpy()))
    assert all(tuple(round(d[k], 12) for k in post.keys) in rows for d in draws)


def test_shipped_posterior_matches_the_priors_and_the_point_defaults(params):
    from cvirisk.calibration.bayes import posterior_point
    from cvirisk.params import get_value

    post = load_posterior()
    pri = {p.key: p for p in declared_priors(params)}
    assert set(post.keys) <= set(pri) and len(post.keys) >= 2
    for key in post.keys:
        v = post.draws[key].to_numpy(float)
        assert (v >= pri[key].low).all() and (v <= pri[key].high).all(), key
    # the shipped point values are the posterior means on the prior's scale (see provenance)
    point = posterior_point(post)
    for key, value in point.items():
        assert get_value(params, key) == pytest.approx(value, rel=1e-3), key
