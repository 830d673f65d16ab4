"""Parameter interventions from baseline: histories under one parameter set, follow-up under another.

A scenario with ``parameters_from: baseline`` keeps every person's history before baseline
(``t < 0``) exactly as in the baseline arm and applies its parameter overrides to follow-up
only ("from now on"). The shared kernel is stepped over all persons up to their baseline
(each stops at ``t = 0``, before any event at ``t >= 0``), then it is handed the scenario's
parameters (hazards, care, thresholds) and run to the end of follow-up. Budgets drawn from
the named streams carry over, so the arms share random numbers throughout.

Persons must be independent (no waiting list), so both parameter sets need unlimited
surgical capacity; this is the fast engine's stepping.

Examples
--------
>>> from cvirisk.params import load_params, with_overrides
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
>>> res = simulate_from_baseline(uniform_cohort(30, age=60.0), p, p, seed=2, years=5)
>>> from cvirisk.sim import simulate
>>> res.events.equals(simulate(uniform_cohort(30, age=60.0), params=p, seed=2, years=5, engine="fast").events)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError, UnsupportedError
from cvirisk.params import Params, params_hash

__all__ = ["simulate_from_baseline"]


def simulate_from_baseline(
    cohort: pd.DataFrame,
    history_params: Params,
    followup_params: Params,
    seed: int = 1,
    years: float = 20.0,
    replication: int = 0,
):
    """Simulate histories with ``history_params`` and follow-up (``t >= 0``) with ``followup_params``.

    Returns
    -------
    SimulationResult
        As :func:`cvirisk.simulate` (engine ``"fast"``); the manifest records both parameter hashes.

    Raises
    ------
    InputError
        When either parameter set rations surgery (a waiting list couples persons).
    """
    from cvirisk.model.effects import update_avp
    from cvirisk.model.hazards import HazardModel
    from cvirisk.model.kernel import Kernel
    from cvirisk.sim import result_from_kernel
    from cvirisk.sim.fast import check_supported, run_kernel

    try:
        check_supported(history_params, None)
        check_supported(followup_params, None)
    except UnsupportedError as exc:
        raise InputError(f"parameters_from: baseline needs unlimited surgical capacity: {exc}") from None
    k = Kernel(history_params, cohort, seed=seed, years=float(years), replication=replication, unlimited_surgery=True)
    k.run(np.arange(k.state.n), until=0.0)  # the history to baseline under the first parameters
    k.params = followup_params
    k.hazards = HazardModel.from_params(followup_params)
    update_avp(k, np.arange(k.state.n))
    run_kernel(k)
    result = result_from_kernel(k, cohort, engine="fast")
    result.manifest["parameters_from"] = "baseline"
    result.manifest["history_params_hash"] = params_hash(history_params)
    return result
