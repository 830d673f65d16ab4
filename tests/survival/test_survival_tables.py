"""Survival tables from hand-made event logs: every number below is worked out by hand from conftest.ROWS."""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk.exceptions import InputError
from cvirisk.survival.tables import (
    baseline_features,
    interval_censored_table,
    survival_table,
    time_varying_table,
)


def test_c3plus_on_age_scale_with_delayed_entry(events):
    t = survival_table(events, "C3+")
    assert t["person_id"].tolist() == [1, 2, 3]
    assert t["entry"].tolist() == [50.0, 40.0, 60.0]  # baseline ages: left truncation
    assert t["duration"].tolist() == [55.5, 44.0, 61.0]  # C3, C4a and C6 all count as C3+
    assert t["event"].tolist() == [1, 1, 1]


def test_time_scale_is_years_since_baseline(events):
    t = survival_table(events, "dvt", time_scale="time")
    assert t["entry"].tolist() == [0.0, 0.0, 0.0]
    assert t["duration"].tolist() == [7.0, 6.0, 10.0]


def test_prevalent_cases_left_out_and_counted(events):
    t = survival_table(events, "C2")
    assert t["person_id"].tolist() == [1, 3]  # person 2 had C2 at t=-10
    assert t.attrs["prevalent"] == 1


def test_history_origin_has_no_prevalent_cases(events):
    t = survival_table(events, "C2", origin="history", time_scale="time")
    assert t["duration"].tolist() == [35.0, 12.0, 43.0]
    assert t.attrs["prevalent"] == 0


def test_competing_death_is_a_distinct_cause(events):
    t = survival_table(events, "ulcer")
    assert t["cause"].astype(str).tolist() == ["censored", "death", "ulcer"]
    assert t["cause_code"].tolist() == [0, 2, 1]
    assert t["event"].tolist() == [0, 0, 1]
    assert t["duration"].tolist() == [60.0, 46.0, 61.0]


def test_death_endpoint_at_exit_time(events):
    t = survival_table(events, "death")
    assert t["event"].tolist() == [0, 1, 0]
    assert t["duration"].tolist() == [60.0, 46.0, 70.0]


def test_interval_censored_visits(events):
    t = interval_censored_table(events, "C3+", visit_every=2.0)
    assert t["lower"].tolist() == [4.0, 2.0, 0.0]
    assert t["upper"].tolist() == [6.0, 4.0, 2.0]
    t = interval_censored_table(events, "dvt", visit_every=4.0)
    # dvt at t=7 seen at the visit at 8; person 2 dies at 6 (last visit 4); person 3 never
    assert t["lower"].tolist() == [4.0, 4.0, 8.0]
    assert np.isinf(t["upper"].iloc[1]) and np.isinf(t["upper"].iloc[2])
    assert t["upper"].iloc[0] == 8.0


def test_features_named_as_the_simulator(persons):
    f = baseline_features(persons)
    assert f.loc[1, "female"] == 1 and f.loc[2, "female"] == 0
    assert f.loc[1, "smoking_current"] == 1 and f.loc[3, "smoking_former"] == 1
    assert f["bmi_per_5"].tolist() == [1.0, 0.0, -1.0]  # (bmi - 25) / 5
    assert f["parity_per_birth"].tolist() == [2.0, 0.0, 1.0]


def test_persons_join(events, persons):
    t = survival_table(events, "ulcer", persons=persons)
    assert t["female"].tolist() == [1, 0, 1]
    assert t["age"].tolist() == [50.0, 40.0, 60.0]


def test_time_varying_rows_split_at_covariate_change(events, persons):
    t = time_varying_table(events, persons, "C3+")
    p1 = t[t["person_id"] == 1]
    assert p1[["start", "stop", "event"]].to_numpy().tolist() == [[0.0, 2.0, 0.0], [2.0, 5.5, 1.0]]
    assert p1["smoking_current"].tolist() == [1, 0] and p1["smoking_former"].tolist() == [0, 1]


def test_unknown_endpoint_and_bad_log(events):
    with pytest.raises(InputError, match="unknown endpoint"):
        survival_table(events, "C9")
    with pytest.raises(InputError, match="missing column"):
        survival_table(events.drop(columns="detail"), "dvt")
