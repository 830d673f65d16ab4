"""The kernel: one person at a time equals all at once, common random numbers, scheduled events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.analysis import timeline
from cvirisk.cohort import generate_cohort
from cvirisk.model.kernel import Kernel
from cvirisk.params import load_params, with_overrides
from cvirisk.sim import result_from_kernel, simulate
from cvirisk.sim.testing import uniform_cohort

UNLIMITED = {"care.surgery_operations_per_year_per_100000": float("inf")}


@pytest.fixture(scope="module")
def params():
    return load_params(overrides=UNLIMITED)


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(600, seed=5)


def run_vectorised(params, cohort, seed=1, years=20.0):
    """All active persons advanced together (the way a fast engine calls the kernel)."""
    k = Kernel(params, cohort, seed=seed, years=years)
    active = np.arange(len(cohort))
    while active.size:
        t_next, what = k.plan(active)
        live = np.isfinite(t_next)
        active = active[live]
        k.advance(active, t_next[live])
        k.fire(active, what[live])
    return result_from_kernel(k, cohort, engine="vectorised")


def test_all_at_once_is_byte_identical_to_one_at_a_time(params, cohort):
    ref = simulate(cohort, params=params, seed=3, years=20)
    vec = run_vectorised(params, cohort, seed=3)
    pd.testing.assert_frame_equal(ref.events, vec.events, check_exact=True)
    pd.testing.assert_frame_equal(ref.persons, vec.persons, check_exact=True)


def test_a_person_depends_only_on_their_own_draws(params, cohort):
    """Simulating a person alone or among others gives the same trajectory."""
    whole = simulate(cohort, params=params, seed=8, years=10).events
    part = simulate(cohort.iloc[100:130], params=params, seed=8, years=10).events
    mine = whole[whole["person_id"].isin(part["person_id"].unique())].reset_index(drop=True)
    np.testing.assert_array_equal(mine["t"].to_numpy(), part["t"].to_numpy())
    assert (mine["event"].astype(str) == part["event"].astype(str)).all()
    assert (mine["detail"].astype(str) == part["detail"].astype(str)).all()


def test_untouched_persons_are_identical_under_an_intervention(params, cohort):
    """Doubling compression adherence changes only persons whose compression history changes."""
    base = simulate(cohort, params=params, seed=4, years=20).events
    more = simulate(
        cohort, params=with_overrides(params, {"care.compression_adherence": 0.9}), seed=4, years=20
    ).events
    def compressed(ev):
        return set(ev.loc[ev["event"] == "compression", "person_id"])

    touched = compressed(base) | compressed(more)
    assert len(compressed(more)) > len(compressed(base))
    changed = 0
    for pid in cohort["person_id"]:
        a, b = timeline(base, pid), timeline(more, pid)
        if pid in touched:
            changed += not a.equals(b)
        else:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert changed > 0


def test_history_is_conditional_on_survival_and_the_cohorts_dvt_record(params, cohort):
    ev = simulate(cohort, params=params, seed=2, years=20).events
    before = ev[ev["t"] < 0]
    assert not (before["event"] == "death").any()
    assert not ((before["event"] == "dvt") & (before["detail"] == "incident")).any()
    prior = ev[(ev["event"] == "dvt") & (ev["detail"] == "prior")]
    expected = cohort.loc[cohort["prior_dvt"], ["person_id", "prior_dvt_age"]]
    assert set(prior["person_id"]) == set(expected["person_id"])
    got = prior.set_index("person_id")["age"].sort_index()
    np.testing.assert_allclose(got, expected.set_index("person_id")["prior_dvt_age"].sort_index(), atol=1e-4)


def test_scheduled_drivers_change_at_their_ages(params):
    c = uniform_cohort(
        4, age=[70.0, 70.0, 40.0, 30.0], smoking=["former", "current", "never", "never"],
        smoking_quit_age=[45.0, np.nan, np.nan, np.nan], sedentary_work=True,
        congenital_absence=[False, False, False, True],
    )  # fmt: skip
    quiet = with_overrides(params, {f"natural_history.transitions.{t}.rate_per_year": 0.0 for t in ("death_background", "dvt")})
    ev = simulate(c, params=quiet, seed=1, years=30).events
    quit = ev[(ev["event"] == "covariate") & (ev["detail"] == "smoking=former")]
    assert quit.loc[quit["person_id"] == 0, "age"].tolist() == pytest.approx([45.0])
    assert (quit.loc[quit["person_id"] == 1, "t"] >= 0).all()  # current smokers quit only in follow-up
    ret = ev[(ev["event"] == "covariate") & (ev["detail"] == "sedentary_work=False")]
    assert ret.set_index("person_id")["age"].to_dict() == pytest.approx({0: 65.0, 1: 65.0, 2: 65.0})
    cong = ev[ev["person_id"] == 3].iloc[:2]
    assert cong["event"].astype(str).tolist() == ["entry", "valve_failure"]
    assert cong["detail"].astype(str).tolist() == ["history_start", "congenital"]
    assert (cong["age"] == 18.0).all()


def test_every_person_enters_at_18_and_at_baseline_and_exits_once(params, cohort):
    res = simulate(cohort, params=params, seed=6, years=20)
    ev = res.events
    first = ev.groupby("person_id").nth(0)
    assert (first["event"] == "entry").all() and (first["detail"] == "history_start").all()
    np.testing.assert_allclose(first["age"], 18.0, atol=1e-9)
    base = ev[(ev["event"] == "entry") & (ev["detail"] == "baseline")]
    assert len(base) == len(cohort) and (base["t"] == 0).all()
    last = ev.groupby("person_id").nth(-1)
    assert (last["event"] == "exit").all()
    assert (ev["event"] == "exit").sum() == len(cohort)
    deaths = ev[ev["event"] == "death"]
    assert set(deaths["person_id"]) == set(res.persons.loc[~res.persons["alive"], "person_id"])
