"""The vectorised kernel of the natural history, shared by both engines.

A :class:`Kernel` owns the struct-of-arrays :class:`~cvirisk.model.state.PersonState` of a
run and moves any subset of persons (an index array ``idx``) forward by one event:

>>> import numpy as np
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> k = Kernel(load_params(), uniform_cohort(3, age=40.0), seed=1, years=5)
>>> idx = np.arange(3)
>>> while True:
...     t_next, what = k.plan(idx)
...     live = np.isfinite(t_next)
...     if not live.any():
...         break
...     k.advance(idx[live], t_next[live])
...     k.fire(idx[live], what[live])
>>> bool(k.state.done.all())
True

:meth:`Kernel.run` steps many persons at once, each at their own time (until they join a
rationed waiting list they are independent): the fast engine runs everyone that way, the
reference engine runs persons that way ahead of its simpy clock and then calls
``plan``/``advance``/``fire`` for one person at a time once the queue has a say.

Next-reaction method: each (person, transition) has a unit-exponential budget ``E`` drawn
from ``exponentials(seed, replication, "transition.<id>", person_id, occurrence)``. In a
segment the hazard is Gompertz (see :mod:`cvirisk.model.hazards`), so the time to use up
``E`` is closed-form. The earliest enabled transition or scheduled event wins; every
enabled transition's budget is reduced by the hazard it integrated meanwhile; a transition
that fires draws a fresh budget with its occurrence + 1. A driver change therefore moves
event times instead of reshuffling draws.

Surgery: a referral sets ``state.awaiting_surgery``. With ``unlimited_surgery=True`` the
kernel operates at once (waiting time 0); otherwise the engine queues the person and calls
:meth:`Kernel.operate` when a theatre is free.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cvirisk.model import effects
from cvirisk.model.events import EventBuffer
from cvirisk.model.hazards import FEATURE_INDEX as FI
from cvirisk.model.hazards import HazardModel, gompertz_integral, gompertz_time
from cvirisk.model.state import SCHEDULED, PersonState, init_state
from cvirisk.params.schema import Params
from cvirisk.random import stream_key, uniforms

__all__ = ["Kernel"]


class Kernel:
    """One run of the model over a cohort: parameters, hazards, state, event buffer, streams.

    Parameters
    ----------
    params : Params
    cohort : pandas.DataFrame
        The cohort contract (see :data:`cvirisk.model.state.REQUIRED_COLUMNS`).
    seed, replication : int
        Identify the random streams (common random numbers across scenarios).
    years : float
        Follow-up after baseline.
    unlimited_surgery : bool
        Operate at referral (no waiting list).

    Attributes
    ----------
    hazards : HazardModel
    state : PersonState
    events : EventBuffer
    n_transitions : int
        Codes ``0 .. T-1`` returned by :meth:`plan` are transitions (``hazards.ids``); codes
        ``T + k`` are the scheduled events ``SCHEDULED[k]``.
    """

    def __init__(
        self,
        params: Params,
        cohort: pd.DataFrame,
        seed: int = 1,
        years: float = 20.0,
        replication: int = 0,
        unlimited_surgery: bool = True,
    ) -> None:
        self.params = params
        self.seed = int(seed)
        self.replication = int(replication)
        self.years = float(years)
        self.unlimited_surgery = bool(unlimited_surgery)
        self.hazards = HazardModel.from_params(params)
        self.n_transitions = len(self.hazards.ids)
        self.state: PersonState = init_state(params, cohort, years, self.n_transitions)
        self.events = EventBuffer()
        #: Hazards of the last :meth:`plan` (hazard now, log slope, enabled), for :meth:`advance`.
        self.segment: tuple[np.ndarray, np.ndarray, np.ndarray] = ()
        self._keys: dict[str, np.uint64] = {}
        self._transition_keys = [self.key(f"transition.{tid}") for tid in self.hazards.ids]
        all_idx = np.arange(self.state.n)
        for j in range(self.n_transitions):
            self.draw_budget(all_idx, j)
        effects.update_avp(self, all_idx)

    # -- random streams -------------------------------------------------------------------
    def key(self, name: str) -> np.uint64:
        """The (cached) key of a named stream."""
        k = self._keys.get(name)
        if k is None:
            k = self._keys[name] = stream_key(self.seed, self.replication, name)
        return k

    def uniform(self, name: str, idx: np.ndarray, occurrence: np.ndarray | int) -> np.ndarray:
        """Uniforms of a named decision for persons ``idx`` (pure in seed, person, occurrence)."""
        return uniforms(0, 0, name, self.state.pid[idx], occurrence, key=self.key(name))

    def draw_budget(self, idx: np.ndarray, j: int) -> None:
        """Fresh unit-exponential budgets of transition ``j`` at each person's current occurrence."""
        st = self.state
        u = uniforms(0, 0, "", st.pid[idx], st.occ[idx, j], key=self._transition_keys[j])
        st.E[idx, j] = -np.log(u)

    # -- the event log ----------------------------------------------------------------------
    def emit(self, idx: np.ndarray, kind: str, detail) -> None:
        """Log one event for each person in ``idx`` at their current time."""
        if len(idx) == 0:
            return
        st = self.state
        self.events.add(st.pid[idx], st.t[idx], st.seq[idx], kind, detail)
        st.seq[idx] += 1

    # -- one step ---------------------------------------------------------------------------
    def _segment(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Hazard at each person's current time, its log slope and which transitions are enabled, (m, T)."""
        st = self.state
        logh, beta = self.hazards.log_hazard(st.age0[idx] + st.t[idx], st.X[idx], st.X1[idx])
        return np.exp(logh, out=logh), beta, effects.enabled(self, idx)

    def plan(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each person's next event time and what it is (``inf`` and -1 once done).

        Keeps the hazards of this segment in :attr:`segment` for :meth:`advance`.
        """
        st = self.state
        h0, beta, en = self.segment = self._segment(idx)
        t = st.t[idx]
        tau = gompertz_time(h0, beta, st.E[idx])
        tau[~en] = np.inf
        rows = np.arange(len(idx))
        j = tau.argmin(axis=1)
        t_tr = t + tau[rows, j]
        sched = st.sched[idx]
        k = sched.argmin(axis=1)
        t_sc = sched[rows, k]
        use_sched = t_sc <= t_tr
        t_next = np.where(use_sched, t_sc, t_tr)
        what = np.where(use_sched, k + self.n_transitions, j)
        dead = st.done[idx] | (t_next == np.inf)
        if dead.any():
            t_next[dead] = np.inf
            what[dead] = -1
        return t_next, what

    def advance(self, idx: np.ndarray, t_new: np.ndarray, segment: tuple | None = None) -> None:
        """Move persons to ``t_new`` within their current segment, consuming budgets.

        ``t_new`` must not pass the persons' next event (from :meth:`plan`). ``segment`` is
        :attr:`segment` as it was after planning these persons (recomputed when not given).
        """
        self._move(idx, t_new, *(self._segment(idx) if segment is None else segment))

    def _move(self, idx: np.ndarray, t_new, h0: np.ndarray, beta: np.ndarray, en: np.ndarray) -> None:
        st = self.state
        dt = (np.asarray(t_new, float) - st.t[idx])[:, None]
        used = gompertz_integral(h0, beta, dt)
        used[~en] = 0.0
        st.E[idx] -= used
        st.X[idx] += st.X1[idx] * dt
        st.t[idx] = t_new

    def fire(self, idx: np.ndarray, what: np.ndarray) -> None:
        """Apply the planned events ``what`` (codes from :meth:`plan`) to persons ``idx``."""
        st = self.state
        before = st.ceap[idx]
        codes = (int(what[0]),) if len(what) == 1 else np.unique(what).tolist()
        for code in codes:
            if code < 0:
                continue
            sub = idx if len(codes) == 1 else idx[what == code]
            if code < self.n_transitions:
                st.occ[sub, code] += 1
                self.draw_budget(sub, code)
                effects.TRANSITION_EFFECTS[self.hazards.ids[code]](self, sub)
            else:
                name = SCHEDULED[code - self.n_transitions]
                st.sched[sub, code - self.n_transitions] = np.inf
                effects.SCHEDULED_EFFECTS[name](self, sub)
        effects.after_event(self, idx, before)

    def run(
        self,
        idx: np.ndarray,
        until: float | None = None,
        callback: Callable[[int, int], None] | None = None,
        record: list[tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> int:
        """Step persons ``idx`` all at once until each is done or waiting for a theatre.

        Until a person joins the surgical waiting list nothing outside their own state and
        draws can change their history, so they may be stepped ahead of any clock (each
        person at their own time). A person referred while surgery is rationed stops at the
        referral: what happens next depends on the queue, which the engine decides. With
        ``unlimited_surgery`` nobody stops before they are done.

        Parameters
        ----------
        idx : numpy.ndarray
            Persons to step.
        until : float, optional
            Stop each person at this time instead (moved to it, no event at or after it).
        callback : callable, optional
            Receives ``(persons_stopped, len(idx))`` after each step.
        record : list, optional
            Receives every step as ``(persons, times)``, in step order (so each person's
            steps are in time order).

        Returns
        -------
        int
            The number of steps (the most any one person took).
        """
        st, n, steps = self.state, len(idx), 0
        idx = np.asarray(idx)
        while idx.size:
            t_next, what = self.plan(idx)
            segment = self.segment
            live = np.isfinite(t_next)
            if until is not None:
                stop = live & (t_next >= until)
                if stop.any():
                    self._move(idx[stop], float(until), *(a[stop] for a in segment))
                    live &= ~stop
            if not live.all():
                idx, t_next, what = idx[live], t_next[live], what[live]
                segment = tuple(a[live] for a in segment)
                if not idx.size:
                    break
            self._move(idx, t_next, *segment)
            self.fire(idx, what)
            steps += 1
            if record is not None:
                record.append((idx, t_next))
            if not self.unlimited_surgery:
                idx = idx[~st.awaiting_surgery[idx]]
            if callback is not None:
                callback(n - idx.size, n)
        if callback is not None:
            callback(n, n)
        return steps

    def operate(self, idx: np.ndarray) -> None:
        """Superficial venous surgery now for persons awaiting it (the waiting time is logged)."""
        effects.operate(self, np.asarray(idx))

    # -- outcomes -----------------------------------------------------------------------------
    def outcomes(self) -> dict[str, np.ndarray]:
        """Per-person outcome columns for the persons table."""
        st = self.state
        return {
            "ceap_baseline": np.array([f"C{c}" if c >= 0 else "" for c in st.ceap_baseline], dtype=object),
            "ceap_final": np.array([f"C{c}" for c in st.ceap], dtype=object),
            "superficial_reflux": st.X[:, FI["superficial_reflux"]] > 0.5,
            "deep_reflux": st.X[:, FI["deep_reflux"]] > 0.5,
            "segments": st.segments.astype(np.int8),
            "ever_ulcer": st.X[:, FI["ulcer_history"]] > 0.5,
            "dvt_count": st.dvt_count.astype(np.int16),
            "surgeries": st.surgeries.astype(np.int16),
            "alive": st.alive.copy(),
            "death_age": st.age0 + st.death_t,
            "death_cause": st.death_cause.copy(),
            "exit_age": st.age0 + st.exit_t,
            "exit_reason": st.exit_reason.copy(),
        }
