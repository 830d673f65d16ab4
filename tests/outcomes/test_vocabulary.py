"""The outcome vocabulary and its readers on a hand-built log, every number computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk import outcomes
from cvirisk.outcomes import log as L
from cvirisk.outcomes.registry import FollowUp, Outcome

# person 1: CVI at t=1, ulcer from t=2 to t=4 (then healed, C5), referred at 2.5, operated at 3
# (wait 0.5 years); followed to t=10. Person 2: DVT at 1, fatal PE at 2. Person 3: background death at 5.
ROWS = [
    (1, 60.0, 0.0, "", "entry", "baseline", None),
    (1, 61.0, 1.0, "left", "ceap", "C3", None),
    (1, 61.0, 1.0, "", "ceap", "C3", None),
    (1, 62.0, 2.0, "left", "ceap", "C6", None),
    (1, 62.0, 2.0, "", "ceap", "C6", None),
    (1, 62.5, 2.5, "left", "surgery", "referred", None),
    (1, 63.0, 3.0, "left", "surgery", "done", 0.5),
    (1, 64.0, 4.0, "left", "ceap", "C5", None),
    (1, 64.0, 4.0, "", "ceap", "C5", None),
    (1, 70.0, 10.0, "", "exit", "end_of_follow_up", None),
    (2, 70.0, 0.0, "", "entry", "baseline", None),
    (2, 71.0, 1.0, "right", "dvt", "incident", None),
    (2, 72.0, 2.0, "", "pe", "fatal", None),
    (2, 72.0, 2.0, "", "death", "pe", None),
    (2, 72.0, 2.0, "", "exit", "death", None),
    (3, 50.0, 0.0, "", "entry", "baseline", None),
    (3, 51.0, 1.0, "", "covariate", "smoking=former", None),
    (3, 55.0, 5.0, "", "death", "background", None),
    (3, 55.0, 5.0, "", "exit", "death", None),
]
LOG = pd.DataFrame(
    ROWS, columns=["person_id", "age", "t", "leg", "event", "detail", "value"]
).astype({"value": float})


def _categorical(ev: pd.DataFrame) -> pd.DataFrame:
    return ev.astype({"leg": "category", "event": "category", "detail": "category"})


@pytest.mark.parametrize("log", [LOG, _categorical(LOG)], ids=["text", "categorical"])
def test_registered_outcomes_by_hand(log):
    o = outcomes.measure(log, years=10.0)
    assert o["cvi_incident"] == 1.0
    assert o["ulcer_years"] == 2.0  # C6 from t=2 to t=4
    assert o["life_years"] == 10.0 + 2.0 + 5.0
    assert (o["deaths"], o["deaths_pe"], o["dvt"], o["pe"]) == (2.0, 1.0, 1.0, 1.0)
    assert (o["surgeries"], o["referrals"], o["mean_wait_years"]) == (1.0, 1.0, 0.5)
    assert o["death_rate"] == pytest.approx(1000 * 2 / 17)
    assert o["ulcer_onset_rate"] == pytest.approx(
        1000 * 1 / 17
    )  # the person's C6, not the leg's too
    # at t=10 only person 1 is alive and observed, in C5
    assert (
        o["varicose_prevalence_end"],
        o["cvi_prevalence_end"],
        o["ulcer_history_prevalence_end"],
    ) == (
        100.0,
        100.0,
        100.0,
    )


def test_weights_multiply_a_persons_share():
    w = pd.Series({1: 2.0, 2: 1.0, 3: 1.0})
    o = outcomes.measure(
        LOG, years=10.0, weights=w, names=["ulcer_years", "life_years", "death_rate"]
    )
    assert o == pytest.approx({"ulcer_years": 4.0, "life_years": 27.0, "death_rate": 1000 * 2 / 27})


def test_follow_up_window_cuts_spans_and_counts():
    o = outcomes.measure(LOG, years=3.0, names=["ulcer_years", "life_years", "deaths", "surgeries"])
    assert o == {"ulcer_years": 1.0, "life_years": 3.0 + 2.0 + 3.0, "deaths": 1.0, "surgeries": 1.0}


def test_waiting_at_end_counts_referrals_of_the_living_not_yet_operated():
    # person 1 is referred again at t=8 and still waits at t=10; person 3 is referred at 4 and dies at 5
    more = [
        (1, 68.0, 8.0, "right", "surgery", "referred", None),
        (3, 54.0, 4.0, "left", "surgery", "referred", None),
    ]
    ev = pd.DataFrame(ROWS + more, columns=LOG.columns).astype({"value": float})
    ev = ev.sort_values(["person_id", "t"], kind="stable").reset_index(drop=True)
    assert outcomes.measure(ev, years=10.0, names=["waiting_at_end"]) == {"waiting_at_end": 1.0}
    not_yet = outcomes.measure(
        ev, years=7.0, names=["waiting_at_end"]
    )  # the second referral comes at 8
    assert not_yet == {"waiting_at_end": 0.0}
    assert outcomes.measure(LOG, years=10.0, names=["waiting_at_end"]) == {"waiting_at_end": 0.0}


def test_no_operation_gives_no_waiting_time_not_zero():
    o = outcomes.measure(LOG[LOG["event"] != "surgery"], years=10.0, names=["mean_wait_years"])
    assert np.isnan(o["mean_wait_years"])


def test_table_readers_by_hand():
    assert outcomes.deaths_by_cause(LOG).to_dict() == {"background": 1, "pe": 1}
    assert outcomes.life_years(LOG, 0.0, 10.0).to_dict() == {1: 10.0, 2: 2.0, 3: 5.0}
    assert outcomes.operations(LOG).to_dict() == {1: 1}
    assert outcomes.done_waits(LOG)["wait_years"].tolist() == [0.5]
    assert outcomes.ulcer_years(LOG).loc[1] == 2.0
    inc = outcomes.incidence(LOG, "death")
    assert inc["rate"].iloc[0] == pytest.approx(1000 * 2 / 17)
    prev = outcomes.prevalence(LOG, t=5.0, by=())  # person 3 dies at 5 and is not counted
    assert (prev["n"].iloc[0], prev["C5"].iloc[0]) == (1, 1.0)


def test_cumulative_incidence_with_death_competing_by_hand():
    # first C3+: person 1 at t=1 (3 at risk); deaths first: person 2 at 2 (2 at risk), person 3 at 5 (1 at risk)
    ci = outcomes.cumulative_incidence(LOG, "ceap", ("C3", "C4", "C5", "C6"), times=[1.0, 10.0])
    assert ci["cif"].tolist() == pytest.approx([1 / 3, 1 / 3])
    assert ci["cif_death"].tolist() == pytest.approx([0.0, 2 / 3])


def test_risk_of_cvi_by_hand_and_weighted():
    # as above at t=10: 1/3; person 1 weighted 2: 2 of 4 at t=1, then no more CVI
    assert outcomes.measure(LOG, 10.0, names=["cvi_cumulative_incidence"]) == {
        "cvi_cumulative_incidence": pytest.approx(100 / 3)
    }
    w = pd.Series({1: 2.0, 2: 1.0, 3: 1.0})
    assert outcomes.measure(LOG, 10.0, weights=w, names=["cvi_cumulative_incidence"]) == {
        "cvi_cumulative_incidence": pytest.approx(50.0)
    }


def test_age_standardised_rate_by_hand():
    # bands 40-59 and 60+: person 3 gives 5 years and 1 death at 40-59; persons 1 and 2 give
    # 10 + 2 years and 1 death at 60+. ESP 2013: 40-59 holds 27,500 and 60+ 25,500 of 100,000.
    r = outcomes.standardised_rate(LOG, "death", bands=(40, 60, 120))
    assert r["rate"] == pytest.approx(1000 * (27_500 * 1 / 5 + 25_500 * 1 / 12) / 53_000)
    assert r["crude_rate"] == pytest.approx(1000 * 2 / 17)
    assert r["rate_low"] < r["rate"] < r["rate_high"]
    assert outcomes.standard_weights((0, 120)).sum() == 100_000


def test_typed_rows():
    ev = _categorical(LOG)
    assert L.ceap_class(ev).dropna().tolist() == [3, 3, 6, 6, 5, 5]
    assert L.ceap_subclass(ev.assign(detail=ev["detail"].astype(str).replace({"C5": "C4b"})))[
        L.is_event(ev, "ceap")
    ].tolist() == ["", "", "", "", "b", "b"]
    assert L.exits(ev)[["person_id", "died"]].values.tolist() == [[1, False], [2, True], [3, True]]
    assert L.death_causes(ev)["cause"].tolist() == ["pe", "background"]
    assert L.covariate_changes(ev)[["name", "setting"]].values.tolist() == [["smoking", "former"]]
    assert L.is_event(ev, "surgery", "d*").sum() == 1
    assert L.is_event(ev, ("dvt", "pe")).sum() == 2
    assert L.surgery_waits(ev).tolist() == [0.5]


def test_every_outcome_says_what_it_means():
    table = outcomes.dictionary()
    assert list(table.columns) == ["outcome", "label", "unit", "definition", "group"]
    assert table["outcome"].is_unique
    for col in ("label", "unit", "definition"):
        assert (table[col].str.len() > 3).all(), table.loc[
            table[col].str.len() <= 3, "outcome"
        ].tolist()


def test_register_refuses_a_second_meaning_for_a_name():
    with pytest.raises(ValueError, match="already registered"):
        outcomes.register(Outcome("deaths", "deaths", "something else", "persons", lambda fu: 0.0))
    with pytest.raises(KeyError, match="unknown outcome"):
        outcomes.get("no_such_outcome")


def test_a_registered_outcome_is_measured_and_described():
    name = "_test_entries"
    outcomes.register(
        Outcome(
            name,
            "entries",
            "Entry rows in the log (test).",
            "rows",
            lambda fu: float(len(L.entries(fu.events))),
        )
    )
    try:
        assert outcomes.measure(LOG, years=1.0, names=[name]) == {name: 3.0}
        assert outcomes.dictionary([name])["unit"].tolist() == ["rows"]
    finally:
        from cvirisk.outcomes import registry

        registry._REGISTRY.pop(name)
    assert isinstance(FollowUp(LOG, 1.0).memo("k", lambda: 1), int)
