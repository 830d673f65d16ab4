"""Conditional cohorts respect their condition and follow the exact conditional distribution.

Each conditional cohort is compared with the target computed from the parameter tables,
or with the same condition applied by filtering a plain cohort (what rejection sampling
would give); tests at a false-alarm rate of 1e-4 each (see ``cohort_stats``).
"""

from __future__ import annotations

import numpy as np
import pytest
from cohort_stats import ALPHA, Z, assert_binomial, assert_counts, assert_mean
from scipy import stats

from cvirisk.cohort import CohortSpec, generate_cohort, validate_cohort
from cvirisk.exceptions import CohortError
from cvirisk.params import with_overrides

N = 60_000


@pytest.fixture(scope="module")
def plain(params):
    return generate_cohort(300_000, seed=21, params=params)


def _band(df, params):
    return np.searchsorted(params.cohort.age_bands.upper, df["age"].to_numpy(), side="right")


def _same_distribution(a, b, what):
    """Two-sample KS test of a conditional cohort column against the filtered plain cohort."""
    pvalue = stats.ks_2samp(np.asarray(a, float), np.asarray(b, float)).pvalue
    assert pvalue > ALPHA, f"{what}: KS p = {pvalue:.2g}"


def test_everyone_aged_50(params):
    df = validate_cohort(generate_cohort(N, seed=1, params=params, spec=CohortSpec(age=50)))
    assert (df["age"] == 50).all() and (df["weight"] == 1).all()
    b = 3  # the band [50, 60)
    assert_binomial((df["sex"] == "female").sum(), N, params.cohort.age_bands.female_share.value[b], "female at 50")
    for sex in ("female", "male"):
        sub = df[df["sex"] == sex]
        counts = sub["smoking"].value_counts().reindex(["never", "current", "former"]).to_numpy()
        assert_counts(counts, getattr(params.cohort.smoking, sex).value[b], f"smoking of {sex}s at 50")


def test_age_range_is_the_truncated_piecewise_uniform(params):
    df = generate_cohort(N, seed=2, params=params, spec=CohortSpec(age_min=45, age_max=63))
    age = df["age"].to_numpy(float)
    assert ((age >= 45) & (age < 63)).all()
    share = np.asarray(params.cohort.age_bands.share.value)
    dens = np.array([share[2] / 10, share[3] / 10, share[4] / 10])  # density per year in 45-50, 50-60, 60-63
    knots = np.array([45, 50, 60, 63.0])
    mass = dens * np.diff(knots)
    cdf = np.concatenate([[0], np.cumsum(mass)]) / mass.sum()
    pvalue = stats.kstest(age, lambda x: np.interp(x, knots, cdf)).pvalue
    assert pvalue > ALPHA


def test_one_sex_reweights_the_age_bands(params):
    df = generate_cohort(N, seed=3, params=params, spec=CohortSpec(sex="female"))
    assert (df["sex"] == "female").all()
    ab = params.cohort.age_bands
    target = np.asarray(ab.share.value) * np.asarray(ab.female_share.value)
    assert_counts(np.bincount(_band(df, params), minlength=6), target / target.sum(), "age bands of women")


def test_only_smokers_match_filtered_population(params, plain):
    spec = CohortSpec(smoking=("current", "former"))
    df = generate_cohort(N, seed=4, params=params, spec=spec)
    assert set(df["smoking"].unique()) == {"current", "former"}
    ref = plain[plain["smoking"] != "never"]
    for col in ("age", "bmi"):
        _same_distribution(df[col], ref[col], f"{col} of smokers")
    for col in ("standing_work", "sitting_work", "family_history", "prior_dvt"):
        # two-sample comparison of proportions (both samples random)
        p1, p2 = df[col].mean(), ref[col].mean()
        se = np.sqrt(p1 * (1 - p1) / N + p2 * (1 - p2) / len(ref))
        assert abs(p1 - p2) < Z * se, f"{col}: {p1:.4f} against {p2:.4f}"
    # joint distribution of (band, sex, status) against the parameter tables
    c = params.cohort
    rows = np.stack([c.smoking.female.value, c.smoking.male.value], axis=1)  # band, sex, status
    sex_p = np.stack([c.age_bands.female_share.value, 1 - np.asarray(c.age_bands.female_share.value)], axis=1)
    cell = np.asarray(c.age_bands.share.value)[:, None, None] * sex_p[..., None] * rows
    cell[..., 0] = 0
    obs = np.zeros_like(cell)
    np.add.at(obs, (_band(df, params), (df["sex"] == "male").to_numpy().astype(int),
                    df["smoking"].cat.codes.to_numpy()), 1)
    assert_counts(obs, cell / cell.sum(), "band x sex x status of smokers")


