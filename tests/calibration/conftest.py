"""Hand-made event logs and cohorts for the calibration tests."""

from __future__ import annotations

import pandas as pd
import pytest


def make_events(rows):
    """rows: (person_id, t, event, detail[, leg[, value]]); age = 50 + t; leg "" = the person's."""
    rows = [tuple(r) + ("", float("nan"))[len(r) - 4:] for r in rows]
    df = pd.DataFrame(rows, columns=["person_id", "t", "event", "detail", "leg", "value"])
    df["age"] = 50.0 + df["t"]
    return df[["person_id", "age", "t", "leg", "event", "detail", "value"]]


def make_cohort(ids, age=50.0, sex="male", weight=1.0, prior_dvt=False):
    n = len(ids)
    as_list = lambda v: v if isinstance(v, list) else [v] * n  # noqa: E731
    return pd.DataFrame(
        {"person_id": ids, "age": as_list(age), "sex": as_list(sex), "weight": as_list(weight), "prior_dvt": as_list(prior_dvt)}
    )


@pytest.fixture
def ev():
    return make_events


@pytest.fixture
def co():
    return make_cohort
