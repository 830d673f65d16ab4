"""Study estimators on hand-made event logs (the documented contract, no engine)."""

import numpy as np
import pytest

from cvirisk.calibration.designs import (
    Simulated,
    summarize_bonn,
    summarize_prandoni,
    summarize_ulcer_inputs,
)
from cvirisk.calibration.estimators import (
    bonn_class,
    cumulative_incidence_after_index,
    episode_rates,
    first_event_rates_by_age,
    new_onset_among_survivors,
    proportion,
    status_at,
)


def test_status_and_bonn_class(ev):
    e = ev([
        (1, -10, "ceap", "C1"), (1, -5, "ceap", "C2"), (1, -6, "valve_failure", "superficial", "left"),
        (2, -3, "ceap", "C3"), (2, -3, "finding", "edema", "right"), (2, -8, "valve_failure", "deep_post_thrombotic", "right"),
        (3, -9, "valve_failure", "superficial", "left"), (3, -4, "surgery", "done", "left", 0.0),
        (3, -2, "ceap", "C6"), (3, -1, "ceap", "C5"), (3, 2, "ceap", "C6"),
        (4, -1, "valve_failure", "congenital"),
    ])  # fmt: skip
    e = e.sort_values(["person_id", "t"], kind="stable")
    st = status_at(e, [1, 2, 3, 4, 5], 0.0)
    assert st["ceap"].tolist() == [2, 3, 5, 0, 0]  # the last class at t<=0 (C6 -> C5 on healing)
    assert st["superficial"].tolist() == [True, False, False, True, False]  # surgery removed 3's reflux
    assert st["deep"].tolist() == [False, True, False, True, False]
    assert st["varicose"].tolist() == [True, False, False, False, False]
    assert st["edema"].tolist() == [False, True, False, False, False]
    assert bonn_class(st).tolist() == [2, 3, 5, 0, 0]
    # a C3 without edema present would be classed by its lower class under Bonn's definition
    st.loc[2, "edema"] = False
    assert bonn_class(st).tolist()[1] == 0


def test_bonn_summary_on_a_hand_made_log(ev, co):
    e = ev([(1, -1, "ceap", "C1"), (2, -1, "ceap", "C2"), (3, -1, "ceap", "C3"), (3, -1, "finding", "edema")])
    sim = Simulated(co([1, 2, 3, 4], sex=["male", "female", "female", "male"]), e, None, 0.0)
    out = summarize_bonn(sim)
    assert out["bonn1_c0_all"].value == pytest.approx(25.0)
    assert out["bonn1_c3_women"].value == pytest.approx(50.0)
    assert out["bonn1_c0_men"].value == pytest.approx(50.0)
    for est in out.values():
        assert est.low <= est.value <= est.high


def test_proportion_weights_and_interval():
    e = proportion(np.array([1, 0]), np.array([3.0, 1.0]))
    assert e.value == pytest.approx(75.0)
    assert e.n == pytest.approx(16 / 10)
    e = proportion(np.r_[np.ones(100), np.zeros(900)].astype(bool))
    assert e.low < 10.0 < e.high and e.high - e.low < 4.0


def test_new_onset_counts_survivors_only(ev, co):
    e = ev([
        (1, 5, "ceap", "C2"),            # new varicose veins within 13 years
        (2, 3, "death", "background"),   # dies before re-examination: not seen
        (3, 14, "ceap", "C2"),           # after the re-examination
        (4, 4, "ceap", "C3"),            # edema without a C2 sign: not a new varicose vein
    ])  # fmt: skip
    out = new_onset_among_survivors(e, co([1, 2, 3, 4, 5]), years=13, eligible=np.ones(5, bool))
    assert out.value == pytest.approx(25.0)  # 1 of persons 1, 3, 4, 5
    assert out.n == 4


def test_first_event_rates_by_attained_age(ev, co):
    # person 1: age 60, DVT at t=2 (age 62); person 2: age 63, followed 10 years without event
    e = ev([(1, 2.0, "dvt", "incident"), (2, 10.0, "exit", "end_of_follow_up"),
            (3, -5.0, "dvt", "prior"), (3, 1.0, "dvt", "incident")])  # fmt: skip
    c = co([1, 2, 3], age=[60.0, 63.0, 60.0])
    r = first_event_rates_by_age(e, c, years=10, bands=[(20, 65), (65, 75)], per=1.0)
    # band 20-65: 2 years of person 1 + 2 years of person 2 (63-65), 1 event; person 3 is excluded (prior DVT)
    assert r[0].value == pytest.approx(1 / 4)
    assert r[0].detail["events"] == 1
    assert r[1].value == pytest.approx(0.0) and r[1].high > 0
    assert r[0].low < r[0].value < r[0].high


def test_kaplan_meier_after_index():
    # 4 persons indexed at t=0: events at 1 and 3; censored at 2 and 10
    out = cumulative_incidence_after_index(
        np.zeros(4), np.array([1.0, np.nan, 3.0, np.nan]), np.array([10.0, 2.0, 10.0, 10.0]), (1.5, 5.0)
    )
    assert out[0].value == pytest.approx(25.0)
    assert out[1].value == pytest.approx(100 * (1 - 0.75 * 0.5))
    assert out[1].low < out[1].value < out[1].high


def test_prandoni_design_on_a_log(ev, co):
    e = ev([(1, 1.0, "dvt", "incident", "left"), (1, 2.0, "valve_failure", "deep_post_thrombotic", "left"),
            (2, 1.0, "dvt", "incident"), (3, 2.0, "dvt", "incident")])  # fmt: skip
    out = summarize_prandoni(Simulated(co([1, 2, 3]), e, None, 20.0))
    assert out["pts_after_dvt_2y"].value == pytest.approx(100 / 3)


def test_episode_rates_split_by_compression(ev):
    e = ev([
        (1, 0.0, "ceap", "C6"), (1, 1.0, "compression", "start"), (1, 1.5, "ceap", "C5"), (1, 3.5, "ceap", "C6"),
        (2, 0.0, "ceap", "C6"), (2, 2.0, "ceap", "C5"),
    ])  # fmt: skip
    heal = episode_rates(e, years=10, from_class=6, to_class=5).set_index("comp")
    assert heal.loc[0.0, "person_years"] == pytest.approx(1.0 + 2.0)
    assert heal.loc[0.0, "events"] == 1
    assert heal.loc[1.0, "person_years"] == pytest.approx(0.5 + 6.5)  # 0.5 to healing, then 6.5 open to t=10
    assert heal.loc[1.0, "events"] == 1
    rec = episode_rates(e, years=10, from_class=5, to_class=6).set_index(["comp", "surg"])
    assert rec.loc[(1.0, 0.0), "person_years"] == pytest.approx(2.0)
    assert rec.loc[(0.0, 0.0), "person_years"] == pytest.approx(8.0)
    out = summarize_ulcer_inputs(Simulated(None, e, None, 10.0))
    hr = out["compression_healing_hr"]
    assert hr.value == pytest.approx((1 / 7) / (1 / 3))
    assert hr.low < hr.value < hr.high
