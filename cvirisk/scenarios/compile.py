"""Compile a scenario into what the engines read: parameter overrides and scheduled driver changes.

* ``rate``, ``compression_adherence``, ``surgical_capacity`` and ``referral`` become dotted
  overrides of the parameters (:func:`cvirisk.params.with_overrides`). They hold over the whole
  simulated life (a world in which the rate or the care has been so), like any parameter,
  unless the scenario says ``parameters_from: baseline`` (then the engine switches to the
  scenario's numbers at ``t = 0``: :func:`cvirisk.simulate` with ``params_followup``).
  Rules: ``compression_adherence`` sets ``min(1, multiply * adherence)``; ``surgical_capacity``
  multiplies ``care.surgery_operations_per_year_per_100000`` (unlimited stays unlimited);
  ``referral`` sets ``care.surgery_referral_min_class``.
* ``smoking_cessation``, ``weight_reduction`` and ``work_posture`` change drivers of chosen
  persons *in follow-up only* (``t = at_year >= 0``; the history before baseline is untouched):
  they become the model's declared schedules (``quit_smoking``, ``bmi_change`` with
  ``bmi_change_value``, ``leave_standing_work``, ``leave_sitting_work``: a time per person,
  NaN = no change), passed to :func:`cvirisk.simulate` as ``interventions``. Who is
  chosen is decided by ``u < share`` with ``u`` from the stream ``intervention.<type>`` keyed
  by person id (common random numbers): the same persons in every run of a replication, and
  the persons chosen at a smaller share are among those chosen at a larger one.
  Eligibility is judged on the cohort at baseline: current smokers (a smoker who has already
  quit by ``at_year`` is unaffected), baseline BMI >= ``min_bmi`` (BMI never goes below
  ``cohort.bmi.minimum``), standing or sitting workers not retired by ``at_year``.

Examples
--------
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> from cvirisk.scenarios.schema import scenario_from_dict
>>> s = scenario_from_dict({"name": "c", "interventions": [
...     {"type": "compression_adherence", "multiply": 3}]})
>>> compile_scenario(s, load_params(), uniform_cohort(3)).overrides
{'care.compression_adherence': 1.0}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cvirisk.exceptions import ParameterError, ScenarioError
from cvirisk.params import Params, get_value, with_overrides
from cvirisk.random import uniforms
from cvirisk.scenarios.schema import Scenario

__all__ = ["CompiledScenario", "compile_scenario", "scenario_overrides", "ADHERENCE_KEY", "CAPACITY_KEY", "REFERRAL_KEY"]

ADHERENCE_KEY = "care.compression_adherence"
CAPACITY_KEY = "care.surgery_operations_per_year_per_100000"
REFERRAL_KEY = "care.surgery_referral_min_class"


@dataclass
class CompiledScenario:
    """A scenario ready to simulate.

    Attributes
    ----------
    name : str
    params : Params
        The parameters with the scenario's overrides.
    cohort : pandas.DataFrame
        The cohort (unchanged).
    overrides : dict
        Dotted overrides applied to the baseline parameters.
    touched : numpy.ndarray of bool
        Persons whose drivers the scenario changes (everyone when there are overrides).
    interventions : dict
        Scheduled driver changes for :func:`cvirisk.simulate` (schedule name -> times).
    """

    name: str
    params: Params
    cohort: pd.DataFrame
    overrides: dict = field(default_factory=dict)
    touched: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    interventions: dict = field(default_factory=dict)


def _number(params: Params, key: str, where: str) -> float:
    try:
        value = get_value(params, key)
    except ParameterError:
        raise ScenarioError(f"{where}.key: {key}: unknown parameter") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}.key: {key}: not a numeric parameter (got {type(value).__name__})")
    return float(value)


def _overrides(scenario: Scenario, params: Params, origin: str) -> dict:
    out: dict = {}

    def current(key: str, where: str) -> float:
        return float(out[key]) if key in out else _number(params, key, where)

    for i, entry in enumerate(scenario.interventions):
        where = f"{origin}: interventions.{i}"
        if entry.type == "rate":
            value = current(entry.key, where)
            new = entry.set if entry.set is not None else value * entry.multiply
            if isinstance(get_value(params, entry.key), int) and float(new).is_integer():
                new = int(new)
            out[entry.key] = new
        elif entry.type == "compression_adherence":
            out[ADHERENCE_KEY] = min(1.0, current(ADHERENCE_KEY, where) * entry.multiply)
        elif entry.type == "surgical_capacity":
            ops = current(CAPACITY_KEY, where)
            out[CAPACITY_KEY] = ops if math.isinf(ops) else ops * entry.multiply
        elif entry.type == "referral":
            out[REFERRAL_KEY] = int(entry.min_class)
    return out


def _chosen(seed: int, replication: int, kind: str, pid: np.ndarray, share: float) -> np.ndarray:
    return uniforms(seed, replication, f"intervention.{kind}", pid) < share


def _drivers(scenario: Scenario, params: Params, cohort: pd.DataFrame, seed: int, replication: int) -> dict:
    """The scheduled driver changes (declared schedule name -> time per person, NaN = none)."""
    out: dict[str, np.ndarray] = {}
    pid = cohort["person_id"].to_numpy(np.int64)
    age = cohort["age"].to_numpy(float)
    for entry in scenario.interventions:
        if entry.type == "smoking_cessation":
            pick = (cohort["smoking"].astype(str).to_numpy() == "current") & _chosen(
                seed, replication, entry.type, pid, entry.share)  # fmt: skip
            out["quit_smoking"] = np.where(pick, entry.at_year, np.nan)
        elif entry.type == "weight_reduction":
            bmi = cohort["bmi"].to_numpy(float)
            room = np.maximum(bmi - float(params.cohort.bmi.minimum.value), 0.0)
            pick = (bmi >= entry.min_bmi) & _chosen(seed, replication, entry.type, pid, entry.share)
            out["bmi_change"] = np.where(pick, entry.at_year, np.nan)
            out["bmi_change_value"] = np.where(pick, -np.minimum(entry.bmi_reduction, room), 0.0)
        elif entry.type == "work_posture":
            retire = float(params.cohort.work.retirement_age.value)
            before = age + entry.at_year < retire
            pick = _chosen(seed, replication, entry.type, pid, entry.share_reassigned) & before
            for posture in ("standing", "sitting"):
                if entry.posture in (posture, "both"):
                    chosen = pick & cohort[f"{posture}_work"].to_numpy(bool)
                    out[f"leave_{posture}_work"] = np.where(chosen, entry.at_year, np.nan)
    return out


def scenario_overrides(scenario: Scenario, params: Params, origin: str | None = None) -> dict:
    """The scenario's dotted parameter overrides, checked against the parameter schema.

    Raises
    ------
    ScenarioError
        Naming ``origin`` (the file), the intervention's key and the reason.
    """
    origin = origin or scenario.name
    overrides = _overrides(scenario, params, origin)
    if overrides:
        try:
            with_overrides(params, overrides, origin=f"{origin} (scenario)")
        except ParameterError as exc:
            raise ScenarioError(str(exc)) from None
    return overrides


def compile_scenario(
    scenario: Scenario,
    params: Params,
    cohort: pd.DataFrame,
    seed: int = 1,
    replication: int = 0,
    origin: str | None = None,
) -> CompiledScenario:
    """Apply ``scenario`` to baseline ``params`` and ``cohort`` for one (seed, replication).

    Parameters
    ----------
    scenario : Scenario
    params : Params
        Baseline parameters (rate interventions multiply their values).
    cohort : pandas.DataFrame
        The baseline cohort (not changed).
    seed, replication : int
        Choose the persons of driver interventions (stream ``intervention.<type>``).
    origin : str, optional
        Named in error messages (the scenario file); default the scenario's name.

    Raises
    ------
    ScenarioError
        A key that is not a numeric parameter, or a value the parameter schema rejects.
    """
    origin = origin or scenario.name
    overrides = _overrides(scenario, params, origin)
    try:
        new_params = with_overrides(params, overrides, origin=f"{origin} (scenario)") if overrides else params
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    interventions = _drivers(scenario, params, cohort, seed, replication)
    touched = np.zeros(len(cohort), bool)
    for name, times in interventions.items():
        if name != "bmi_change_value":
            touched |= np.isfinite(times)
    if overrides:
        touched[:] = True
    return CompiledScenario(scenario.name, new_params, cohort, overrides, touched, interventions)
