"""The simpy reference engine: one process per person, surgery capacity as a ``Resource``.

Each person's life is the generator :func:`live`. Simulation time is ``t`` (years since the
cohort's baseline); a person starts at ``t = 18 - age``. In a loop the person asks the
kernel for their next event (the earliest of their competing transitions and scheduled
events) and waits for it; while they are on the surgical waiting list, that wait races
against their request for a theatre. Persons interact only through the theatre
``Resource``: its capacity is ``surgery_theatres`` and each operation holds a theatre for
``theatres / (operations_per_year_per_100000 * n / 100000)`` years. With unlimited capacity
(``.inf`` operations a year) there is no queue; persons are then independent and run in
batches, each in its own environment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np
import simpy

from cvirisk.model.kernel import Kernel
from cvirisk.progress import track

__all__ = ["live", "run_reference", "service_years"]

BATCH = 500


def service_years(params, n: int) -> float:
    """Years one operation holds a theatre (0 for unlimited capacity, ``inf`` for none)."""
    care = params.care
    ops = float(care.surgery_operations_per_year_per_100000.value)
    if math.isinf(ops):
        return 0.0
    if ops <= 0:
        return math.inf
    return float(care.surgery_theatres.value) / (ops * n / 100_000.0)


def _hold(env: simpy.Environment, theatre: simpy.Resource, request, years: float) -> Generator:
    yield env.timeout(years)
    theatre.release(request)


def live(
    env: simpy.Environment,
    kernel: Kernel,
    person: int,
    theatre: simpy.Resource | None = None,
    operation_years: float = 0.0,
) -> Generator:
    """The life of one person (row ``person`` of the kernel's state), as a simpy process."""
    idx = np.array([person])
    st = kernel.state
    request = None
    while True:
        t_next, what = kernel.plan(idx)
        t = float(t_next[0])
        if not math.isfinite(t):
            break
        timer = env.timeout(max(t - env.now, 0.0))
        if request is None:
            yield timer
        else:
            yield timer | request
            if request.triggered:
                kernel.advance(idx, np.array([max(env.now, st.t[person])]))
                kernel.operate(idx)
                env.process(_hold(env, theatre, request, operation_years))
                request = None
                continue
        kernel.advance(idx, t_next)
        kernel.fire(idx, what)
        if st.awaiting_surgery[person] and request is None and theatre is not None:
            request = theatre.request()
    if request is not None:  # died (or left) while on the waiting list
        if request.triggered:
            theatre.release(request)
        else:
            request.cancel()


def run_reference(kernel: Kernel, callback: Callable[[int, int], None] | None = None, show: bool = False) -> None:
    """Run every person of ``kernel`` to the end of follow-up (fills the kernel's state and events)."""
    st = kernel.state
    n = st.n
    op_years = service_years(kernel.params, n)
    start = float(st.t.min())
    if kernel.unlimited_surgery:
        batches = [np.arange(i, min(i + BATCH, n)) for i in range(0, n, BATCH)]
        for batch in track(batches, len(batches), "simulate", show=show, callback=callback):
            env = simpy.Environment(initial_time=float(st.t[batch].min()))
            for i in batch:
                env.process(live(env, kernel, int(i)))
            env.run()
        return
    env = simpy.Environment(initial_time=start)
    theatre = simpy.Resource(env, capacity=int(kernel.params.care.surgery_theatres.value))
    if math.isinf(op_years):
        theatre = None  # no surgery at all: referrals wait forever
    for i in range(n):
        env.process(live(env, kernel, i, theatre, op_years))
    stops = np.linspace(start, kernel.years, 41)[1:]
    for stop in track(stops, len(stops), "simulate", show=show, callback=callback):
        env.run(until=float(stop))
    env.run()
