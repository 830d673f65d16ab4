"""Per-person and per-cause readers of the event log over a window ``[start, end]`` (years since baseline).

The registered outcomes (:mod:`cvirisk.outcomes.clinical`) are weighted sums of these; tables
for a report or a notebook come from the same functions, so both agree.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1] * 6, "t": [-3.0, 0.0, 1.0, 2.5, 3.0, 4.0],
...     "age": [47.0, 50, 51, 52.5, 53, 54], "leg": [""] * 4 + ["left", ""],
...     "event": ["ceap", "entry", "ceap", "ceap", "surgery", "exit"],
...     "detail": ["C2", "baseline", "C6", "C5", "done", "death"],
...     "value": [None, None, None, None, 0.5, None]})
>>> ulcer_years(ev, 0.0, 4.0).tolist(), life_years(ev, 0.0, 4.0).tolist(), operations(ev, 0.0, 4.0).tolist()
([1.5], [4.0], [1])
>>> first_time(ev, "ceap", ("C3", "C4", "C5", "C6")).tolist()
[1.0]
>>> died = ev.assign(event=["ceap", "entry", "ceap", "ceap", "surgery", "death"],
...                  detail=["C2", "baseline", "C6", "C5", "done", "pe"])
>>> deaths_by_cause(died, 0.0, 4.0)
cause
pe    1
Name: deaths, dtype: int64
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from cvirisk.outcomes.care import time_in_class
from cvirisk.outcomes.log import death_causes, exits, is_event, person_rows

__all__ = ["ulcer_years", "life_years", "operations", "first_time", "deaths_by_cause", "done_waits"]


def ulcer_years(events: pd.DataFrame, start: float = 0.0, end: float = np.inf) -> pd.Series:
    """Years each person lives with an open ulcer (the worse leg in C6) within ``[start, end]``."""
    return time_in_class(events, "C6", start, end).rename("ulcer_years")


def life_years(events: pd.DataFrame, start: float = 0.0, end: float = np.inf) -> pd.Series:
    """Years each person is alive and observed within ``[start, end]`` (from ``start`` to exit)."""
    ex = exits(events)
    span = np.clip(ex["t"].to_numpy(), start, end) - start
    return pd.Series(
        span, index=pd.Index(ex["person_id"].to_numpy(), name="person_id"), name="life_years"
    )


def operations(events: pd.DataFrame, start: float = 0.0, end: float = np.inf) -> pd.Series:
    """Operations done on each person's legs within ``[start, end]`` (persons with none omitted)."""
    done = events[is_event(events, "surgery", "done") & events["t"].between(start, end).to_numpy()]
    return done.groupby("person_id").size().rename("operations")


def done_waits(events: pd.DataFrame, start: float = 0.0, end: float = np.inf) -> pd.DataFrame:
    """The operations done within ``[start, end]``: ``person_id, t, wait_years`` (time on the waiting list)."""
    done = events[is_event(events, "surgery", "done") & events["t"].between(start, end).to_numpy()]
    return pd.DataFrame({"person_id": done["person_id"].to_numpy(), "t": done["t"].to_numpy(float),
                         "wait_years": done["value"].to_numpy(float)})  # fmt: skip


def first_time(
    events: pd.DataFrame, kind: str, detail: str | Collection[str] | None = None
) -> pd.Series:
    """Each person's time of the first ``kind`` event of ``detail`` (``ceap``: the person's class), ever."""
    ev = person_rows(events) if kind == "ceap" else events
    ev = ev[is_event(ev, kind, detail)]
    return ev.groupby("person_id")["t"].min().rename("t_first")


def deaths_by_cause(events: pd.DataFrame, start: float = 0.0, end: float = np.inf) -> pd.Series:
    """Deaths within ``[start, end]`` by cause (``background`` mortality, ``pe`` pulmonary embolism)."""
    de = death_causes(events)
    de = de[(de["t"] >= start) & (de["t"] <= end)]
    return de.groupby("cause").size().rename("deaths")
