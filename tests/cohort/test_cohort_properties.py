"""Properties of any valid spec (hypothesis): the condition holds, the contract holds, weights are
positive, and categories of probability zero never appear (rounding cannot select them)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvirisk.cohort import CohortSpec, generate_cohort, validate_cohort
from cvirisk.params import with_overrides

STATUSES = ("never", "current", "former")


@st.composite
def specs(draw):
    kind = draw(st.sampled_from(["plain", "age", "range"]))
    age = age_min = age_max = None
    if kind == "age":
        age = draw(st.floats(18, 79.99, allow_nan=False))
    elif kind == "range":
        age_min = draw(st.floats(18, 79, allow_nan=False))
        age_max = draw(st.floats(age_min + 0.01, 80, allow_nan=False))
    smoking = draw(st.none() | st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True).map(tuple))
    return CohortSpec(
        age=age, age_min=age_min, age_max=age_max, sex=draw(st.sampled_from([None, "female", "male"])),
        smoking=smoking,
        oversample_age=draw(st.none() | st.lists(st.floats(0.1, 10), min_size=6, max_size=6).map(tuple)),
        oversample_obese=draw(st.sampled_from([1.0, 0.5, 3.0])),
    )  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs(), seed=st.integers(0, 2**32))
def test_any_spec_gives_a_valid_cohort_meeting_its_condition(params, spec, seed):
    df = validate_cohort(generate_cohort(300, seed=seed, params=params, spec=spec))
    age = df["age"].to_numpy(float)
    if spec.age is not None:
        assert np.allclose(age, spec.age, atol=1e-5)
    if spec.age_min is not None:
        assert (age >= np.float32(spec.age_min)).all() and (age < spec.age_max).all()
    if spec.sex is not None:
        assert (df["sex"] == spec.sex).all()
    if spec.smoking is not None:
        assert df["smoking"].isin(spec.smoking).all()
    assert (df["weight"] > 0).all() and np.isfinite(df["weight"]).all()
    if spec.oversample_age is None and spec.oversample_obese == 1.0:
        assert (df["weight"] == 1).all()


def test_categories_of_probability_zero_never_appear(params):
    p = with_overrides(params, {
        "cohort.parity.distribution": [0.5, 0.5, 0.0, 0.0, 0.0],
        "cohort.smoking.male": [[0.7, 0.3, 0.0]] * 6,
        "cohort.age_bands.share": [0.0, 0.5, 0.5, 0.0, 0.0, 0.0],
    })  # fmt: skip
    df = generate_cohort(50_000, seed=9, params=p)
    assert df["parity"].max() <= 1
    assert not ((df["sex"] == "male") & (df["smoking"] == "former")).any()
    assert df["age"].between(30, 50, inclusive="left").all()


def test_progress_callback_sees_every_chunk(params):
    seen = []
    generate_cohort(1_000, seed=1, params=params, chunk_size=300, callback=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("n", [-1, 2.5, True, "10"])
def test_bad_n_is_rejected(params, n):
    from cvirisk.exceptions import CohortError

    with pytest.raises(CohortError, match="n must be"):
        generate_cohort(n, seed=1, params=params)
