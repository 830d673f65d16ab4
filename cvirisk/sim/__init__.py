"""Simulation engines and the public :func:`simulate`.

Examples
--------
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(5, age=40.0), seed=3, years=2)
>>> set(res.events.columns) == {"person_id", "age", "t", "event", "detail"}
True
>>> int((res.events["event"] == "entry").sum())
10
"""

from __future__ import annotations

import math
import numbers
import platform
from collections.abc import Callable

import pandas as pd

from cvirisk.sim.eventlog import SimulationResult, build_events, build_persons, write_result

__all__ = ["simulate", "SimulationResult", "write_result", "manifest_for"]

ENGINES = ("reference", "fast")


def manifest_for(params, seed: int, replication: int, years: float, engine: str, n: int) -> dict:
    """The run manifest: what is needed to reproduce the bytes of a result."""
    import numpy
    import simpy

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
            "simpy": simpy.__version__,
            "python": platform.python_version(),
        },
    }


def simulate(
    cohort: pd.DataFrame,
    params=None,
    seed: int = 1,
    years: float = 20,
    engine: str = "reference",
    replication: int = 0,
    progress: bool | Callable[[int, int], None] | None = None,
    surgery_approximation: str | None = None,
) -> SimulationResult:
    """Simulate each person's history from age 18 to baseline and ``years`` of follow-up.

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
    engine : {"reference", "fast"}
        The simpy reference engine or the vectorised fast engine.
    progress : bool or callable, optional
        True shows a progress bar on stderr; a callable receives ``(done, total)``.
    surgery_approximation : {None, "unlimited"}
        None models finite surgical capacity as a waiting list (reference engine; the fast
        engine then refuses); "unlimited" operates at referral in either engine.

    Returns
    -------
    SimulationResult
        ``events`` (the event log), ``persons`` and ``manifest``.
    """
    from cvirisk.exceptions import InputError
    from cvirisk.params import load_params

    if params is None:
        params = load_params()
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if not (isinstance(years, (int, float)) and math.isfinite(years) and years >= 0):
        raise InputError(f"years must be a finite non-negative number, not {years!r}")
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (seed, replication)):
        raise InputError(f"seed and replication must be whole numbers, not {seed!r} and {replication!r}")
    if int(seed) < 0 or int(replication) < 0:
        raise InputError("seed and replication must be non-negative integers")
    if len(cohort) == 0:
        raise InputError("cohort: no persons")
    if engine == "fast":
        from cvirisk.sim.fast import simulate_fast

        return simulate_fast(cohort, params=params, seed=seed, years=years, replication=replication,
                             progress=progress, surgery_approximation=surgery_approximation)
    if surgery_approximation not in (None, "unlimited"):
        raise InputError(f"surgery_approximation must be None or 'unlimited', not {surgery_approximation!r}")

    from cvirisk.model.kernel import Kernel
    from cvirisk.sim.reference import run_reference, service_years

    unlimited = surgery_approximation == "unlimited" or service_years(params, len(cohort)) == 0.0
    kernel = Kernel(params, cohort, seed=seed, years=float(years), replication=replication, unlimited_surgery=unlimited)
    callback = progress if callable(progress) else None
    run_reference(kernel, callback=callback, show=progress is True)
    return result_from_kernel(kernel, cohort, engine="reference")


def result_from_kernel(kernel, cohort: pd.DataFrame, engine: str) -> SimulationResult:
    """Assemble a :class:`SimulationResult` from a finished kernel (used by both engines)."""
    st = kernel.state
    events = build_events(kernel.events, st.pid, st.age0)
    persons = build_persons(cohort, kernel.outcomes())
    manifest = manifest_for(kernel.params, kernel.seed, kernel.replication, kernel.years, engine, st.n)
    return SimulationResult(events=events, persons=persons, manifest=manifest)
