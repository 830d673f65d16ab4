"""Scenario files: shipped examples load; bad files fail with one line naming file, key, reason."""

from __future__ import annotations

import pytest

from cvirisk.exceptions import ScenarioError
from cvirisk.scenarios import compile_scenario, library_names, load_scenario, scenario_from_dict
from cvirisk.sim.testing import uniform_cohort

SHIPPED = ["compression_adherence_doubled", "earlier_referral", "fewer_sedentary_jobs", "smoking_down_third",
           "surgical_capacity_doubled", "weight_reduction"]


def test_every_shipped_scenario_loads_and_compiles(params):
    assert library_names() == SHIPPED
    for name in SHIPPED:
        sc = load_scenario(name)
        assert sc.name == name and sc.description
        compile_scenario(sc, params, uniform_cohort(5, smoking="current", standing_work=True, bmi=33.0))


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("name: x\ninterventions:\n  - {type: smoking_cessation, share: 1.5}\n",
         "interventions.0.smoking_cessation.share", "less than or equal to 1"),
        ("name: x\ninterventions:\n  - {type: teleport, share: 0.5}\n", "interventions.0", "teleport"),
        ("name: x\ninterventions:\n  - {type: referral, min_class: 4, when: now}\n",
         "interventions.0.referral.when", "Extra inputs are not permitted"),
        ("name: x\ninterventions:\n  - {type: rate, key: care.compression_adherence}\n",
         "interventions.0.rate", "exactly one of multiply or set"),
        ("name: x\ninterventions: []\n", "interventions", "at least 1 item"),
        ("name: x\nsurprise: 1\ninterventions:\n  - {type: referral, min_class: 4}\n", "surprise", "Extra inputs"),
        ("name: [unclosed\n", "line", "not valid YAML"),
        ("- just a list\n", "", "top level must be a mapping"),
        ("name: x\ninterventions:\n  - {type: weight_reduction, share: 0.5, bmi_reduction: -2}\n",
         "interventions.0.weight_reduction.bmi_reduction", "greater than 0"),
    ],
)
def test_bad_scenario_files_name_file_key_and_reason(tmp_path, text, where, reason):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path)) and where in msg and reason in msg


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"type": "rate", "key": "natural_history.transitions.nope.rate_per_year", "multiply": 2}, "unknown parameter"),
        ({"type": "rate", "key": "cohort.smoking.male", "multiply": 2}, "not a numeric parameter"),
        ({"type": "rate", "key": "care.compression_adherence", "set": 1.7}, "probability must be in [0, 1]"),
        ({"type": "rate", "key": "care.surgery_theatres", "multiply": 0.5}, "surgery_theatres"),
    ],
)
def test_rate_keys_are_checked_against_the_parameter_schema(params, entry, reason):
    sc = scenario_from_dict({"name": "r", "interventions": [entry]})
    with pytest.raises(ScenarioError) as info:
        compile_scenario(sc, params, uniform_cohort(2), origin="r.yaml")
    assert reason in str(info.value) and "r.yaml" in str(info.value)


def test_missing_file_and_unknown_shipped_name():
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario("nowhere/x.yaml")
    with pytest.raises(ScenarioError, match="smoking_down_third"):
        load_scenario("no_such_scenario")


def test_a_driver_type_may_be_given_once():
    with pytest.raises(ScenarioError, match="given twice"):
        scenario_from_dict({"name": "x", "interventions": [{"type": "referral", "min_class": 4},
                                                          {"type": "referral", "min_class": 3}]})
