"""Scheduled driver changes in follow-up (optional cohort columns read by the kernel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import CohortError
from cvirisk.params import with_overrides
from cvirisk.sim import simulate
from cvirisk.sim.testing import uniform_cohort

INF_KEY = "care.surgery_operations_per_year_per_100000"


@pytest.fixture(scope="module")
def quiet(params):
    """No deaths, unlimited surgery: persons leave only at the end of follow-up."""
    return with_overrides(params, {INF_KEY: float("inf"),
                                   "natural_history.transitions.death_background.rate_per_year": 0.0,
                                   "natural_history.transitions.smoking_quit.rate_per_year": 0.0})


def _cov(res, detail_prefix):
    ev = res.events
    d = ev["detail"].astype(str)
    return ev[(ev["event"] == "covariate") & d.str.startswith(detail_prefix)]


def test_scheduled_quit_sedentary_stop_and_bmi_change(quiet):
    c = uniform_cohort(4, age=40.0, smoking="current", sedentary_work=True, bmi=[32.0, 32.0, 28.0, 28.0])
    c["quit_smoking_at_t"] = [2.0, np.nan, 0.0, np.nan]
    c["sedentary_stop_at_t"] = [np.nan, 3.0, np.nan, np.nan]
    c["bmi_change_at_t"] = [1.0, np.nan, np.nan, 0.0]
    c["bmi_change"] = [-4.0, 0.0, 0.0, -3.0]
    res = simulate(c, params=quiet, seed=1, years=10, engine="fast")
    quit_ = _cov(res, "smoking=former").set_index("person_id")["t"]
    assert quit_.to_dict() == {0: 2.0, 2: 0.0}
    sed = _cov(res, "sedentary_work=False").set_index("person_id")["t"]
    assert sed.to_dict() == {1: 3.0}  # retirement at 65 is beyond follow-up for the others
    bmi = _cov(res, "bmi=").groupby("person_id")
    first = bmi.nth(0).set_index("person_id")
    # person 0: BMI 32 at 40 drifts 0.08 a year: 32.08 at t=1, minus 4
    assert first.loc[0, "t"] == 1.0 and first.loc[0, "detail"] == "bmi=28.1"
    assert first.loc[3, "t"] == 0.0 and first.loc[3, "detail"] == "bmi=25.0"
    # person 2 crosses BMI 30 at 40 + 2/0.08 = 65 = drift end: no crossing logged in follow-up
    assert 2 not in set(bmi.size().index) or (bmi.get_group(2)["t"] > 10).all()


def test_bmi_30_crossing_is_rescheduled_after_a_reduction(quiet):
    c = uniform_cohort(1, age=25.0, bmi=29.0)  # drift ends at 65 (t = 40)
    base = simulate(c, params=quiet, seed=1, years=30, engine="fast")
    c["bmi_change_at_t"] = 5.0
    c["bmi_change"] = -1.0
    scen = simulate(c, params=quiet, seed=1, years=30, engine="fast")
    cross = lambda r: _cov(r, "bmi=30.0")["t"].tolist()  # noqa: E731
    assert cross(base) == pytest.approx([12.5])  # 1 unit at 0.08 a year
    assert cross(scen) == pytest.approx([12.5 + 1.0 / 0.08])


def test_no_columns_means_identical_results(quiet):
    c = uniform_cohort(50, age=np.linspace(20, 79, 50), smoking="current")
    a = simulate(c, params=quiet, seed=3, years=10, engine="fast")
    c2 = c.assign(quit_smoking_at_t=np.nan, sedentary_stop_at_t=np.nan)
    b = simulate(c2, params=quiet, seed=3, years=10, engine="fast")
    pd.testing.assert_frame_equal(a.events, b.events)


@pytest.mark.parametrize("value", [-1.0, np.inf])
def test_history_before_baseline_cannot_be_changed(quiet, value):
    c = uniform_cohort(2).assign(quit_smoking_at_t=[np.nan, value])
    with pytest.raises(CohortError, match="quit_smoking_at_t"):
        simulate(c, params=quiet, seed=1, years=5, engine="fast")


def test_bmi_change_column_is_required(quiet):
    with pytest.raises(CohortError, match="bmi_change"):
        simulate(uniform_cohort(2).assign(bmi_change_at_t=1.0), params=quiet, seed=1, years=5, engine="fast")
