"""Time to the first occurrence of an event, and its cumulative incidence with death competing.

Examples
--------
>>> from cvirisk.sim import simulate
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(100, age=70.0), seed=1, years=10)
>>> ci = cumulative_incidence(res.events, "ceap", "C2", times=[5.0, 10.0])
>>> bool((ci["cif"].diff().dropna() >= 0).all())
True
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from cvirisk.outcomes.incidence import select_events

__all__ = ["time_to_first", "cumulative_incidence"]


def time_to_first(
    events: pd.DataFrame,
    kind: str,
    detail: str | Collection[str] | None = None,
    start: float = 0.0,
    exclude_prevalent: bool = False,
) -> pd.DataFrame:
    """Per person: ``duration`` from ``start`` to the first ``kind`` event, death or exit.

    Returns columns ``duration``, ``event`` (1 the event, 2 death first, 0 censored) and
    ``prevalent`` (the event happened before ``start``), indexed by person_id. Persons who
    left observation before ``start`` are dropped.
    """
    last = events.groupby("person_id", observed=True)["t"].max()
    ids = last.index[last >= start]
    ev = select_events(events, kind, detail)
    prevalent = pd.Index(ev.loc[ev["t"] < start, "person_id"].unique())
    first = ev[ev["t"] >= start].groupby("person_id", observed=True)["t"].min()
    death = select_events(events, "death").groupby("person_id", observed=True)["t"].min()
    t_ev = first.reindex(ids, fill_value=np.inf)
    t_death = death.reindex(ids, fill_value=np.inf)
    t_exit = last.reindex(ids)
    status = np.where(t_ev <= np.minimum(t_death, t_exit), 1, np.where(t_death <= t_exit, 2, 0))
    end = np.minimum(np.minimum(t_ev, t_death), t_exit)
    out = pd.DataFrame(
        {"duration": end - start, "event": status, "prevalent": ids.isin(prevalent)}, index=ids
    )
    if exclude_prevalent:
        out = out[~out["prevalent"]]
    return out


def cumulative_incidence(
    events: pd.DataFrame,
    kind: str,
    detail: str | Collection[str] | None = None,
    times: Sequence[float] | None = None,
    start: float = 0.0,
    exclude_prevalent: bool = False,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of the first ``kind`` event, death competing.

    ``weights`` (by ``person_id``; default 1 each) weight the persons of an oversampled cohort;
    ``at_risk`` stays a count of persons.

    Returns
    -------
    DataFrame
        ``time`` (years since ``start``), ``cif`` (the event), ``cif_death`` and ``at_risk``,
        at ``times`` (default: every distinct event time).
    """
    d = time_to_first(events, kind, detail, start, exclude_prevalent)
    dur = d["duration"].to_numpy(float)
    st = d["event"].to_numpy()
    w = np.ones(len(d)) if weights is None else weights.reindex(d.index).fillna(1.0).to_numpy(float)
    grid = np.unique(dur[st > 0])
    order = np.argsort(dur, kind="stable")
    gone = np.concatenate(
        [[0.0], np.cumsum(w[order])]
    )  # weight of persons whose time is below each
    n_at = w.sum() - gone[np.searchsorted(dur[order], grid, side="left")]
    d1 = np.bincount(np.searchsorted(grid, dur[st == 1]), weights=w[st == 1], minlength=len(grid))[
        : len(grid)
    ]
    d2 = np.bincount(np.searchsorted(grid, dur[st == 2]), weights=w[st == 2], minlength=len(grid))[
        : len(grid)
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv_after = np.cumprod(1.0 - (d1 + d2) / n_at)
    surv_before = np.concatenate([[1.0], surv_after[:-1]])
    cif1 = np.cumsum(surv_before * d1 / n_at)
    cif2 = np.cumsum(surv_before * d2 / n_at)
    if times is None:
        at_risk = len(dur) - np.searchsorted(np.sort(dur), grid, side="left")
        return pd.DataFrame({"time": grid, "cif": cif1, "cif_death": cif2, "at_risk": at_risk})
    q = np.asarray(times, float)
    pos = np.searchsorted(grid, q, side="right") - 1
    pick = lambda a, empty: np.where(pos >= 0, a[np.maximum(pos, 0)] if len(a) else empty, empty)  # noqa: E731
    at_risk = (dur[:, None] >= q[None, :]).sum(axis=0)
    return pd.DataFrame(
        {"time": q, "cif": pick(cif1, 0.0), "cif_death": pick(cif2, 0.0), "at_risk": at_risk}
    )
