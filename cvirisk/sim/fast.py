"""The fast engine: the shared kernel stepped over all active persons at once.

The reference engine (:mod:`cvirisk.sim.reference`) lives one person at a time inside simpy
processes. This engine asks the same :class:`~cvirisk.model.kernel.Kernel` for *every*
active person's next event at once (next-reaction method: the earliest of all enabled
transitions and scheduled events), moves each person to their own next time, applies the
events, and repeats until everyone has exited. Persons are independent of one another as
long as surgery is not rationed, and every random draw is a pure function of (seed,
replication, stream, person id, occurrence), so a person's history is the same whatever
the batch, the chunk, the worker or the engine.

Finite surgical capacity couples persons through a waiting list; that is the one thing
the fast engine does not model. A parameter set with finite
``care.surgery_operations_per_year_per_100000`` raises :class:`UnsupportedError` unless the
caller explicitly accepts ``surgery_approximation="unlimited"`` (operate at referral).

Examples
--------
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
>>> res = simulate_fast(uniform_cohort(50, age=45.0), params=p, seed=2, years=10)
>>> int((res.events["event"] == "exit").sum())
50
>>> simulate_fast(uniform_cohort(5), seed=2, years=1)
Traceback (most recent call last):
...
cvirisk.exceptions.UnsupportedError: the fast engine does not model finite surgical capacity (care.surgery_operations_per_year_per_100000 = 90 per year per 100,000): set it to .inf, use engine="reference", or pass surgery_approximation="unlimited" (CLI: --surgery-approximation unlimited) to operate at referral
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError, UnsupportedError
from cvirisk.model.events import EventBuffer
from cvirisk.model.kernel import Kernel
from cvirisk.model.state import validate_cohort

__all__ = ["simulate_fast", "run_kernel", "needs_capacity", "SURGERY_APPROXIMATIONS", "CAPACITY_KEY"]

#: Approximations of finite surgical capacity the caller may choose explicitly.
SURGERY_APPROXIMATIONS = ("unlimited",)
CAPACITY_KEY = "care.surgery_operations_per_year_per_100000"
#: Persons stepped together by one kernel in :func:`simulate_fast` (cache-sized arrays).
BATCH_SIZE = 25_000


def needs_capacity(params) -> bool:
    """True when ``params`` rations surgery (finite operations per year), which couples persons."""
    return not math.isinf(float(params.care.surgery_operations_per_year_per_100000.value))


def check_supported(params, surgery_approximation: str | None) -> None:
    """Raise :class:`UnsupportedError` when ``params`` needs a waiting list and no approximation was chosen."""
    if surgery_approximation is not None and surgery_approximation not in SURGERY_APPROXIMATIONS:
        raise InputError(
            f"surgery_approximation must be one of {', '.join(SURGERY_APPROXIMATIONS)} or None, "
            f"not {surgery_approximation!r}"
        )
    if needs_capacity(params) and surgery_approximation is None:
        ops = float(params.care.surgery_operations_per_year_per_100000.value)
        raise UnsupportedError(
            f"the fast engine does not model finite surgical capacity ({CAPACITY_KEY} = {ops:g} per "
            "year per 100,000): set it to .inf, use engine=\"reference\", or pass "
            'surgery_approximation="unlimited" (CLI: --surgery-approximation unlimited) to operate at referral'
        )


def run_kernel(kernel: Kernel, callback: Callable[[int, int], None] | None = None) -> int:
    """Step every person of ``kernel`` to the end of follow-up, all active persons at once.

    Parameters
    ----------
    kernel : Kernel
        A fresh kernel with ``unlimited_surgery`` (its state at each person's history start).
    callback : callable, optional
        Receives ``(persons_finished, n)`` after each step.

    Returns
    -------
    int
        The number of steps (the largest number of events any person had).
    """
    return kernel.run(np.arange(kernel.state.n), callback=callback)


def simulate_fast(
    cohort: pd.DataFrame,
    params=None,
    seed: int = 1,
    years: float = 20,
    replication: int = 0,
    progress: bool | Callable[[int, int], None] | None = None,
    surgery_approximation: str | None = None,
    batch_size: int = BATCH_SIZE,
):
    """Simulate a cohort with the vectorised engine; same contract as :func:`cvirisk.simulate`.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A cohort in the cohort contract. The whole cohort is held in memory; for large
        cohorts stream it in chunks with :func:`cvirisk.sim.runner.run`.
    params : Params, optional
        Parameters; the shipped defaults when None.
    seed, replication : int
        Random streams (a person's draws depend only on seed, replication, stream, person id).
    years : float
        Follow-up after baseline.
    progress : bool or callable, optional
        True shows a progress bar; a callable receives ``(persons_finished, n)``.
    surgery_approximation : {None, "unlimited"}
        How to treat finite surgical capacity, which this engine cannot model: None raises
        :class:`~cvirisk.exceptions.UnsupportedError`; ``"unlimited"`` operates at referral.
    batch_size : int
        Persons stepped together by one kernel (consecutive cohort rows). It bounds the
        kernel's working memory and keeps its arrays cache-sized; results do not depend on it.

    Returns
    -------
    SimulationResult
        ``events``, ``persons`` and ``manifest`` (whose ``engine`` is ``"fast"``, with the
        approximation recorded when one was used).
    """
    from cvirisk.params import load_params
    from cvirisk.sim import manifest_for
    from cvirisk.sim.eventlog import SimulationResult, build_events, build_persons

    if params is None:
        params = load_params()
    check_supported(params, surgery_approximation)
    if int(batch_size) < 1:
        raise InputError(f"batch_size must be a positive whole number, not {batch_size!r}")
    validate_cohort(cohort, params)  # the whole cohort (person ids unique across batches)
    n = len(cohort)
    callback = progress if callable(progress) else None
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=n, desc="simulate (fast)", leave=False)

        def callback(done: int, total: int) -> None:
            bar.update(done - bar.n)

    buffer, pid, age0, outcomes = EventBuffer(), [], [], []
    try:
        for start in range(0, max(n, 1), int(batch_size)):
            part = cohort.iloc[start : start + int(batch_size)]
            kernel = Kernel(params, part, seed=seed, years=float(years), replication=replication, unlimited_surgery=True)
            run_kernel(kernel, None if callback is None else lambda d, _t, o=start: callback(o + d, n))
            buffer.extend(kernel.events)
            pid.append(kernel.state.pid)
            age0.append(kernel.state.age0)
            outcomes.append(kernel.outcomes())
            del kernel
    finally:
        if bar is not None:
            bar.close()
    events = build_events(buffer, np.concatenate(pid), np.concatenate(age0))
    persons = build_persons(cohort, {k: np.concatenate([o[k] for o in outcomes]) for k in outcomes[0]})
    manifest = manifest_for(params, seed, replication, float(years), "fast", n)
    if needs_capacity(params):
        manifest["surgery_approximation"] = surgery_approximation
    return SimulationResult(events=events, persons=persons, manifest=manifest)
