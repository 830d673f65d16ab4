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
* :mod:`~cvirisk.scenarios.economics` -- cost-effectiveness: ICER, net monetary benefit at chosen
  willingness to pay, the cost-effectiveness plane and acceptability curves from PSA draws;
* :mod:`~cvirisk.scenarios.plots` -- plotly figures (tornado, differences with intervals, CE plane,
  CEAC); :mod:`~cvirisk.scenarios.report` -- a self-contained HTML report.
"""

from cvirisk.scenarios.comparison import Comparison, compare, paired_interval
from cvirisk.scenarios.compile import CompiledScenario, compile_scenario
from cvirisk.scenarios.economics import DEFAULT_WTP, ce_plane, ceac, cost_effectiveness
from cvirisk.scenarios.outcomes import OUTCOMES, run_outcomes
from cvirisk.scenarios.schema import (
    Scenario,
    library_names,
    library_path,
    load_scenario,
    scenario_from_dict,
)

__all__ = [
    "DEFAULT_WTP", "OUTCOMES", "CompiledScenario", "Comparison", "Scenario", "ce_plane", "ceac", "compare",
    "compile_scenario", "cost_effectiveness",
    "library_names", "library_path", "load_scenario", "paired_interval", "run_outcomes",
    "scenario_from_dict",
]  # fmt: skip
