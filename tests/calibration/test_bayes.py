"""Bayesian calibration: priors, distance, the seeded sampler, resuming, the posterior, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from abc_toy import KEYS, RATE, SLOPE, toy_simulate, toy_targets
from scipy import stats

from cvirisk.calibration.bayes import (
    ABCConfig,
    Prior,
    TargetDistance,
    declared_priors,
    fitted_targets,
    load_posterior,
    particles,
    posterior_point,
    resample,
    run_abc,
    write_posterior,
)
from cvirisk.calibration.coverage import coverage_check, coverage_summary, weighted_quantile
from cvirisk.calibration.search import free_parameters
from cvirisk.exceptions import InputError, ParameterError
from cvirisk.params import get_value, load_params, with_overrides

TOY = ABCConfig(population_size=40, generations=3, n=400, seed=3, max_evaluations=3_000, min_acceptance=0.05,
                draws=80, keys=KEYS)  # fmt: skip


@pytest.fixture(scope="module")
def params():
    return load_params()


def test_every_calibrated_leaf_declares_a_prior_and_why(params):
    pri = declared_priors(params)
    assert [p.key for p in pri] == [f.key for f in free_parameters(params)]
    for p in pri:
        assert p.kind in ("uniform", "loguniform") and len(p.why) > 20, p
        assert p.low < p.high
    assert {p.kind for p in pri if p.key.endswith("log_slope_per_year")} == {"uniform"}


def test_prior_declarations_are_validated(tmp_path, params):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "natural_history:\n  transitions:\n    varicose_veins:\n      log_slope_per_year: {value: 0.05, "
        "source: x, calibrate: {low: 0.0, high: 0.08, prior: loguniform, why: y}}\n"
    )
    with pytest.raises(ParameterError, match="loguniform prior needs low > 0"):
        load_params(bad)
    bad.write_text(bad.read_text().replace("prior: loguniform", "prior: normal"))
    with pytest.raises(ParameterError):
        load_params(bad)
    with pytest.raises(ParameterError, match="not a calibrated parameter"):
        declared_priors(params, ["care.compression_adherence"])


def test_prior_scales_round_trip():
    p = Prior("a", "loguniform", 0.001, 0.1)
    assert p.x_low == pytest.approx(-3) and p.x_high == pytest.approx(-1)
    assert float(p.from_unit(0.5)) == pytest.approx(0.01)
    assert float(p.from_x(p.to_x(0.037))) == pytest.approx(0.037)
    u = Prior("b", "uniform", 0.0, 0.08)
    assert float(u.from_unit(0.25)) == pytest.approx(0.02)


def test_distance_standardises_by_target_scale_and_monte_carlo_error():
    t = toy_targets()
    d = TargetDistance.for_targets(t)
    obs = {k: float(t.at[k, "value"]) for k in t.index}
    assert d.scales["toy_a"] == pytest.approx(3.0)
    assert d({**obs}, obs) == 0.0
    off = {**obs, "toy_a": obs["toy_a"] + 3.0}
    assert d(off, obs) == pytest.approx(1.0 / 3)  # one sd on one of three targets
    assert d({**off, "toy_a~se": 4.0}, obs) == pytest.approx((3.0 / 5.0) ** 2 / 3)
    assert d({**obs, "toy_b": float("nan")}, obs) == float("inf")


def test_fitted_targets_are_those_of_the_search_blocks():
    from cvirisk.calibration import load_targets

    ids = fitted_targets(load_targets())
    assert "evs_vv_incidence_13y" in ids and "vte_incidence_85_up" in ids
    assert "bonn1_vv_any" not in ids and "pts_after_dvt_5y" not in ids and len(ids) == 23


def _toy_run(params, tmp_path, name, workers=1, **kw):
    cfg = ABCConfig(**{**TOY.__dict__, **kw})
    return run_abc(params, toy_targets(), cfg, tmp_path / f"{name}.db", simulate=toy_simulate, workers=workers,
                   progress=False)  # fmt: skip


def test_same_seed_same_particles_with_one_or_two_processes(params, tmp_path):
    pri = declared_priors(params, KEYS)
    h1 = _toy_run(params, tmp_path, "one", generations=2)
    one = particles(h1, pri)
    two = particles(_toy_run(params, tmp_path, "two", workers=2, generations=2), pri)
    pd.testing.assert_frame_equal(one, two)
    other = particles(_toy_run(params, tmp_path, "other", generations=1, seed=4), pri, t=0)
    assert not particles(h1, pri, t=0).equals(other)


def test_a_run_resumes_from_its_database(params, tmp_path):
    h = _toy_run(params, tmp_path, "r", generations=1)
    assert h.max_t == 0
    first = particles(h, declared_priors(params, KEYS), t=0)
    h = _toy_run(
        params, tmp_path, "r", generations=2
    )  # more generations: resumes, keeps generation 0
    assert h.max_t == 1
    pd.testing.assert_frame_equal(particles(h, declared_priors(params, KEYS), t=0), first)
    with pytest.raises(InputError, match="another configuration"):
        _toy_run(params, tmp_path, "r", generations=3, population_size=30)


def test_posterior_round_trip_point_and_resampling(params, tmp_path):
    cfg = ABCConfig(**{**TOY.__dict__, "generations": 2})
    h = run_abc(
        params, toy_targets(), cfg, tmp_path / "p.db", simulate=toy_simulate, progress=False
    )
    write_posterior(tmp_path / "post", h, params, toy_targets(), cfg, command="test")
    post = load_posterior(tmp_path / "post")
    assert post.keys == list(KEYS) and len(post.draws) == cfg.draws
    prov = post.provenance
    assert (
        prov["seed"] == 3
        and prov["versions"]["pyabc"]
        and prov["model_hash"]
        and prov["targets_hash"]
    )
    point = posterior_point(post)
    assert point[RATE] == pytest.approx(10 ** np.log10(post.draws[RATE]).mean())
    assert point[SLOPE] == pytest.approx(post.draws[SLOPE].mean())
    # resampling keeps whole rows (joint draws) and the weighted means
    parts = particles(h, post.priors)
    rs = resample(parts, 4000, seed=1)
    rows = set(map(tuple, parts[list(KEYS)].round(12).to_numpy()))
    assert set(map(tuple, rs[list(KEYS)].round(12).to_numpy())) <= rows
    w_mean = np.average(parts[SLOPE], weights=parts["weight"])
    sd = np.sqrt(np.average((parts[SLOPE] - w_mean) ** 2, weights=parts["weight"]))
    assert abs(rs[SLOPE].mean() - w_mean) < 4 * sd / np.sqrt(4000)


def test_bad_posterior_folder_is_named(tmp_path):
    with pytest.raises(InputError, match="no posterior draws"):
        load_posterior(tmp_path)
    (tmp_path / "draws.csv").write_text("draw,a\n1,x\n")
    with pytest.raises(InputError, match="column a"):
        load_posterior(tmp_path)


def test_weighted_quantile():
    assert weighted_quantile([3, 1, 2], [2, 1, 1], [0.25, 0.5, 0.75]).tolist() == [1, 2, 3]


def test_posterior_intervals_cover_the_truth_at_the_nominal_rate(params, tmp_path):
    """The key test: synthetic data from known parameters, calibrated; 90% intervals cover ~90% of truths.

    16 repetitions x 2 parameters = 32 intervals. For a correct posterior the number covered
    is about Binomial(32, 0.9) (truths are drawn from the prior); we require at least its 0.1%
    quantile (23). ABC's tolerance widens intervals, so the upper side is only bounded by 32.
    """
    reps = 16
    tab = coverage_check(params, toy_targets(), TOY, tmp_path, reps=reps, simulate=toy_simulate)
    summ = coverage_summary(tab).set_index("parameter")
    k, n = int(summ.at["all", "covered"]), int(summ.at["all", "intervals"])
    assert n == 2 * reps
    assert k >= stats.binom.ppf(0.001, n, 0.9), summ
    # the intervals are informative: narrower than the prior's central 90% (on the prior's scale)
    width = np.log10(tab.loc[tab["parameter"] == RATE, "high"]) - np.log10(
        tab.loc[tab["parameter"] == RATE, "low"]
    )
    assert width.median() < 0.9 * 2.0


def test_the_model_passes_values_and_adds_the_study_error(params):
    from cvirisk.calibration.bayes import TargetModel

    pri = declared_priors(params, KEYS)
    m = TargetModel(params, pri, toy_targets(), simulate=toy_simulate)
    quiet = TargetModel(params, pri, toy_targets(), simulate=toy_simulate, study_noise=False)
    v = {RATE: 0.5, SLOPE: 0.02}
    assert m.evaluate(v, 1) == m.evaluate(v, 1) and m.evaluate(v, 1) != m.evaluate(v, 2)
    raw = toy_simulate(v, 1)
    assert (
        quiet.evaluate(v, 1)["toy_a"] == raw["toy_a"][0]
        and quiet.evaluate(v, 1)["toy_a~se"] == raw["toy_a"][1]
    )
    # the study error has the target's scale (3 points): over many seeds, sd of the difference ~ 3
    diff = [m.evaluate(v, s)["toy_a"] - quiet.evaluate(v, s)["toy_a"] for s in range(400)]
    assert (
        abs(np.std(diff) - 3.0) < 3.0 * 0.15
    )  # sd of a sample sd of 400 normals: 3 / sqrt(800) = 0.11
    assert get_value(with_overrides(params, v), RATE) == 0.5


def test_a_dask_cluster_gives_the_same_particles(params, tmp_path):
    import logging

    import abc_toy
    import cloudpickle
    from distributed import LocalCluster

    cloudpickle.register_pickle_by_value(abc_toy)  # the workers cannot import the test folder
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, memory_limit="2GiB", silence_logs=logging.ERROR) as cluster:  # fmt: skip
            cfg = ABCConfig(**{**TOY.__dict__, "generations": 1})
            on_dask = run_abc(params, toy_targets(), cfg, tmp_path / "d.db", simulate=toy_simulate,
                              scheduler=cluster.scheduler_address, progress=False)  # fmt: skip
            here = run_abc(
                params, toy_targets(), cfg, tmp_path / "h.db", simulate=toy_simulate, progress=False
            )
    finally:
        cloudpickle.unregister_pickle_by_value(abc_toy)
    pri = declared_priors(params, KEYS)
    pd.testing.assert_frame_equal(particles(on_dask, pri), particles(here, pri))


def test_a_run_stopped_by_its_budget_stays_stopped_when_rerun(params, tmp_path):
    h = _toy_run(params, tmp_path, "b", generations=5, max_evaluations=60)
    stopped_at = h.max_t
    assert stopped_at < 4  # the budget ended it before its generations
    assert _toy_run(params, tmp_path, "b", generations=5, max_evaluations=60).max_t == stopped_at
    assert (
        _toy_run(params, tmp_path, "b", generations=5, max_evaluations=10_000).max_t == 4
    )  # a larger budget resumes
