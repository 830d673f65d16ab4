"""Each person's state at a given time, reconstructed from the event log alone.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1], "age": [18.0, 30.0, 50.0, 55.0],
...                    "t": [-32.0, -20.0, 0.0, 5.0],
...                    "event": ["entry", "ceap", "entry", "exit"],
...                    "detail": ["history_start", "C2", "baseline", "end_of_follow_up"]})
>>> ceap_at(ev, 0.0).tolist()
[2]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.outcomes.log import exits, labels, person_rows, superficial_reflux, valve_systems

__all__ = ["observed_at", "ceap_at", "reflux_at", "baseline_age", "last_state_at", "CEAP_CLASSES"]

CEAP_CLASSES = ("C0", "C1", "C2", "C3", "C4", "C5", "C6")


def _kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    return events[events["event"].astype(str) == kind]


def baseline_age(events: pd.DataFrame) -> pd.Series:
    """Each person's baseline age (``age - t`` of their first event), indexed by person_id."""
    first = events.drop_duplicates("person_id", keep="first").set_index("person_id")
    return (first["age"] - first["t"]).rename("baseline_age")


def observed_at(events: pd.DataFrame, t: float) -> pd.Index:
    """Persons alive and under observation at time ``t`` (history started, not yet exited)."""
    entry = _kind(events, "entry").groupby("person_id", observed=True)["t"].min()
    ex = exits(events).set_index("person_id")
    ex_t = ex["t"].reindex(entry.index, fill_value=np.inf)
    died = ex["died"].reindex(entry.index, fill_value=False).astype(bool)
    # death at t removes the person; a censoring exit at t still counts them as observed
    keep = (entry <= t) & np.where(died, ex_t > t, ex_t >= t)
    return entry.index[keep.to_numpy()]


def last_state_at(events: pd.DataFrame, t: float, kind: str, persons: pd.Index) -> pd.Series:
    """The word (detail) of each person's last ``kind`` event of the person (not of a leg) at or before ``t``."""
    ev = _kind(person_rows(events), kind)
    ev = ev[ev["t"] <= t].drop_duplicates("person_id", keep="last")
    return pd.Series(labels(ev).astype(str), index=ev["person_id"].to_numpy()).reindex(persons)


def ceap_at(events: pd.DataFrame, t: float, persons: pd.Index | None = None) -> pd.Series:
    """CEAP class (0-6) of the worst leg at ``t`` for persons observed then (or ``persons``)."""
    persons = observed_at(events, t) if persons is None else persons
    last = last_state_at(events, t, "ceap", persons)
    cls = last.fillna("C0").str[1:].astype(int)
    return cls.rename("ceap")


def reflux_at(events: pd.DataFrame, t: float, persons: pd.Index | None = None) -> pd.DataFrame:
    """Superficial and deep reflux at ``t``: failures on or before ``t``; surgery removes superficial reflux."""
    persons = observed_at(events, t) if persons is None else persons
    ev = events[(events["t"] <= t).to_numpy()]
    # a person refluxes superficially when either leg does (each leg's last word counts)
    sup = superficial_reflux(ev).groupby(level=0).any()
    vs = valve_systems(ev)
    deep_ids = vs.loc[vs["deep"].to_numpy(), "person_id"]
    out = pd.DataFrame(index=persons)
    out["superficial_reflux"] = sup.reindex(persons, fill_value=False).astype(bool).to_numpy()
    out["deep_reflux"] = persons.isin(deep_ids.unique())
    return out
