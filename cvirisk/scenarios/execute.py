"""Units of scenario work: one replication of the baseline and every scenario, under one draw.

A :class:`ArmsUnit` holds everything its result depends on (parameters as a plain mapping,
the scenarios, the cohort or its size, seeds, replication, follow-up, engine), so
:func:`run_unit` is a pure function of it: the rows it returns do not depend on where, in
which order or in how many processes it ran. :func:`map_units` runs units in this process,
in local processes, or on a Dask cluster (``scheduler``: an address or a ``Client``), and
returns results in the order of the units.

Examples
--------
>>> from cvirisk.params import load_params, params_to_dict
>>> from cvirisk.scenarios.schema import load_scenario
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = params_to_dict(load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")}))
>>> u = ArmsUnit(p, (load_scenario("weight_reduction"),), cohort=uniform_cohort(20, bmi=33.0), years=2)
>>> rows = map_units([u])[0]
>>> rows[0]["scenario"], rows[0]["replication"], rows[0]["outcome"]
('weight_reduction', 0, 'cvi_incident')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from cvirisk.exceptions import InputError, UnsupportedError
from cvirisk.scenarios.schema import Scenario

__all__ = ["ArmsUnit", "run_unit", "map_units", "outcome_names"]


@dataclass(frozen=True, eq=False)
class ArmsUnit:
    """The baseline and every scenario in one replication under one parameter set.

    Attributes
    ----------
    params : dict
        Baseline parameters as :func:`cvirisk.params.params_to_dict` gives them.
    scenarios : tuple of Scenario
    origins : tuple of str
        Named in error messages (scenario files); default the scenario names.
    n : int
        Size of the cohort generated with ``generate_cohort(n, seed, replication=r)`` when
        ``cohort`` is None.
    cohort : pandas.DataFrame, optional
    seed, scenario_seed, replication : int
        ``scenario_seed`` None means ``seed`` (common random numbers).
    years : float
    engine : {"auto", "fast", "reference"}
    draw : int
        A tag carried into the rows (PSA draw number; 0 = baseline parameters).
    """

    params: dict
    scenarios: tuple[Scenario, ...]
    origins: tuple[str, ...] = ()
    n: int = 0
    cohort: pd.DataFrame | None = None
    seed: int = 1
    scenario_seed: int | None = None
    replication: int = 0
    years: float = 20.0
    engine: str = "auto"
    draw: int = 0


def choose_engine(engine: str, params_list) -> str:
    """``auto`` is the compiled (fast) engine, which models rationed surgery too."""
    if engine not in ("auto", "fast", "reference"):
        raise InputError(f"engine must be auto, fast or reference, not {engine!r}")
    if engine == "auto":
        return "fast"
    return engine


def _simulate(cohort, params, seed, years, engine, replication, interventions=None, params_followup=None):
    from cvirisk.sim import simulate

    try:
        return simulate(cohort, params=params, seed=seed, years=years, engine=engine, replication=replication,
                        interventions=interventions, params_followup=params_followup)
    except UnsupportedError as exc:
        raise InputError(str(exc)) from None


def outcome_names() -> list[str]:
    """Outcomes of every arm, in report order: the vocabulary's clinical and care outcomes, then
    QALYs and costs per person (:data:`cvirisk.outcomes.economics.ECONOMIC_OUTCOMES`)."""
    from cvirisk.outcomes.economics import ECONOMIC_OUTCOMES
    from cvirisk.scenarios.outcomes import OUTCOMES

    return [n for n in OUTCOMES if n not in ECONOMIC_OUTCOMES] + list(ECONOMIC_OUTCOMES)


def _outcomes(events: pd.DataFrame, years: float, weights, params) -> dict[str, float]:
    """Every outcome of :func:`outcome_names` for one arm's log (economics with the arm's parameters:
    a scenario that changes a cost or utility is valued with its own numbers)."""
    from cvirisk.outcomes.registry import measure

    return measure(events, years, weights, params, names=outcome_names())  # QALYs and costs share one pass


def run_unit(unit: ArmsUnit) -> list[dict]:
    """Rows ``draw, scenario, replication, outcome, baseline, scenario_value, difference, engine``."""
    from cvirisk.params import params_from_dict
    from cvirisk.scenarios.compile import compile_scenario

    params = params_from_dict(unit.params, "scenario unit")
    r, seed = unit.replication, unit.seed
    s_seed = seed if unit.scenario_seed is None else unit.scenario_seed
    if unit.cohort is None:
        from cvirisk.cohort import generate_cohort

        cohort = generate_cohort(int(unit.n), seed=seed, params=params, replication=r)
    else:
        cohort = unit.cohort
    weights = cohort.set_index("person_id")["weight"] if "weight" in cohort.columns else None
    origins = unit.origins or tuple(s.name for s in unit.scenarios)
    compiled = [compile_scenario(sc, params, cohort, s_seed, r, origin=o)
                for sc, o in zip(unit.scenarios, origins, strict=True)]  # fmt: skip
    engine = choose_engine(unit.engine, [params, *(c.params for c in compiled)])
    base = _outcomes(_simulate(cohort, params, seed, unit.years, engine, r).events, unit.years, weights, params)
    rows = []
    for sc, comp in zip(unit.scenarios, compiled, strict=True):
        if sc.parameters_from == "baseline" and comp.overrides:
            res = _simulate(cohort, params, s_seed, unit.years, engine, r, comp.interventions, comp.params)
        else:
            res = _simulate(cohort, comp.params, s_seed, unit.years, engine, r, comp.interventions)
        scen = _outcomes(res.events, unit.years, weights, comp.params)
        for name in outcome_names():
            rows.append({"draw": unit.draw, "scenario": comp.name, "replication": r, "outcome": name,
                         "baseline": base[name], "scenario_value": scen[name],
                         "difference": scen[name] - base[name], "engine": engine})  # fmt: skip
    return rows


def map_units(
    units: Sequence[ArmsUnit],
    workers: int = 1,
    scheduler=None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[dict]]:
    """Run ``units``; results in the order of ``units`` wherever they ran.

    Parameters
    ----------
    workers : int
        Local processes (1: in this process). Ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client.
    progress : callable, optional
        ``callback(done, total)`` as units complete.
    """
    total = len(units)
    results: list[list[dict] | None] = [None] * total

    def note(i: int, rows: list[dict]) -> None:
        results[i] = rows
        if progress is not None:
            progress(sum(r is not None for r in results), total)

    if scheduler is not None:
        from distributed import Client, as_completed

        own = not isinstance(scheduler, Client)
        client = Client(scheduler, timeout="60s") if own else scheduler
        try:
            futures = [client.submit(run_unit, u, pure=False) for u in units]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):
                note(index[fut.key], fut.result())
        finally:
            if own:
                client.close()
    elif int(workers) > 1 and total > 1:
        from cvirisk.sim.scale.pool import call_indexed, run_local  # workers die with this process

        k = min(int(workers), total, os.cpu_count() or 1)
        for i, rows in run_local(call_indexed, range(total), lambda i: (run_unit, i, units[i]), k,
                                 name=lambda i: f"replication unit {i}"):  # fmt: skip
            note(i, rows)
    else:
        for i, u in enumerate(units):
            note(i, run_unit(u))
    return [r if r is not None else [] for r in results]
