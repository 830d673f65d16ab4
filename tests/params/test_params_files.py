"""Every shipped parameter file validates; broken files fail with the file, the key and the reason."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from cvirisk.exceptions import ParameterError
from cvirisk.params import load_params, params_from_dict, params_hash, with_overrides

# model.yaml is the declared structure, not a parameter file (tests/params/test_model_spec.py)
SHIPPED = sorted(p for p in Path(str(resources.files("cvirisk.params") / "defaults")).glob("*.yaml") if p.name != "model.yaml")


def test_there_is_a_shipped_file():
    assert "cvirisk.yaml" in [p.name for p in SHIPPED]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_parameter_file_validates(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    params = params_from_dict(data, str(path))  # complete on its own
    assert params_hash(load_params(path)) == params_hash(params)  # and as an overlay of the defaults


def test_hash_is_stable_and_moves_with_a_value():
    a, b = load_params(), load_params()
    assert params_hash(a) == params_hash(b)
    assert params_hash(with_overrides(a, {"cohort.bmi.sd_log": 0.17})) != params_hash(a)


@pytest.mark.parametrize("key, value, message", [
    ("cohort.bmi.sd_log", True, "cohort.bmi.sd_log.value: expected a number, got a boolean"),
    ("cohort.parity.distribution", [True, False, 0, 0, 0], "cohort.parity.distribution.value: expected a number"),
    ("cohort.bmi.minimum", float("inf"), "bmi.minimum.value: must be finite"),
    ("cohort.bmi.sd_log", "wide", "cohort.bmi.sd_log.value: Input should be a valid number"),
])  # fmt: skip
def test_wrong_types_and_infinite_cohort_values_are_rejected(key, value, message):
    with pytest.raises(ParameterError, match=message.replace(".", r"\.")):
        load_params(overrides={key: value})


def test_infinite_surgery_capacity_still_means_unlimited():
    p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    assert p.care.surgery_operations_per_year_per_100000.value == float("inf")
