"""Generated prevalences, BMI, prior DVT and copula correlations match the parameter file.

One seeded whole-population cohort of 200,000; every check is an exact binomial,
chi-square, KS or normal test at a false-alarm rate of 1e-4 (see ``cohort_stats``).
"""

from __future__ import annotations

import numpy as np
import pytest
from cohort_stats import Z, assert_binomial, assert_counts, assert_mean, assert_uniform
from scipy import integrate, stats

from cvirisk.cohort import generate_cohort
from cvirisk.params import with_overrides
from cvirisk.random import generator

N = 200_000


@pytest.fixture(scope="module")
def cohort(params):
    return generate_cohort(N, seed=11, params=params)


@pytest.fixture(scope="module")
def unfloored(params):
    """Seed 12 with cohort.bmi.minimum = 1 kg/m2: BMI is then exactly lognormal given age and sex."""
    p = with_overrides(params, {"cohort.bmi.minimum": 1.0})
    return p, generate_cohort(N, seed=12, params=p)


def _band(df, params):
    return np.searchsorted(params.cohort.age_bands.upper, df["age"].to_numpy(), side="right")


def test_age_bands_and_sex_by_band(cohort, params):
    ab = params.cohort.age_bands
    band = _band(cohort, params)
    assert_counts(np.bincount(band, minlength=len(ab.lower)), ab.share.value, "age bands")
    female = (cohort["sex"] == "female").to_numpy()
    for b, p in enumerate(ab.female_share.value):
        assert_binomial(female[band == b].sum(), (band == b).sum(), p, f"female share, band {b}")
    # uniform within each band
    lo, hi = np.asarray(ab.lower)[band], np.asarray(ab.upper)[band]
    assert_uniform((cohort["age"].to_numpy() - lo) / (hi - lo), "age within band")


def test_smoking_rows_by_band_and_sex(cohort, params):
    band = _band(cohort, params)
    for sex in ("female", "male"):
        table = getattr(params.cohort.smoking, sex).value
        for b, row in enumerate(table):
            sel = (band == b) & (cohort["sex"] == sex).to_numpy()
            counts = cohort.loc[sel, "smoking"].value_counts().reindex(["never", "current", "former"]).to_numpy()
            assert_counts(counts, row, f"smoking, {sex}, band {b}")


def test_binary_shares_parity_and_congenital(cohort, params):
    c = params.cohort
    standing = c.work.share.value * c.work.standing_fraction.value
    for col, p in (("standing_work", standing), ("sitting_work", c.work.share.value - standing),
                   ("family_history", c.family_history.share.value),
                   ("congenital_absence", c.congenital_absence.share.value)):
        assert_binomial(cohort[col].sum(), N, p, col)
    assert not (cohort["standing_work"] & cohort["sitting_work"]).any()
    women = cohort["sex"] == "female"
    dist = c.parity.distribution.value
    assert_counts(np.bincount(cohort.loc[women, "parity"], minlength=len(dist)), dist, "parity of women")
    assert (cohort.loc[~women, "parity"] == 0).all()


def _bmi_mean(df, params):
    b = params.cohort.bmi
    female = (df["sex"] == "female").to_numpy()
    base = np.where(female, b.mean_at_40_female.value, b.mean_at_40_male.value)
    return base + b.drift_per_year.value * (np.minimum(df["age"].to_numpy(float), b.drift_end_age.value) - 40)


def test_bmi_is_lognormal_with_the_stated_median_drift_and_spread(unfloored):
    p, df = unfloored
    sd = p.cohort.bmi.sd_log.value
    median = _bmi_mean(df, p) * np.exp(-sd**2 / 2)  # mean_at_40 is the mean (see generator)
    z = np.log(df["bmi"].to_numpy(float) / median) / sd
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert_mean(z, 0.0, "standardised log BMI", sd=1.0)
    assert_mean(df["bmi"].to_numpy(float) - _bmi_mean(df, p), 0.0, "BMI minus its stated mean")
    # drift: half of each age band and sex lies above the stated median for its age
    band = _band(df, p)
    for b in range(6):
        for sex in ("female", "male"):
            sel = (band == b) & (df["sex"] == sex).to_numpy()
            above = (df["bmi"].to_numpy(float)[sel] > median[sel]).sum()
            assert_binomial(above, sel.sum(), 0.5, f"BMI above its median, band {b}, {sex}")


def test_bmi_floor_takes_the_lower_tail(cohort, params):
    b = params.cohort.bmi
    sd = b.sd_log.value
    median = _bmi_mean(cohort, params) * np.exp(-sd**2 / 2)
    p = stats.norm.cdf(np.log(b.minimum.value / median) / sd)  # P(floored) for each person
    floored = (cohort["bmi"].to_numpy(float) == np.float32(b.minimum.value)).sum()
    assert abs(floored - p.sum()) < Z * np.sqrt((p * (1 - p)).sum())
    assert cohort["bmi"].min() >= np.float32(b.minimum.value)


