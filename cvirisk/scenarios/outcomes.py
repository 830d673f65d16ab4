"""Outcomes of one run over follow-up (``0 <= t <= years``), from the event log alone.

=======================  ==================================================================
``cvi_incident``         persons whose first CEAP class C3 or higher falls in follow-up
``superficial_failure``  superficial valve failures in follow-up
``ulcer_years``          years spent in C6 (active ulcer) in follow-up
``dvt``                  incident DVT
``pe``                   pulmonary embolisms (fatal or not)
``deaths``               deaths (any cause)
``surgeries``            operations done
``referrals``            referrals to surgery
``mean_wait_years``      mean waiting time of the operations done (NaN when none)
``life_years``           years lived in follow-up
=======================  ==================================================================

Counts are weighted by each person's cohort ``weight`` when ``weights`` are given.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1, 1, 1],
...     "t": [-3.0, 0.0, 1.0, 2.5, 3.0, 4.0], "age": [47.0, 50, 51, 52.5, 53, 54],
...     "event": ["ceap", "entry", "ceap", "ceap", "surgery", "exit"],
...     "detail": ["C2", "baseline", "C6", "C5", "done", "end_of_follow_up"],
...     "value": [None, None, None, None, 0.5, None]})
>>> o = run_outcomes(ev, years=4)
>>> o["cvi_incident"], o["ulcer_years"], o["surgeries"], o["mean_wait_years"], o["life_years"]
(1.0, 1.5, 1.0, 0.5, 4.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.analysis.log import person_mask

__all__ = ["OUTCOMES", "run_outcomes"]

#: Outcome names in report order.
OUTCOMES: tuple[str, ...] = (
    "cvi_incident", "superficial_failure", "ulcer_years", "dvt", "pe", "deaths",
    "surgeries", "referrals", "mean_wait_years", "life_years",
)  # fmt: skip

_CVI = {"C3", "C4", "C5", "C6"}


def _w(pid: np.ndarray, weights: pd.Series | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(pid))
    return weights.reindex(pid).fillna(1.0).to_numpy(float)


def run_outcomes(events: pd.DataFrame, years: float, weights: pd.Series | None = None) -> dict[str, float]:
    """Every outcome of :data:`OUTCOMES` for one event log.

    Parameters
    ----------
    events : pandas.DataFrame
        An event log sorted by person, time and event order (as the engines write it).
    years : float
        End of follow-up (years since baseline).
    weights : pandas.Series, optional
        Person weight indexed by ``person_id`` (default 1 each).

    Returns
    -------
    dict
        Outcome name -> value (float).
    """
    events = events.assign(event=events["event"].astype(str).where(
        person_mask(events) | (events["event"].astype(str) != "ceap"), "ceap_leg"))
    kind = events["event"].astype(str).to_numpy()
    detail = events["detail"].astype(str).to_numpy()
    pid = events["person_id"].to_numpy(np.int64)
    t = events["t"].to_numpy(float)
    fu = (t >= 0.0) & (t <= years)
    out: dict[str, float] = {}

    def weighted(mask: np.ndarray) -> float:
        return float(_w(pid[mask], weights).sum())

    # first C3+ of each person, counted when it falls in follow-up
    cvi = (kind == "ceap") & np.isin(detail, list(_CVI))
    cvi_idx = np.flatnonzero(cvi)
    first = cvi_idx[np.unique(pid[cvi_idx], return_index=True)[1]] if cvi_idx.size else cvi_idx
    out["cvi_incident"] = float(_w(pid[first[fu[first]]], weights).sum())
    out["superficial_failure"] = weighted(fu & (kind == "valve_failure") & (detail == "superficial"))

    # years in C6: from a "ceap C6" row to the person's next ceap or exit row, within follow-up
    rows = np.flatnonzero((kind == "ceap") | (kind == "exit"))
    p, tt = pid[rows], t[rows]
    same_next = np.append(p[1:] == p[:-1], False)
    t_next = np.where(same_next, np.append(tt[1:], 0.0), tt)
    c6 = (kind[rows] == "ceap") & (detail[rows] == "C6")
    span = np.clip(np.minimum(t_next, years) - np.maximum(tt, 0.0), 0.0, None)
    out["ulcer_years"] = float((span * c6 * _w(p, weights)).sum())

    out["dvt"] = weighted(fu & (kind == "dvt") & (detail == "incident"))
    out["pe"] = weighted(fu & (kind == "pe"))
    out["deaths"] = weighted(fu & (kind == "death"))
    surgery = fu & (kind == "surgery")
    done = surgery & (detail == "done")
    out["surgeries"] = weighted(done)
    out["referrals"] = weighted(surgery & (detail == "referred"))
    if done.any():
        w = _w(pid[done], weights)
        waits = events["value"].to_numpy(float)[done]
        out["mean_wait_years"] = float((waits * w).sum() / w.sum())
    else:
        out["mean_wait_years"] = float("nan")

    exits = np.flatnonzero(kind == "exit")
    out["life_years"] = float((np.clip(t[exits], 0.0, years) * _w(pid[exits], weights)).sum())
    return {k: out[k] for k in OUTCOMES}
