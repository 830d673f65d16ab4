"""PSA: distributions from declared 95% intervals, draws in their own stream namespace, tornado."""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk.exceptions import ParameterError
from cvirisk.params import with_overrides
from cvirisk.scenarios.plots import tornado_figure
from cvirisk.scenarios.psa import (
    _posterior_rows,
    distribution,
    one_way,
    run_psa,
    sample_draws,
    uncertain_parameters,
)


@pytest.mark.parametrize(
    ("kind", "low", "high", "tol"),
    [("lognormal", 1.52, 3.10, 1e-9), ("normal", -1.0, 3.0, 1e-9), ("uniform", 0.2, 0.4, 1e-9),
     ("beta", 0.3, 0.6, 0.01), ("beta", 0.06, 0.15, 0.006), ("gamma", 2.0, 6.0, 0.28)],
)
def test_distribution_has_the_declared_central_95_interval(kind, low, high, tol):
    d = distribution(kind, low, high)
    lo, hi = d.ppf([0.025, 0.975])
    # exact for lognormal, normal and uniform; moment-matched beta and gamma within 7% of the width
    assert lo == pytest.approx(low, abs=tol) and hi == pytest.approx(high, abs=tol)


@pytest.mark.parametrize(("kind", "low", "high"), [("lognormal", 0.0, 1.0), ("beta", 0.2, 1.6), ("gamma", -3, -1)])
def test_impossible_intervals_are_rejected(kind, low, high):
    with pytest.raises(ParameterError):
        distribution(kind, low, high)


def test_sampled_draws_cover_each_declared_interval(params):
    k = 1500
    draws = sample_draws(params, k, seed=3)
    unc = uncertain_parameters(params)
    assert len(unc) >= 10 and set(unc) <= set(draws[0])  # plus the calibrated parameters, from the posterior
    for key, u in unc.items():
        x = np.array([d[key] for d in draws])
        inside = ((x >= u["low"]) & (x <= u["high"])).mean()
        # 95% of the draws inside the interval: binomial sd sqrt(.95*.05/1500) = 0.0056; beta is approximate
        assert abs(inside - 0.95) < 0.025, (key, inside)


def test_draws_are_reproducible_and_each_parameter_has_its_own_stream(params):
    a = sample_draws(params, 5, seed=8)
    assert a == sample_draws(params, 5, seed=8) and a != sample_draws(params, 5, seed=9)
    key = "thrombosis.pe_case_fatality"
    one = sample_draws(params, 5, seed=8, keys=[key])
    assert [d[key] for d in one] == [d[key] for d in a]
    # the simulation streams are untouched: a draw-0 run equals a plain run (tested in run_psa below)


@pytest.fixture(scope="module")
def small_psa(unlimited):
    from cvirisk.sim.testing import uniform_cohort

    rng = np.random.default_rng(2)
    cohort = uniform_cohort(1500, age=rng.uniform(40, 75, 1500), bmi=rng.uniform(24, 36, 1500), smoking="current")
    return cohort, run_psa(["compression_adherence_doubled"], unlimited, 6, seed=5, cohort=cohort, replications=1,
                           years=15, engine="fast")


def test_psa_has_baseline_draw_and_intervals(unlimited, small_psa):
    from cvirisk.scenarios import compare

    cohort, psa = small_psa
    assert sorted(psa.draws["draw"].unique()) == list(range(7))
    plain = compare(["compression_adherence_doubled"], params=unlimited, cohort=cohort, seed=5, replications=1,
                    years=15, engine="fast").table
    d0 = psa.draws[psa.draws["draw"] == 0].reset_index(drop=True)
    plain = plain[plain["outcome"].isin(d0["outcome"])].reset_index(drop=True)  # not the NMB and ICER rows
    assert list(plain["outcome"]) == list(d0["outcome"])
    np.testing.assert_array_equal(d0["difference"].to_numpy(), plain["difference"].to_numpy())
    row = psa.summary.set_index("outcome").loc["ulcer_years"]
    assert row["draws"] == 6 and row["difference_lower"] <= row["difference_mean"] <= row["difference_upper"]
    assert row["difference_upper"] < 0  # more adherence, fewer ulcer-years, in every draw
    corr = psa.correlations
    calibrated, _ = _posterior_rows(unlimited, "shipped")
    assert calibrated  # the posterior's parameters vary in the PSA and are reported with the others
    assert set(corr["parameter"]) == set(uncertain_parameters(unlimited)) | set(calibrated)
    assert psa.draws[calibrated].nunique().min() > 1


def test_one_way_tornado_ranks_the_compression_effects_first(unlimited, small_psa):
    cohort, _ = small_psa
    keys = ["care.compression_adherence", "natural_history.transitions.ulcer_heal.hazard_ratios.compression",
            "natural_history.transitions.dvt.hazard_ratios.varicose_veins"]
    ow = one_way(["compression_adherence_doubled"], unlimited, keys=keys, seed=5, cohort=cohort, replications=1,
                 years=15, engine="fast")
    ulcer = ow[ow["outcome"] == "ulcer_years"]
    # the DVT hazard ratio acts on ulcers only through post-thrombotic reflux: the smallest swing
    assert ulcer["parameter"].iloc[-1] == keys[2]
    assert ulcer["swing"].iloc[-1] < 0.1 * ulcer["swing"].iloc[0]
    fig = tornado_figure(ow, "compression_adherence_doubled", "ulcer_years")
    assert len(fig.data) == 2 and list(fig.data[0].y)[-1] == ulcer["parameter"].iloc[0]


def test_draw_values_reach_the_model(params):
    draw = sample_draws(params, 1, seed=1)[0]
    p = with_overrides(params, draw)
    assert p.care.compression_adherence.value == draw["care.compression_adherence"]
