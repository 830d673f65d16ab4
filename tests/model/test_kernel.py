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


def _log_hazard_jump(kernel, person, event_name):
    """Log hazards of all transitions just before and just after a scheduled event fires."""
    from cvirisk.model.state import SCHED

    idx = np.array([person])
    code = kernel.n_transitions + SCHED[event_name]
    st, hz = kernel.state, kernel.hazards
    while True:
        t_next, what = kernel.plan(idx)
        assert np.isfinite(t_next[0]), f"{event_name} never happened"
        kernel.advance(idx, t_next)
        if what[0] == code:
            age = st.age0[idx] + st.t[idx]
            before = hz.log_hazard(age, st.X[idx], st.X1[idx])
            kernel.fire(idx, what)
            after = hz.log_hazard(age, st.X[idx], st.X1[idx])
            return before, after
        kernel.fire(idx, what)


@pytest.mark.parametrize(
    ("event_name", "columns", "feature", "change"),
    [
        ("retirement", {"sedentary_work": True}, "sedentary_work", -1.0),
        ("smoking_quit_prior", {"smoking": "former", "smoking_quit_age": 40.0}, "smoking_former", 1.0),
        ("bmi_30", {"bmi": 31.0}, None, 0.0),
    ],
)
def test_hazards_are_recomputed_when_a_driver_changes(params, event_name, columns, feature, change):
    quiet = with_overrides(params, {"natural_history.transitions.death_background.rate_per_year": 0.0})
    k = Kernel(quiet, uniform_cohort(1, age=70.0, **columns), seed=1, years=5)
    (lh0, b0), (lh1, b1) = _log_hazard_jump(k, 0, event_name)
    trans = quiet.natural_history.transitions
    for tid, j in k.hazards.index.items():
        if not np.isfinite(lh0[0, j]):  # switched off
            continue
        hrs = getattr(trans, tid).hazard_ratios
        expected = 0.0
        if feature is not None and feature in hrs:
            expected += change * np.log(hrs[feature].value)
        if event_name == "smoking_quit_prior" and "smoking_current" in hrs:
            expected -= np.log(hrs["smoking_current"].value)
        assert lh1[0, j] - lh0[0, j] == pytest.approx(expected, abs=1e-9), tid
    np.testing.assert_allclose(b1, b0)  # slopes unchanged: these drivers are steps


def test_bmi_drift_end_flattens_the_slope_of_bmi_driven_hazards(params):
    k = Kernel(params, uniform_cohort(1, age=70.0, bmi=28.0), seed=1, years=5)
    (_, b0), (_, b1) = _log_hazard_jump(k, 0, "drift_end")
    j = k.hazards.index["edema"]
    drift = params.cohort.bmi.drift_per_year.value
    hr_bmi = params.natural_history.transitions.edema.hazard_ratios["bmi_per_5"].value
    hr_avp = params.natural_history.transitions.edema.hazard_ratios["avp_per_10"].value
    per_bmi = params.venous_pressure.per_bmi_unit_mmhg.value
    expected = drift / 5 * np.log(hr_bmi) + per_bmi * drift / 10 * np.log(hr_avp)
    assert b0[0, j] - b1[0, j] == pytest.approx(expected)


def test_budgets_come_from_the_named_transition_streams(params):
    from cvirisk.random import exponentials, uniforms

    c = uniform_cohort(5, first_id=100)
    k = Kernel(params, c, seed=7, years=1, replication=2)
    for tid, j in k.hazards.index.items():
        expected = exponentials(7, 2, f"transition.{tid}", c["person_id"], 0)
        np.testing.assert_array_equal(k.state.E[:, j], expected)
    np.testing.assert_array_equal(k.uniform("duplex", np.arange(5), 3), uniforms(7, 2, "duplex", c["person_id"], 3))