def test_conditioning_on_smoking_is_exact_for_a_strongly_correlated_latent(params):
    # with corr(bmi, smoking) = -0.6, BMI of current smokers shifts; compare with filtering
    matrix = [[1.0, -0.6, 0.15, 0.0], [-0.6, 1.0, 0.10, 0.0], [0.15, 0.10, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    p = with_overrides(params, {"cohort.correlation.matrix": matrix})
    spec = CohortSpec(smoking=("current",), age_min=30, age_max=50, sex="male")
    df = generate_cohort(40_000, seed=6, params=p, spec=spec)
    ref = generate_cohort(400_000, seed=7, params=p)
    ref = ref[(ref["smoking"] == "current") & (ref["sex"] == "male") & ref["age"].between(30, 50, inclusive="left")]
    for col in ("age", "bmi", "smoking_quit_age"):
        _same_distribution(df[col].fillna(-1), ref[col].fillna(-1), col)
    assert_mean(df["standing_work"].to_numpy(float), ref["standing_work"].mean(), "standing work of smokers")


def test_oversampling_weights_recover_the_population(params, plain):
    spec = CohortSpec(oversample_age=(1, 1, 1, 1, 3, 5), oversample_obese=4.0)
    df = generate_cohort(N, seed=8, params=params, spec=spec)
    w = df["weight"].to_numpy(float)
    obese = (df["bmi"] >= 30).to_numpy(float)
    assert obese.mean() > 1.5 * (plain["bmi"] >= 30).mean()  # the tilt took effect
    assert_mean(w, 1.0, "mean weight")
    for name, x, y in (
        ("obese", obese, (plain["bmi"] >= 30).to_numpy(float)),
        ("age", df["age"].to_numpy(float), plain["age"].to_numpy(float)),
        ("bmi", df["bmi"].to_numpy(float), plain["bmi"].to_numpy(float)),
        ("current smoker", (df["smoking"] == "current").to_numpy(float), (plain["smoking"] == "current").to_numpy(float)),
        ("prior dvt", df["prior_dvt"].to_numpy(float), plain["prior_dvt"].to_numpy(float)),
    ):
        est = np.sum(w * x) / w.sum()
        se_w = np.sqrt(np.sum((w * (x - est)) ** 2)) / w.sum()  # ratio-estimator standard error
        se_p = y.std(ddof=1) / np.sqrt(y.size)
        assert abs(est - y.mean()) < Z * np.hypot(se_w, se_p), f"{name}: weighted {est:.4f} against {y.mean():.4f}"


@pytest.mark.parametrize("spec, match", [
    (dict(age=90), "outside the age bands"),
    (dict(age_min=10, age_max=30), "age range"),
    (dict(age_min=60, age_max=50), "age_min 60 must be below"),
    (dict(age=50, age_min=40), "not both"),
    (dict(sex="other"), "sex"),
    (dict(smoking=("sometimes",)), "smoking"),
    (dict(oversample_age=(1, 2)), "one factor per age band"),
    (dict(oversample_obese=0), "oversample_obese"),
])  # fmt: skip
def test_impossible_specs_fail_clearly(params, spec, match):
    with pytest.raises(CohortError, match=match):
        generate_cohort(10, seed=1, params=params, spec=CohortSpec(**spec))


def test_a_condition_of_probability_zero_fails(params):
    p = with_overrides(params, {"cohort.smoking.female": [[1.0, 0.0, 0.0]] * 6})
    with pytest.raises(CohortError, match="probability zero"):
        generate_cohort(10, seed=1, params=p, spec=CohortSpec(sex="female", smoking=("current",)))
