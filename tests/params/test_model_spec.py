"""The declared structure is validated: a broken guard, effect or number is refused by name."""

from __future__ import annotations

import copy

import pytest
import yaml

from cvirisk.exceptions import ParameterError
from cvirisk.params import load_params
from cvirisk.params.model_spec import load_model, validate


def _raw() -> dict:
    return copy.deepcopy(load_model().raw)


def test_shipped_structure_validates_and_every_transition_has_a_reason():
    spec = load_model()
    assert len(spec.transition_ids) >= 30
    for tid, d in spec.transitions.items():
        assert d["why"].strip(), tid


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["transitions"]["ulcer_open"].update(requires=["!ulcer_active"], requires_any=[]),
         "an ulcer can only open in skin with C4 changes"),
        (lambda r: r["transitions"]["edema_onset"].update(requires=["!oedema"]), "unknown variable 'oedema'"),
        (lambda r: r["transitions"]["edema_onset"]["sets"].update(female=True), "'female' cannot be set"),
        (lambda r: r["transitions"]["edema_onset"]["sets"].update(edema=2), "a flag is set to true or false"),
        (lambda r: r["transitions"]["presentation"].update(requires=["edema"]), "leg variable, used in a person transition"),
        (lambda r: r["transitions"]["edema_onset"].update(clock="since:nowhere"), "'nowhere' is not a leg stamp"),
        (lambda r: r["transitions"]["edema_onset"].update(hook="magic"), "unknown hook 'magic'"),
        (lambda r: r["transitions"]["edema_onset"]["emits"].update(event="oedema"), "needs an event from the vocabulary"),
        (lambda r: r["transitions"]["edema_onset"].pop("why"), "needs a reason"),
        (lambda r: r["transitions"]["lymphedema"].update(requires=["background_calcification", "!lymphedema"]) or
         [d["sets"].pop("background_calcification", None) for d in r["transitions"].values()],
         "'background_calcification' is never set"),
        (lambda r: r["transitions"]["smoking_quit"]["sets"].update(followup=True), "followup is set only by the baseline"),
    ],
)
def test_a_broken_structure_is_refused_with_its_key(mutate, message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(ParameterError, match=message):
        validate(raw, yaml.safe_dump(raw))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"natural_history.transitions.edema_onset.hazard_ratios.oedema": 2.0}, "unknown feature 'oedema'"),
        ({"natural_history.transitions.presentation.hazard_ratios.avp_per_10": 2.0}, "avp_per_10 is a leg feature"),
        ({"natural_history.transitions.presentation.hazard_ratios.edema": 2.0}, "leg variable, used in a person transition"),
        ({"natural_history.transitions.edema_onset.rate_per_year": -1.0}, "rate_per_year"),
    ],
)
def test_numbers_that_do_not_fit_the_structure_are_refused(override, message):
    with pytest.raises(ParameterError, match=message):
        load_params(overrides=override)


def test_numbers_for_every_declared_transition_and_no_other():
    params = load_params()
    assert set(params.natural_history.transitions) == set(load_model().transition_ids)
