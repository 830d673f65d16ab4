"""Scenario controls cannot offer what the parameter schema rejects."""

from __future__ import annotations

import sys

import pytest
from dash_helpers import APP

sys.path.insert(0, str(APP.parent))

from views.controls import CONTROLS, bounds, current, overrides_for  # noqa: E402

import cvirisk  # noqa: E402
from cvirisk.exceptions import ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def params():
    return cvirisk.load_params()


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.key)
def test_every_value_a_slider_can_reach_is_accepted(params, control):
    lo, hi, step = bounds(control, params)
    assert lo <= current(control, params) <= hi
    for value in (lo, hi, current(control, params)):
        overrides = overrides_for({control.key: value}, params)
        cvirisk.with_overrides(params, overrides)  # raises ParameterError if the schema rejects it


@pytest.mark.parametrize("control", [c for c in CONTROLS if c.kind in ("probability", "ceap_class", "count")],
                         ids=lambda c: c.key)
def test_just_beyond_the_range_is_rejected_by_the_schema(params, control):
    lo, hi, step = bounds(control, params)
    beyond = {"probability": hi + 0.01, "ceap_class": hi + 1, "count": lo - 1}[control.kind]
    with pytest.raises(ParameterError):
        cvirisk.with_overrides(params, {control.dotted: beyond})


def test_smoking_factor_keeps_every_row_a_distribution(params):
    lo, hi, _ = bounds(next(c for c in CONTROLS if c.key == "smoking_factor"), params)
    over = overrides_for({"smoking_factor": 0.5}, params)
    new = cvirisk.with_overrides(params, over)
    old_rows = params.cohort.smoking.male.value
    for old, row in zip(old_rows, new.cohort.smoking.male.value, strict=True):
        assert row[1] == pytest.approx(old[1] * 0.5) and sum(row) == pytest.approx(1.0)
        assert row[2] == old[2]  # former smokers unchanged


def test_unchanged_controls_give_no_overrides(params):
    values = {c.key: current(c, params) for c in CONTROLS}
    assert overrides_for(values, params) == {}
