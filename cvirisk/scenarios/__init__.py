"""Scenarios: interventions as modifiers of named rates or drivers, paired (CRN) comparisons, PSA.

* :mod:`~cvirisk.scenarios.schema` -- scenario files (YAML) and their validated interventions;
* :mod:`~cvirisk.scenarios.compile` -- a scenario as parameter overrides and scheduled driver
  changes in follow-up (cohort columns the kernel reads);
* :mod:`~cvirisk.scenarios.outcomes` -- outcomes of a run over follow-up, from the event log;
* :mod:`~cvirisk.scenarios.comparison` -- baseline against scenarios, replication by replication,
  with common random numbers; :mod:`~cvirisk.scenarios.execute` runs the replications here, in
  local processes or on Dask;
  (``parameters_from: baseline``);
* :mod:`~cvirisk.scenarios.psa` -- probabilistic sensitivity analysis from the parameters'
  declared uncertainty, and one-way (tornado) analysis;
* :mod:`~cvirisk.scenarios.plots` -- plotly figures (tornado, differences with intervals).
"""

from cvirisk.scenarios.comparison import Comparison, compare, paired_interval
from cvirisk.scenarios.compile import CompiledScenario, compile_scenario
from cvirisk.scenarios.outcomes import OUTCOMES, run_outcomes
from cvirisk.scenarios.schema import (
    Scenario,
    library_names,
    library_path,
    load_scenario,
    scenario_from_dict,
)

__all__ = [
    "OUTCOMES", "CompiledScenario", "Comparison", "Scenario", "compare", "compile_scenario",
    "library_names", "library_path", "load_scenario", "paired_interval", "run_outcomes",
    "scenario_from_dict",
]  # fmt: skip
