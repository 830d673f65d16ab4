"""Scenario controls are the library's interventions, and cannot offer what the schemas reject."""

from __future__ import annotations

import sys

import pytest
from dash_helpers import APP

sys.path.insert(0, str(APP.parent))

from views.controls import CONTROLS, bounds, current, scenario_for, values_for  # noqa: E402

import cvirisk  # noqa: E402
from cvirisk.exceptions import ScenarioError  # noqa: E402
from cvirisk.scenarios import compile_scenario, library_names, load_scenario  # noqa: E402
from cvirisk.sim.testing import uniform_cohort  # noqa: E402


@pytest.fixture(scope="module")
def params():
    return cvirisk.load_params()


def _compile(values, params):
    scenario = scenario_for(values, params)
    return None if scenario is None else compile_scenario(scenario, params, uniform_cohort(3))


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.key)
def test_every_value_a_slider_can_reach_is_accepted(params, control):
    lo, hi, step = bounds(control, params)
    assert lo <= current(control, params) <= hi
    for value in (lo, hi, current(control, params)):
        values = {
            control.key: value,
            **({"weight_reduction": 0.5} if control.key == "bmi_reduction" else {}),
        }
        _compile(values, params)  # raises ScenarioError if a schema rejects it


@pytest.mark.parametrize("control", [c for c in CONTROLS if c.kind in ("share", "probability", "ceap_class")],
                         ids=lambda c: c.key)  # fmt: skip
def test_just_beyond_the_range_is_rejected_by_the_schemas(params, control):
    lo, hi, step = bounds(control, params)
    with pytest.raises(ScenarioError):
        _compile({control.key: hi + step}, params)


def test_fewer_smokers_is_smoking_cessation_at_baseline(params):
    """One meaning: the control is the shipped smoking_down_third's intervention, not fewer starters."""
    shipped = load_scenario("smoking_down_third")
    assert values_for(shipped, params)["smoking_cessation"] == pytest.approx(0.3333)
    mine = scenario_for({"smoking_cessation": 0.3333}, params, name="smoking_down_third")
    assert mine.interventions == shipped.interventions
    compiled = compile_scenario(mine, params, uniform_cohort(50, smoking="current"))
    assert compiled.overrides == {}  # the cohort's smoking shares are not touched
    assert set(compiled.interventions) == {"quit_smoking"}


@pytest.mark.parametrize("name", library_names())
def test_every_shipped_scenario_round_trips_through_the_controls(params, name):
    shipped = load_scenario(name)
    again = scenario_for(values_for(shipped, params), params, name=name)
    assert again is not None
    key = lambda e: e.type  # noqa: E731
    assert sorted(again.interventions, key=key) == sorted(shipped.interventions, key=key)


def test_neutral_controls_are_no_scenario(params):
    assert scenario_for({c.key: current(c, params) for c in CONTROLS}, params) is None
    assert scenario_for({"bmi_reduction": 5.0}, params) is None  # kg/m2 without anyone losing them
