"""Care from the event log: surgical waiting times and years spent in a CEAP class (ulcer-years).

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1] * 5, "t": [0.0, 1.0, 1.0, 3.0, 4.0],
...     "age": [50.0, 51.0, 51.0, 53.0, 54.0],
...     "event": ["entry", "ceap", "surgery", "surgery", "exit"],
...     "detail": ["baseline", "C6", "referred", "done", "end_of_follow_up"]})
>>> surgery_waits(ev)[["wait_years", "done"]].values.tolist()
[[2.0, True]]
>>> float(time_in_class(ev, "C6").iloc[0])
3.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.outcomes.log import is_event, labels, person_rows

__all__ = ["surgery_waits", "time_in_class"]


def surgery_waits(events: pd.DataFrame) -> pd.DataFrame:
    """One row a referral: ``person_id``, ``leg``, ``t_referred``, ``wait_years``, ``done``.

    Each referral is paired with the next operation on the same leg (on a log without legs, of
    the same person). A referral still waiting when the person leaves observation has
    ``done=False`` and the time waited so far (a censored waiting time).
    """
    ref = events[is_event(events, "surgery", "referred")]
    done = events[is_event(events, "surgery", "done")]
    exits = events[is_event(events, "exit")].set_index("person_id")["t"]

    def legs(rows: pd.DataFrame) -> np.ndarray:
        return (
            rows["leg"].astype(str).to_numpy() if "leg" in rows.columns else np.full(len(rows), "")
        )

    done_by: dict[tuple, list[float]] = {}
    for key, t in zip(
        zip(done["person_id"].to_numpy(), legs(done), strict=True),
        done["t"].to_numpy(),
        strict=True,
    ):
        done_by.setdefault(key, []).append(float(t))
    rows = []
    for pid, leg, t_ref in zip(
        ref["person_id"].to_numpy(), legs(ref), ref["t"].to_numpy(), strict=True
    ):
        later = [t for t in done_by.get((pid, leg), []) if t >= t_ref]
        if later:
            done_by[(pid, leg)].remove(later[0])
            rows.append((pid, leg, t_ref, later[0] - t_ref, True))
        else:
            rows.append((pid, leg, t_ref, float(exits.get(pid, np.nan)) - t_ref, False))
    return pd.DataFrame(rows, columns=["person_id", "leg", "t_referred", "wait_years", "done"])


def time_in_class(
    events: pd.DataFrame, cls: str = "C6", start: float = 0.0, end: float = np.inf
) -> pd.Series:
    """Years each person spends in CEAP class ``cls`` within ``[start, end]`` (e.g. ulcer-years for C6)."""
    events = person_rows(events)
    ev = events[is_event(events, ("ceap", "entry", "exit"))]
    state = pd.Series(np.where(is_event(ev, "ceap"), labels(ev), None), index=ev.index)
    state = state.where(~is_event(ev, "entry", "history_start"), "C0")
    state = state.groupby(ev["person_id"].to_numpy()).ffill()
    nxt = ev.groupby("person_id", observed=True)["t"].shift(-1)
    a = ev["t"].clip(lower=start, upper=end)
    b = nxt.clip(lower=start, upper=end)
    years = (b - a).where(state == cls, 0.0).fillna(0.0)
    return years.groupby(ev["person_id"].to_numpy()).sum().rename(f"years_{cls}")
