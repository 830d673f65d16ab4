"""Outcomes over follow-up from hand-made event logs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cvirisk.scenarios import OUTCOMES, run_outcomes


def _log(rows):
    """Rows ``(person_id, t, event, detail[, value])`` of the person (leg "")."""
    rows = [tuple(r) + (float("nan"),)[len(r) - 4:] for r in rows]
    df = pd.DataFrame(rows, columns=["person_id", "t", "event", "detail", "value"])
    df["age"] = 50.0 + df["t"]
    df["leg"] = ""
    df["event"] = pd.Categorical(df["event"])
    df["detail"] = pd.Categorical(df["detail"])
    return df[["person_id", "age", "t", "leg", "event", "detail", "value"]]


LOG = _log([
    # person 1: C3 before baseline (not incident); ulcer 1.0-2.5 and 4.0-exit(5.0); PE death at 5
    (1, -30.0, "entry", "history_start"), (1, -5.0, "ceap", "C3"), (1, 0.0, "entry", "baseline"),
    (1, 1.0, "ceap", "C6"), (1, 2.5, "ceap", "C5"), (1, 3.0, "surgery", "referred"),
    (1, 3.5, "surgery", "done", 0.5), (1, 4.0, "ceap", "C6"), (1, 5.0, "dvt", "incident"),
    (1, 5.0, "pe", "fatal"), (1, 5.0, "death", "pe"), (1, 5.0, "exit", "death"),
    # person 2: ulcer opens before baseline and lasts to t=0.5; first C3+ is that C6 (not incident)
    (2, -20.0, "entry", "history_start"), (2, -1.0, "ceap", "C6"), (2, 0.0, "entry", "baseline"),
    (2, 0.5, "ceap", "C5"), (2, 10.0, "exit", "end_of_follow_up"),
    # person 3: incident C3 and superficial failure in follow-up; a prior DVT does not count
    (3, -10.0, "entry", "history_start"), (3, -2.0, "dvt", "prior"), (3, 0.0, "entry", "baseline"),
    (3, 1.0, "valve_failure", "superficial"), (3, 2.0, "ceap", "C2"), (3, 6.0, "ceap", "C3"),
    (3, 7.0, "surgery", "referred"), (3, 9.0, "surgery", "done", 2.0),
    (3, 10.0, "exit", "end_of_follow_up"),
])  # fmt: skip


def test_outcomes_of_a_hand_made_log():
    o = run_outcomes(LOG, years=10)
    assert list(o) == list(OUTCOMES)
    assert o["cvi_incident"] == 1.0
    assert o["superficial_failure"] == 1.0
    assert o["ulcer_years"] == pytest.approx(1.5 + 1.0 + 0.5)
    assert (o["dvt"], o["pe"], o["deaths"]) == (1.0, 1.0, 1.0)
    assert (o["surgeries"], o["referrals"]) == (2.0, 2.0)
    assert o["mean_wait_years"] == pytest.approx(1.25)
    assert o["life_years"] == pytest.approx(5.0 + 10.0 + 10.0)


def test_a_shorter_horizon_cuts_every_outcome():
    o = run_outcomes(LOG, years=4.5)
    assert o["ulcer_years"] == pytest.approx(1.5 + 0.5 + 0.5)
    assert (o["cvi_incident"], o["dvt"], o["deaths"], o["surgeries"]) == (0.0, 0.0, 0.0, 1.0)
    assert o["life_years"] == pytest.approx(3 * 4.5)


def test_weights_scale_counts_and_weight_the_mean_wait():
    w = pd.Series([1.0, 2.0, 3.0], index=[1, 2, 3])
    o = run_outcomes(LOG, years=10, weights=w)
    assert o["cvi_incident"] == 3.0 and o["ulcer_years"] == pytest.approx(2.5 + 2 * 0.5)
    assert o["mean_wait_years"] == pytest.approx((0.5 * 1 + 2.0 * 3) / 4)


def test_no_surgery_means_no_mean_wait():
    o = run_outcomes(LOG[LOG["event"] != "surgery"], years=10)
    assert o["surgeries"] == 0.0 and math.isnan(o["mean_wait_years"])


def test_outcomes_agree_with_the_analysis_module(unlimited, params):
    from cvirisk.analysis import time_in_class
    from cvirisk.cohort import generate_cohort
    from cvirisk.sim import simulate

    res = simulate(generate_cohort(1500, seed=2, params=params), params=unlimited, seed=2, years=15, engine="fast")
    o = run_outcomes(res.events, years=15)
    assert o["ulcer_years"] == pytest.approx(time_in_class(res.events, "C6", start=0.0, end=15.0).sum())
    ev = res.events
    assert o["deaths"] == (ev["event"] == "death").sum() == (~res.persons["alive"]).sum()
    first = ev[(ev["event"] == "ceap") & ev["detail"].isin(["C3", "C4", "C5", "C6"])].groupby("person_id")["t"].min()
    assert o["cvi_incident"] == int((first >= 0).sum())
    assert np.isfinite(o["life_years"])
