"""Analysis functions on hand-built event logs with known answers, and against lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter

from cvirisk.analysis import (
    ceap_at,
    cumulative_incidence,
    incidence,
    observed_at,
    person_years,
    prevalence,
    reflux_at,
    state_occupancy,
    surgery_waits,
    time_in_class,
    time_to_first,
    timeline,
)
from cvirisk.sim import simulate
from cvirisk.sim.testing import uniform_cohort


def log(rows):
    """A log in the engines' columns; a row may give ``(..., leg, value)`` after the detail."""
    rows = [tuple(r) + ("", np.nan)[len(r) - 5:] for r in rows]
    df = pd.DataFrame(rows, columns=["person_id", "age", "t", "event", "detail", "leg", "value"])
    df = df[["person_id", "age", "t", "leg", "event", "detail", "value"]]
    return df.sort_values(["person_id", "t"], kind="stable").reset_index(drop=True)


@pytest.fixture
def events():
    # person 1: 40 at baseline, C2 at 30, superficial reflux at 25, C6 at t=2, dies at t=4
    # person 2: 60 at baseline, no disease, deep reflux at 50, surgery irrelevant, censored at t=10
    # person 3: 20 at baseline, C1 at 19, superficial reflux at 19, operated at t=1, censored at t=10
    return log([
        (1, 18.0, -22.0, "entry", "history_start"), (1, 25.0, -15.0, "valve_failure", "superficial", "left"),
        (1, 30.0, -10.0, "ceap", "C2"), (1, 40.0, 0.0, "entry", "baseline"), (1, 42.0, 2.0, "ceap", "C6"),
        (1, 44.0, 4.0, "death", "background"), (1, 44.0, 4.0, "exit", "death"),
        (2, 18.0, -42.0, "entry", "history_start"), (2, 50.0, -10.0, "valve_failure", "deep_primary", "right"),
        (2, 60.0, 0.0, "entry", "baseline"), (2, 70.0, 10.0, "exit", "end_of_follow_up"),
        (3, 18.0, -2.0, "entry", "history_start"), (3, 19.0, -1.0, "ceap", "C1"),
        (3, 19.0, -1.0, "valve_failure", "superficial", "left"), (3, 20.0, 0.0, "entry", "baseline"),
        (3, 20.5, 0.5, "surgery", "referred", "left"), (3, 21.0, 1.0, "surgery", "done", "left", 0.5),
        (3, 30.0, 10.0, "exit", "end_of_follow_up"),
    ])  # fmt: skip


@pytest.fixture
def persons():
    return pd.DataFrame({"person_id": [1, 2, 3], "sex": ["female", "male", "female"]})


def test_states_at_a_time(events):
    assert list(observed_at(events, 5.0)) == [2, 3]
    assert list(observed_at(events, -30.0)) == [2]
    assert ceap_at(events, 0.0).to_dict() == {1: 2, 2: 0, 3: 1}
    assert ceap_at(events, 3.0).to_dict() == {1: 6, 2: 0, 3: 1}
    r0, r2 = reflux_at(events, 0.0), reflux_at(events, 2.0)
    assert r0["superficial_reflux"].to_dict() == {1: True, 2: False, 3: True}
    assert r2["superficial_reflux"].to_dict() == {1: True, 2: False, 3: False}
    assert r2["deep_reflux"].to_dict() == {1: False, 2: True, 3: False}


def test_prevalence_by_sex_and_band(events, persons):
    tab = prevalence(events, persons, t=0.0, by=("sex",))
    women = tab.set_index("sex").loc["female"]
    assert women["n"] == 2 and women["C1"] == 0.5 and women["C2"] == 0.5 and women["varicose_veins"] == 0.5
    assert women["superficial_reflux"] == 1.0
    band = prevalence(events, persons, t=0.0, by=("age_band",)).set_index("age_band")
    assert band.loc["60-69", "deep_reflux"] == 1.0 and band.loc["18-29", "C1"] == 1.0


def test_person_years_and_incidence(events, persons):
    py = person_years(events)
    assert py["person_years"].iloc[0] == pytest.approx(4 + 10 + 10)
    by_band = person_years(events, by=("age_band",)).set_index("age_band")["person_years"]
    assert by_band["40-49"] == pytest.approx(4.0)
    assert by_band["60-69"] == pytest.approx(10.0) and by_band["18-29"] == pytest.approx(10.0)
    inc = incidence(events, "death")
    assert inc["events"].iloc[0] == 1 and inc["rate"].iloc[0] == pytest.approx(1000 / 24)
    assert inc["rate_low"].iloc[0] < inc["rate"].iloc[0] < inc["rate_high"].iloc[0]
    by_sex = incidence(events, "surgery", "done*", persons=persons, by=("sex",)).set_index("sex")
    assert by_sex.loc["female", "events"] == 1 and by_sex.loc["male", "events"] == 0


def test_time_to_first_and_care(events):
    d = time_to_first(events, "ceap", "C6")
    assert d.loc[1, "duration"] == 2.0 and d.loc[1, "event"] == 1
    assert d.loc[2, "event"] == 0 and d.loc[2, "duration"] == 10.0
    w = surgery_waits(events)
    assert w[["person_id", "wait_years", "done"]].values.tolist() == [[3, 0.5, True]]
    assert time_in_class(events, "C6").to_dict() == {1: 2.0, 2: 0.0, 3: 0.0}
    assert time_in_class(events, "C2", start=-np.inf).loc[1] == pytest.approx(12.0)


def test_occupancy_and_timeline(events):
    occ = state_occupancy(events, [0.0, 5.0]).set_index(["time", "state"])["share"]
    assert occ[(0.0, "C2")] == pytest.approx(1 / 3)
    assert occ[(5.0, "DEAD")] == pytest.approx(1 / 3)
    np.testing.assert_allclose(occ.groupby(level=0).sum(), 1.0)
    by_age = state_occupancy(events, [19.5], axis="age").set_index("state")["share"]
    assert by_age["C1"] == pytest.approx(1 / 3)
    tl = timeline(events, 3)
    assert tl["event"].tolist()[:2] == ["entry", "ceap"] and tl["t"].is_monotonic_increasing


def test_cumulative_incidence_matches_lifelines_aalen_johansen():
    res = simulate(uniform_cohort(400, age=75.0, bmi=33.0, family_history=True), seed=4, years=20)
    d = time_to_first(res.events, "ceap", "C3", exclude_prevalent=True)
    times = [2.0, 5.0, 10.0, 15.0]
    ours = cumulative_incidence(res.events, "ceap", "C3", times=times, exclude_prevalent=True)
    aj = AalenJohansenFitter(calculate_variance=False).fit(d["duration"], d["event"], event_of_interest=1)
    ref = aj.cumulative_density_.iloc[:, 0]
    for t, cif in zip(times, ours["cif"], strict=True):
        assert cif == pytest.approx(ref[ref.index <= t].iloc[-1], abs=1e-9)
    assert (ours["cif"] + ours["cif_death"] <= 1.0).all()


def test_prevalence_uses_the_weight_column(events, persons):
    w = persons.assign(weight=[3.0, 1.0, 1.0])
    tab = prevalence(events, w, t=0.0, by=())
    assert tab["n"].iloc[0] == 3
    assert tab["C2"].iloc[0] == pytest.approx(3 / 5)
    assert prevalence(events, w, t=0.0, by=(), weighted=False)["C2"].iloc[0] == pytest.approx(1 / 3)
    by_sex = prevalence(events, w, t=0.0, by=("sex",)).set_index("sex")
    assert by_sex.loc["female", "C2"] == pytest.approx(3 / 4)
