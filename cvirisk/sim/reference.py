"""The simpy reference engine: one process per person, surgical capacity as a ``Resource``.

Each person's life is the simpy process :func:`live`. Simulation time is ``t`` (years since
the cohort's baseline); a person starts at ``t = 18 - age``. Persons interact only through
the operating theatre: a ``Resource`` with ``surgery_theatres`` places, each operation
holding one for ``theatres / (operations_per_year_per_100000 * n / 100000)`` years, and
simpy's request queue is the waiting list (first come, first served).

Lookahead. Until a person is referred for rationed surgery, nothing but their own state and
their own draws can change their history, so the kernel may step them ahead of the simpy
clock (:meth:`~cvirisk.model.kernel.Kernel.run`: every such person at once, each at their
own time; this is the "lookahead" of conservative parallel discrete-event simulation). Their
process then waits for each of those steps at its simulated time. From the referral on,
the queue decides: the process asks the kernel for one event at a time and races it against
its request for a theatre; a death or exit while waiting withdraws the request, and after
the operation the person goes on one event at a time. With unlimited capacity (``.inf``
operations a year) nobody waits, so persons are independent and run in batches of
:data:`BATCH`, each in its own environment; with rationing, so do the persons whose
lookahead ended their lives without a referral (they never touch the theatre), and only
those stopped at a referral share the environment with the theatre.

Both paths apply the same kernel steps in the same order for each person, so the event log
is the same whichever path a step took.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence

import numpy as np
import simpy

from cvirisk.model.kernel import Kernel
from cvirisk.progress import track

__all__ = ["live", "run_reference", "service_years", "BATCH"]

#: Persons simulated together (one environment each) when surgery is not rationed.
BATCH = 1000
#: Persons stepped ahead together by the kernel (keeps its working arrays cache-sized).
LOOKAHEAD_BATCH = 25_000
#: Progress updates over the simulated time of one shared environment.
_STOPS = 40


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
    steps: Sequence[float] = (),
    theatre: simpy.Resource | None = None,
    operation_years: float = 0.0,
) -> Generator:
    """The life of one person (row ``person`` of the kernel's state), as a simpy process.

    ``steps`` are the times of the steps the kernel has already taken for this person ahead
    of the clock (see the module notes); the process waits for each in turn, then goes on
    one event at a time until the person is done.
    """
    for t in steps:
        yield env.timeout(max(t - env.now, 0.0))
    st = kernel.state
    if st.done[person]:
        return
    idx = np.array([person])
    request = None
    if st.awaiting_surgery[person] and theatre is not None:
        request = theatre.request()
    while True:
        t_next, what = kernel.plan(idx)
        segment = kernel.segment  # other persons plan while this one waits
        t = float(t_next[0])
        if not math.isfinite(t):
            break
        timer = env.timeout(max(t - env.now, 0.0))
        if request is None:
            yield timer
        else:
            yield timer | request
            if request.triggered:
                kernel.advance(idx, np.array([max(env.now, st.t[person])]), segment)
                kernel.operate(idx)
                env.process(_hold(env, theatre, request, operation_years))
                request = None
                continue
        kernel.advance(idx, t_next, segment)
        kernel.fire(idx, what)
        if st.awaiting_surgery[person] and request is None and theatre is not None:
            request = theatre.request()
    if request is not None:  # died (or left) while on the waiting list
        if request.triggered:
            theatre.release(request)
        else:
            request.cancel()


def _look_ahead(kernel: Kernel, persons: np.ndarray) -> list[list[float]]:
    """Step ``persons`` ahead with the kernel; each person's step times, in person order."""
    record: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, len(persons), LOOKAHEAD_BATCH):
        kernel.run(persons[start : start + LOOKAHEAD_BATCH], record=record)
    if not record:
        return [[] for _ in persons]
    who = np.concatenate([p for p, _ in record])
    when = np.concatenate([t for _, t in record])
    order = np.argsort(who, kind="stable")  # stable: each person's steps stay in time order
    who, when = who[order], when[order].tolist()
    lo = np.searchsorted(who, persons, side="left").tolist()
    hi = np.searchsorted(who, persons, side="right").tolist()
    return [when[a:b] for a, b in zip(lo, hi, strict=True)]


def _environment(
    kernel: Kernel,
    persons: np.ndarray,
    steps: list[list[float]],
    start: float,
    theatre_years: float | None,
) -> simpy.Environment:
    """An environment from ``start`` with one process per person (and the theatre if surgery is rationed).

    ``steps`` are the persons' step times from :func:`_look_ahead`; ``theatre_years`` is the
    time one operation holds a theatre (None: surgery is not rationed; ``inf``: there is no
    surgery, so referrals wait for ever).
    """
    env = simpy.Environment(initial_time=start)
    theatre = None
    if theatre_years is not None and math.isfinite(theatre_years):
        theatre = simpy.Resource(env, capacity=int(kernel.params.care.surgery_theatres.value))
    for person, own in zip(persons.tolist(), steps, strict=True):
        env.process(live(env, kernel, person, own, theatre, theatre_years or 0.0))
    return env


def _run_in_batches(kernel: Kernel, persons: np.ndarray, steps: list[list[float]], start: float) -> None:
    """Persons who cannot meet the theatre: :data:`BATCH` of them an environment."""
    for i in range(0, len(persons), BATCH):
        _environment(kernel, persons[i : i + BATCH], steps[i : i + BATCH], start, None).run()


def run_reference(
    kernel: Kernel,
    callback: Callable[[int, int], None] | None = None,
    show: bool = False,
    lookahead: bool = True,
) -> None:
    """Run every person of ``kernel`` to the end of follow-up (fills the kernel's state and events).

    ``lookahead=False`` lives every person one event at a time inside simpy from the start
    (no stepping ahead): slower, and the same event log; kept to check the lookahead.
    """
    n = kernel.state.n
    if n == 0:
        return

    def ahead(persons: np.ndarray) -> list[list[float]]:
        return _look_ahead(kernel, persons) if lookahead else [[] for _ in persons]

    if kernel.unlimited_surgery:
        blocks = [np.arange(i, min(i + LOOKAHEAD_BATCH, n)) for i in range(0, n, LOOKAHEAD_BATCH)]
        for block in track(blocks, len(blocks), "simulate", show=show, callback=callback):
            start = float(kernel.state.t[block].min())
            _run_in_batches(kernel, block, ahead(block), start)
        return
    # Rationed surgery: everyone is stepped ahead first. Whoever finished without a referral
    # never touches the theatre and runs in batches; the others share one environment.
    persons = np.arange(n)
    start = float(kernel.state.t.min())
    steps = ahead(persons)
    done = kernel.state.done.copy()
    free = np.flatnonzero(done)
    _run_in_batches(kernel, free, [steps[p] for p in free.tolist()], start)
    queued = np.flatnonzero(~done)
    env = _environment(
        kernel, queued, [steps[p] for p in queued.tolist()], start, service_years(kernel.params, n)
    )
    stops = np.linspace(start, kernel.years, _STOPS + 1)[1:]
    for stop in track(stops, len(stops), "simulate", show=show, callback=callback):
        env.run(until=float(stop))
    env.run()
