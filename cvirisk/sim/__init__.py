"""Simulation engines and the public :func:`simulate`.

Examples
--------
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(5, age=40.0), seed=3, years=2)
>>> list(res.events.columns)
['person_id', 'age', 't', 'leg', 'event', 'detail', 'value']
>>> int((res.events["event"] == "entry").sum())
10
"""

from __future__ import annotations

import math
import platform
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.sim.eventlog import SimulationResult, write_result

__all__ = ["simulate", "SimulationResult", "write_result", "manifest_for"]

ENGINES = ("fast", "reference")


def manifest_for(params, seed: int, replication: int, years: float, engine: str, n: int) -> dict:
    """The run manifest: what is needed to reproduce the bytes of a result."""
    import numba
    import numpy

    import cvirisk
    from cvirisk.params import params_hash

    return {
        "params_hash": params_hash(params),
        "params_name": params.meta.name,
        "seed": int(seed),
        "replication": int(replication),
        "years": float(years),
        "engine": engine,
        "n": int(n),
        "versions": {
            "cvirisk": cvirisk.__version__,
            "numpy": numpy.__version__,
            "pandas": pd.__version__,
            "numba": numba.__version__,
            "python": platform.python_version(),
        },
    }


def _start_engine(show: bool) -> None:
    """Compile the engine or load it from the cache, once a process, saying so when ``show``."""
    import sys

    from cvirisk.progress import track
    from cvirisk.sim.compiled import engine_ready, prepare_engine

    if engine_ready():
        return
    for _ in track(range(1), 1, "compiled engine: compiling or loading the cache (first run only)", show=show):
        info = prepare_engine()
    if show:
        how = "compiled" if info["compiled"] else "loaded from the cache"
        print(f"cvirisk: compiled engine {how} in {info['seconds']:.1f} s (cache: {info['cache_dir']})", file=sys.stderr)


def simulate(
    cohort: pd.DataFrame,
    params=None,
    seed: int = 1,
    years: float = 20,
    engine: str = "fast",
    replication: int = 0,
    progress: bool | Callable[[int, int], None] | None = None,
    surgery_approximation: str | None = None,
    interventions: Mapping[str, Any] | None = None,
    params_followup=None,
) -> SimulationResult:
    """Simulate each person's history from age 18 to baseline and ``years`` of follow-up.

    The declared model (``cvirisk/params/defaults/model.yaml`` with the numbers of ``params``)
    is interpreted by the compiled engine (:mod:`cvirisk.sim.compiled`).

    Parameters
    ----------
    cohort : pandas.DataFrame
        A cohort in the cohort contract (see :func:`cvirisk.generate_cohort`).
    params : Params, optional
        Parameters; the shipped defaults when None.
    seed, replication : int
        Random streams; a person's draws depend only on (seed, replication, stream, person id).
    years : float
        Follow-up after baseline (years).
    engine : {"fast", "reference"}
        "fast" runs the compiled engine (:mod:`cvirisk.sim.compiled`); "reference" the plain
        simpy implementation (:mod:`cvirisk.sim.reference`, a few hundred persons a second),
        which writes the same events.
    progress : bool or callable, optional
        True shows a progress bar on stderr; a callable receives ``(done, total)``.
    surgery_approximation : {None, "unlimited"}
        None models finite surgical capacity as a waiting list; "unlimited" operates at referral.
    interventions : mapping, optional
        Scheduled changes of drivers in follow-up (a scenario's): ``quit_smoking``,
        ``leave_standing_work``, ``leave_sitting_work``, ``bmi_change`` -> time per person
        (years since baseline, NaN = none), with ``bmi_change_value`` (kg/m2).
    params_followup : Params, optional
        Numbers in force from the baseline on (the history runs under ``params``).

    Returns
    -------
    SimulationResult
        ``events`` (the event log), ``persons`` and ``manifest``.
    """
    from cvirisk.cohort.contract import validate_cohort
    from cvirisk.exceptions import CohortError, InputError
    from cvirisk.params import load_params
    from cvirisk.sim.compiled.run import run_compiled

    if params is None:
        params = load_params()
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if isinstance(years, bool) or not (isinstance(years, (int, float)) and math.isfinite(years) and years >= 0):
        raise InputError(f"years must be a finite non-negative number, not {years!r}")
    for name, v in (("seed", seed), ("replication", replication)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) < 0:
            raise InputError(f"{name} must be a non-negative whole number, not {v!r}")
    if surgery_approximation not in (None, "unlimited"):
        raise InputError(f"surgery_approximation must be None or 'unlimited', not {surgery_approximation!r}")
    cohort = validate_cohort(cohort)
    if len(cohort) == 0:
        raise InputError("cohort: no persons")
    hs = float(params.simulation.history_start_age.value)
    young = cohort["age"].to_numpy(float) < hs
    if young.any():
        raise CohortError(f"cohort: column 'age': below the history start age {hs:g} in row {int(np.flatnonzero(young)[0]) + 1}")
    if engine == "fast":
        _start_engine(show=progress is True)
    callback = progress if callable(progress) else None
    bar = None
    if progress is True:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=len(cohort), desc="simulate", file=sys.stderr, leave=False)

        def callback(done: int, total: int) -> None:
            bar.update(done - bar.n)
    common = dict(seed=int(seed), years=float(years), replication=int(replication),
                  unlimited_surgery=surgery_approximation == "unlimited", interventions=interventions,
                  params_followup=params_followup)
    if engine == "fast":
        events, persons, extra = run_compiled(cohort, params, callback=callback, **common)
    else:
        from cvirisk.params.model_spec import load_model, model_hash
        from cvirisk.sim.reference import run_reference

        events, persons = run_reference(cohort, params, **common)
        extra = {"model_hash": model_hash(load_model()),
                 "unlimited_surgery": common["unlimited_surgery"] or math.isinf(
                     float(params.care.surgery_operations_per_year_per_100000.value)),
                 "parameters_switch_at_baseline": params_followup is not None}
    if bar is not None:
        bar.close()
    manifest = manifest_for(params, seed, replication, years, engine, len(cohort))
    manifest.update(extra)
    if params_followup is not None:
        from cvirisk.params import params_hash

        manifest["params_followup_hash"] = params_hash(params_followup)
    return SimulationResult(events=events, persons=persons, manifest=manifest)
