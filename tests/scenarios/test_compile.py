"""Scenarios compile to parameter overrides and to driver changes of chosen persons in follow-up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cvirisk.params import get_value, with_overrides
from cvirisk.scenarios import compile_scenario, load_scenario, scenario_from_dict
from cvirisk.sim.testing import uniform_cohort


def _sc(*entries):
    return scenario_from_dict({"name": "t", "interventions": list(entries)})


def test_care_interventions_become_overrides(params):
    c = uniform_cohort(3)
    comp = compile_scenario(load_scenario("compression_adherence_doubled"), params, c)
    assert comp.overrides == {"care.compression_adherence": pytest.approx(0.9)}
    capped = compile_scenario(_sc({"type": "compression_adherence", "multiply": 5}), params, c)
    assert capped.params.care.compression_adherence.value == 1.0  # min(1, 5 * 0.45)
    cap = compile_scenario(load_scenario("surgical_capacity_doubled"), params, c)
    baseline_capacity = params.care.surgery_operations_per_year_per_100000.value
    assert cap.params.care.surgery_operations_per_year_per_100000.value == 2 * baseline_capacity
    inf = with_overrides(params, {"care.surgery_operations_per_year_per_100000": math.inf})
    assert math.isinf(compile_scenario(load_scenario("surgical_capacity_doubled"), inf, c).overrides[
        "care.surgery_operations_per_year_per_100000"])
    ref = compile_scenario(load_scenario("earlier_referral"), params, c)
    assert ref.params.care.surgery_referral_min_class.value == 4 and ref.touched.all()


def test_rate_interventions_multiply_or_set_and_compose(params):
    key = "natural_history.transitions.dvt.rate_per_year"
    comp = compile_scenario(_sc({"type": "rate", "key": key, "multiply": 0.5},
                                {"type": "rate", "key": key, "multiply": 0.5}), params, uniform_cohort(2))
    assert get_value(comp.params, key) == pytest.approx(get_value(params, key) / 4)
    hr = "natural_history.transitions.edema_onset.hazard_ratios.compression"
    assert get_value(compile_scenario(_sc({"type": "rate", "key": hr, "set": 0.5}), params,
                                      uniform_cohort(2)).params, hr) == 0.5
    # the baseline is not changed
    assert get_value(params, hr) == 0.75


def test_smoking_cessation_chooses_a_share_of_current_smokers_by_stream(params):
    n = 20_000
    smoking = np.where(np.arange(n) % 2 == 0, "current", "never")
    c = uniform_cohort(n, smoking=smoking)
    comp = compile_scenario(_sc({"type": "smoking_cessation", "share": 0.3, "at_year": 2.0}), params, c, seed=4)
    at = comp.interventions["quit_smoking"]
    chosen = np.isfinite(at)
    assert set(at[chosen]) == {2.0}
    assert not chosen[smoking == "never"].any()
    share = chosen[smoking == "current"].mean()
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / (n / 2))
    assert (comp.touched == chosen).all() and not comp.overrides
    assert comp.cohort is c  # the cohort is not changed: the engine schedules the quitting
    # common random numbers: the same persons again; a larger share keeps them all
    again = compile_scenario(_sc({"type": "smoking_cessation", "share": 0.3, "at_year": 2.0}), params, c, seed=4)
    assert (np.isfinite(again.interventions["quit_smoking"]) == chosen).all()
    more = compile_scenario(_sc({"type": "smoking_cessation", "share": 0.5}), params, c, seed=4)
    assert (np.isfinite(more.interventions["quit_smoking"]) | ~chosen).all()
    other = compile_scenario(_sc({"type": "smoking_cessation", "share": 0.3}), params, c, seed=4, replication=1)
    assert (np.isfinite(other.interventions["quit_smoking"]) != chosen).any()


def test_weight_reduction_only_for_obesity_and_never_below_the_floor(params):
    c = uniform_cohort(4, bmi=[29.9, 30.0, 40.0, 31.0])
    comp = compile_scenario(_sc({"type": "weight_reduction", "share": 1.0, "bmi_reduction": 3.0, "at_year": 1}),
                            params, c)
    assert np.isnan(comp.interventions["bmi_change"][0])
    assert comp.interventions["bmi_change_value"].tolist() == [0.0, -3.0, -3.0, -3.0]
    deep = compile_scenario(_sc({"type": "weight_reduction", "share": 1.0, "bmi_reduction": 20.0, "min_bmi": 20}),
                            params, uniform_cohort(1, bmi=25.0))
    assert deep.interventions["bmi_change_value"][0] == pytest.approx(-(25.0 - params.cohort.bmi.minimum.value))


def test_work_posture_only_for_workers_before_retirement(params):
    c = uniform_cohort(4, standing_work=[True, True, False, True], age=[30.0, 64.5, 30.0, 50.0])
    comp = compile_scenario(_sc({"type": "work_posture", "share_reassigned": 1.0, "at_year": 1.0}), params, c)
    assert np.isfinite(comp.interventions["leave_standing_work"]).tolist() == [True, False, False, True]
    assert not np.isfinite(comp.interventions["leave_sitting_work"]).any()
    assert comp.cohort is c
