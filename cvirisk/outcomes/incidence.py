"""Incidence rates per 1000 person-years of any event kind, from the event log alone.

Person-time runs from each person's entry (or ``start``) to their exit (or ``end``) and is
split exactly across age bands (a Lexis split); events are counted where they fall.

Examples
--------
>>> from cvirisk.sim import simulate
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(50, age=70.0), seed=1, years=5)
>>> tab = incidence(res.events, "death")
>>> bool(tab["person_years"].iloc[0] > 0)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2

from cvirisk.outcomes.log import select_events
from cvirisk.outcomes.prevalence import AGE_BANDS

__all__ = ["observation_intervals", "person_years", "incidence", "select_events"]


def observation_intervals(
    events: pd.DataFrame, start: float = 0.0, end: float = np.inf
) -> pd.DataFrame:
    """Per person: baseline age ``a0`` and the observed span ``[t_in, t_out]`` within ``[start, end]``."""
    g = events.groupby("person_id", observed=True, sort=True)
    first = g.nth(0).set_index("person_id")
    t_in = np.maximum(g["t"].min(), start)
    t_out = np.minimum(g["t"].max(), end)
    out = pd.DataFrame(
        {"a0": (first["age"] - first["t"]).reindex(t_in.index), "t_in": t_in, "t_out": t_out}
    )
    return out[out["t_out"] > out["t_in"]]


def person_years(
    events: pd.DataFrame,
    persons: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    start: float = 0.0,
    end: float = np.inf,
    bands: Sequence[float] = AGE_BANDS,
) -> pd.DataFrame:
    """Observed person-years in ``[start, end]`` (years since baseline), by age band and/or sex."""
    obs = observation_intervals(events, start, end)
    rows = []
    lo_hi = (
        list(zip(bands[:-1], bands[1:], strict=True)) if "age_band" in by else [(-np.inf, np.inf)]
    )
    sex = _sex(obs.index, persons) if "sex" in by else pd.Series("all", index=obs.index)
    for lo, hi in lo_hi:
        a_in, a_out = obs["a0"] + obs["t_in"], obs["a0"] + obs["t_out"]
        py = (np.minimum(a_out, hi) - np.maximum(a_in, lo)).clip(lower=0.0)
        label = f"{int(lo)}-{int(hi) - 1}" if np.isfinite(lo) else "all"
        for s, val in py.groupby(sex.to_numpy(), observed=True).sum().items():
            rows.append({"age_band": label, "sex": s, "person_years": float(val)})
    out = pd.DataFrame(rows)
    return out[[k for k in ("age_band", "sex") if k in by] + ["person_years"]]


def _sex(ids: pd.Index, persons: pd.DataFrame | None) -> pd.Series:
    if persons is None:
        raise ValueError("grouping by sex needs the persons table")
    return persons.set_index("person_id")["sex"].astype(str).reindex(ids)


def incidence(
    events: pd.DataFrame,
    kind: str,
    detail: str | None = None,
    persons: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    start: float = 0.0,
    end: float = np.inf,
    bands: Sequence[float] = AGE_BANDS,
    per: float = 1000.0,
) -> pd.DataFrame:
    """Events of ``kind`` (and ``detail``) per ``per`` person-years, with exact Poisson 95% limits.

    All occurrences are counted (recurrent events included); person-time is all observed
    time in ``[start, end]`` (default: follow-up from baseline).

    Returns
    -------
    DataFrame
        Group columns, ``events``, ``person_years``, ``rate``, ``rate_low``, ``rate_high``.
    """
    py = person_years(events, persons, by, start, end, bands)
    ev = select_events(events, kind, detail)
    ev = ev[(ev["t"] >= start) & (ev["t"] <= end)]
    keys = [k for k in ("age_band", "sex") if k in by]
    frame = pd.DataFrame(index=ev.index)
    if "age_band" in keys:
        labels = [f"{int(lo)}-{int(hi) - 1}" for lo, hi in zip(bands[:-1], bands[1:], strict=True)]
        frame["age_band"] = pd.cut(ev["age"], bins=list(bands), right=False, labels=labels).astype(
            str
        )
    if "sex" in keys:
        frame["sex"] = _sex(pd.Index(ev["person_id"]), persons).to_numpy()
    if keys:
        counts = frame.groupby(keys).size().rename("events").reset_index()
        out = py.merge(counts, on=keys, how="left")
    else:
        out = py.assign(events=len(ev))
    out["events"] = out["events"].fillna(0).astype(np.int64)
    k = out["events"].to_numpy(float)
    pyr = out["person_years"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = per * k / pyr
        out["rate_low"] = per * np.where(k > 0, chi2.ppf(0.025, 2 * k) / 2, 0.0) / pyr
        out["rate_high"] = per * chi2.ppf(0.975, 2 * k + 2) / 2 / pyr
    return out