def _latent(name, seed, n):
    # person i's smoking latent is the i-th standard normal of stream cohort.smoking (generator docstring)
    return generator(seed, f"cohort.{name}", 0).standard_normal(n)


def test_copula_correlations_are_recovered(unfloored):
    params, cohort = unfloored
    corr = params.cohort.correlation
    r = dict(zip(corr.order, np.asarray(corr.matrix.value), strict=True))
    rho = {(a, b): r[a][corr.order.index(b)] for a in corr.order for b in corr.order}
    sd = params.cohort.bmi.sd_log.value
    z_bmi = np.log(cohort["bmi"].to_numpy(float) / (_bmi_mean(cohort, params) * np.exp(-sd**2 / 2))) / sd
    z_smoke = _latent("smoking", 12, N)  # whole population: no truncation
    # continuous pair: Fisher z interval at the stated false-alarm rate
    fisher = np.arctanh(np.corrcoef(z_bmi, z_smoke)[0, 1])
    assert abs(fisher - np.arctanh(rho["bmi", "smoking"])) < Z / np.sqrt(N - 3)
    # latent against a thresholded latent: E[z_a * 1{z_b > c}] = rho_ab * phi(c)
    working = (cohort["standing_work"] | cohort["sitting_work"]).to_numpy(float)
    for binary, flag, share in (("work", working, params.cohort.work.share.value),
                                ("family_history", cohort["family_history"].to_numpy(float),
                                 params.cohort.family_history.share.value)):
        c = stats.norm.isf(share)
        for name, z in (("bmi", z_bmi), ("smoking", z_smoke)):
            assert_mean(z * flag, rho[name, binary] * stats.norm.pdf(c), f"{name} x {binary}")


def test_correlated_binary_latents_follow_the_bivariate_normal(params):
    matrix = [[1.0, -0.05, 0.15, 0.1], [-0.05, 1.0, 0.10, 0.0], [0.15, 0.10, 1.0, 0.4], [0.1, 0.0, 0.4, 1.0]]
    p = with_overrides(params, {"cohort.correlation.matrix": matrix})
    df = generate_cohort(100_000, seed=5, params=p)
    c = [stats.norm.isf(p.cohort.work.share.value), stats.norm.isf(p.cohort.family_history.share.value)]
    both = stats.multivariate_normal(cov=[[1, 0.4], [0.4, 1]]).cdf([-c[0], -c[1]])
    working = df["standing_work"] | df["sitting_work"]
    assert_binomial((working & df["family_history"]).sum(), len(df), both, "work and family history")
    assert_binomial(df["family_history"].sum(), len(df), p.cohort.family_history.share.value, "family history")


def _dvt_hazard_grid(df, params, upto):
    """Cumulative DVT hazard from age 18 to ``upto`` by Simpson's rule on 41 points (relative error < 1e-8)."""
    tr = params.natural_history.transitions["dvt"]
    start, ref = params.simulation.history_start_age.value, params.simulation.reference_age.value
    # a person's DVT hazard is twice a leg's (the declared transition acts in each leg)
    hr = 2 * tr.rate_per_year.value * tr.hazard_ratios["bmi_per_5"].value ** ((df["bmi"].to_numpy(float) - 25) / 5)
    hr = hr * np.where(df["sex"] == "female", tr.hazard_ratios["female"].value if "female" in tr.hazard_ratios else 1.0, 1.0)
    grid = start + (np.asarray(upto, float)[:, None] - start) * np.linspace(0, 1, 41)[None, :]
    h = np.exp(tr.log_slope_per_year.value * (grid - ref))
    return hr * integrate.simpson(h, x=grid, axis=1)


def test_prior_dvt_prevalence_and_age(cohort, params):
    H = _dvt_hazard_grid(cohort, params, cohort["age"].to_numpy(float))
    p = 1 - np.exp(-H)
    prior = cohort["prior_dvt"].to_numpy()
    # sum of independent Bernoulli(p_i): normal approximation with its exact variance
    assert abs(prior.sum() - p.sum()) < Z * np.sqrt((p * (1 - p)).sum())
    sub = cohort[prior]
    Ht = _dvt_hazard_grid(sub, params, sub["prior_dvt_age"].to_numpy(float))
    # probability integral transform of the truncated Gompertz is uniform
    assert_uniform((1 - np.exp(-Ht)) / p[prior], "prior DVT age")
    assert cohort.loc[~prior, "prior_dvt_age"].isna().all()


def test_quit_age_is_uniform_between_start_and_baseline(cohort, params):
    former = cohort[cohort["smoking"] == "former"]
    start = params.cohort.smoking.start_age.value
    assert cohort.loc[cohort["smoking"] != "former", "smoking_quit_age"].isna().all()
    x = (former["smoking_quit_age"].to_numpy(float) - start) / (former["age"].to_numpy(float) - start)
    assert_uniform(x, "quit age")
