"""State occupancy over time or age, and a person's timeline, from the event log alone.

Examples
--------
>>> from cvirisk.sim import simulate
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(30, age=60.0), seed=1, years=4)
>>> occ = state_occupancy(res.events, [0.0, 4.0])
>>> bool(np.allclose(occ.groupby("time")["share"].sum(), 1.0))
True
>>> timeline(res.events, 0)["event"].iloc[0]
'entry'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cvirisk.outcomes.log import labels, person_rows
from cvirisk.outcomes.states import CEAP_CLASSES

__all__ = ["state_occupancy", "timeline", "STATES"]

STATES = (*CEAP_CLASSES, "DEAD")


def _ceap_steps(events: pd.DataFrame) -> pd.DataFrame:
    ev = person_rows(events)
    ev = ev[ev["event"].astype(str) == "ceap"]
    return pd.DataFrame({"person_id": ev["person_id"].to_numpy(), "t": ev["t"].to_numpy(),
                         "state": labels(ev).astype(str)})  # fmt: skip


def state_occupancy(events: pd.DataFrame, grid: Sequence[float], axis: str = "t") -> pd.DataFrame:
    """Share of persons in each CEAP class or dead at each point of ``grid``.

    Parameters
    ----------
    grid
        Years since baseline (``axis="t"``) or ages (``axis="age"``).
    axis : {"t", "age"}
        At a time ``t``, persons who have entered and are not censored count; at an age,
        persons whose observation (from age 18 to exit) reaches that age, or who died
        before it, count. Dead persons stay in the denominator as ``DEAD``.

    Returns
    -------
    DataFrame
        Long format: ``time`` (or ``age``), ``state``, ``share``, ``n``.
    """
    g = events.groupby("person_id", observed=True, sort=True)
    first, last = g.nth(0).set_index("person_id"), g.nth(-1).set_index("person_id")
    a0 = first["age"] - first["t"]
    died = pd.Series(labels(last) == "death", index=last.index)
    steps = _ceap_steps(events).sort_values("t", kind="stable")
    rows = []
    for x in np.asarray(grid, float):
        tq = (x - a0) if axis == "age" else pd.Series(x, index=a0.index)
        enter_ok = first["t"] <= tq
        dead = died & (last["t"] <= tq)
        alive_obs = enter_ok & ~dead & (last["t"] >= tq)
        ids = a0.index[alive_obs.to_numpy()]
        query = pd.DataFrame({"person_id": ids, "t": tq.reindex(ids).to_numpy()}).sort_values("t", kind="stable")
        m = pd.merge_asof(query, steps, on="t", by="person_id", direction="backward")
        counts = m["state"].fillna("C0").value_counts()
        n_dead = int((enter_ok & dead).sum())
        n = len(ids) + n_dead
        for s in STATES:
            c = n_dead if s == "DEAD" else int(counts.get(s, 0))
            rows.append({axis if axis == "age" else "time": x, "state": s, "share": c / n if n else np.nan, "n": n})
    return pd.DataFrame(rows)


def timeline(events: pd.DataFrame, person_id: int) -> pd.DataFrame:
    """The ordered events of one person (age, t, event, detail) as plain strings."""
    ev = events[events["person_id"] == person_id]
    return pd.DataFrame({"age": ev["age"].to_numpy(), "t": ev["t"].to_numpy(),
                         "event": ev["event"].astype(str).to_numpy(),
                         "detail": labels(ev).astype(str)})  # fmt: skip
