"""Survival tables from the event log: one row a person, ready for a fitter.

The event log contract (DESIGN.md) is long: ``person_id, age, t, event, detail``.
These pure functions turn it into the wide form lifelines expects:

* :func:`survival_table` -- time to the first occurrence of an endpoint (``C2``, ``C3+``,
  ``ulcer``, ``dvt``, ``death``), on the age scale with delayed entry (left truncation at the
  age observation starts) or on the time-since-baseline scale, with competing causes kept
  apart in a ``cause`` column;
* :func:`interval_censored_table` -- the same endpoint seen only at visits: the event lies in
  ``(lower, upper]``;
* :func:`baseline_features` -- the persons table as hazard-ratio features named as in
  :data:`cvirisk.params.model_spec.FEATURES` (``female``, ``smoking_current``, ``bmi_per_5``, ...);
* :func:`time_varying_table` -- start/stop rows split at ``covariate`` events, for a
  time-varying Cox model.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 2, 2], "age": [50.0, 53.0, 60.0, 40.0, 50.0],
...     "t": [0.0, 3.0, 10.0, 0.0, 10.0], "event": ["entry", "ceap", "exit", "entry", "exit"],
...     "detail": ["baseline", "C3", "end_of_follow_up", "baseline", "end_of_follow_up"]})
>>> survival_table(ev, "C3+")[["person_id", "entry", "duration", "event"]].to_dict("list")
{'person_id': [1, 2], 'entry': [50.0, 40.0], 'duration': [53.0, 50.0], 'event': [1, 0]}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.outcomes.log import ceap_class, covariate_changes, entries, exits, person_rows

__all__ = [
    "ENDPOINTS",
    "baseline_features",
    "endpoint_times",
    "interval_censored_table",
    "survival_table",
    "time_varying_table",
]

#: Endpoints understood by :func:`survival_table` and what marks them in the event log.
ENDPOINTS: dict[str, str] = {
    "C2": "first ceap event with class >= C2 (varicose veins or worse)",
    "C3+": "first ceap event with class >= C3 (edema or worse)",
    "ulcer": "first ceap event C6 (active ulcer)",
    "dvt": "first dvt event",
    "death": "first death event (any cause)",
}

_REQUIRED = ("person_id", "age", "t", "event", "detail")
#: Work exposures of the cohort contract, old (one flag) and new (standing and sitting apart).
WORK_COLUMNS = ("sedentary_work", "standing_work", "sitting_work")
#: BMI at which ``bmi_per_5`` is zero (the declared model: per 5 kg/m2 of BMI above 25).
BMI_REFERENCE = 25.0


def _check_log(events: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise InputError(f"event log: missing column(s) {', '.join(missing)}")


def endpoint_times(events: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """First ``t`` and ``age`` of an endpoint per person (persons without it are absent).

    Returns a frame indexed by ``person_id`` with columns ``t`` and ``age``; it includes
    pre-baseline occurrences (``t < 0``).
    """
    _check_log(events)
    kind = events["event"]  # plain comparisons work for str, object and categorical columns
    if endpoint in ("C2", "C3+", "ulcer"):
        ceap = person_rows(events)
        threshold = {"C2": 2, "C3+": 3, "ulcer": 6}[endpoint]
        hits = ceap.loc[(ceap_class(ceap) >= threshold).to_numpy(), ["person_id", "t", "age"]]
    elif endpoint in ("dvt", "death"):
        hits = events.loc[(kind == endpoint).to_numpy(), ["person_id", "t", "age"]]
    else:
        raise InputError(f"unknown endpoint {endpoint!r}; choose one of {', '.join(ENDPOINTS)}")
    return hits.sort_values(["person_id", "t"]).groupby("person_id", sort=True).first()


def _window(events: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Start and end of observation per person: ``t0, age0, t1, age1, exit_reason``."""
    start_detail = {"baseline": "baseline", "history": "history_start"}.get(origin)
    if start_detail is None:
        raise InputError(f"origin must be 'baseline' or 'history', not {origin!r}")
    first = entries(events, start_detail)[["person_id", "t", "age"]]
    start = first.groupby("person_id").first().rename(columns={"t": "t0", "age": "age0"})
    last = exits(events)[["person_id", "t", "age", "reason"]]
    end = last.sort_values("t").groupby("person_id").last()
    end = end.rename(columns={"t": "t1", "age": "age1", "reason": "exit_reason"})
    win = start.join(end, how="inner")
    if len(win) < len(start):
        raise InputError(f"event log: {len(start) - len(win)} person(s) have an entry but no exit event")
    return win


def survival_table(
    events: pd.DataFrame,
    endpoint: str,
    *,
    time_scale: str = "age",
    origin: str = "baseline",
    competing: Iterable[str] = ("death",),
    persons: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Time to the first ``endpoint``, one row a person at risk at the origin.

    Parameters
    ----------
    events
        Event log (``person_id, age, t, event, detail``).
    endpoint
        One of :data:`ENDPOINTS`.
    time_scale
        ``"age"``: ``entry`` is the age observation starts and ``duration`` the age it ends
        (left truncation; fit with ``entry_col="entry"``); ``"time"``: years since the origin
        (``entry`` is 0).
    origin
        ``"baseline"`` (``t = 0``; persons who already had the endpoint are prevalent cases
        and are left out, their number is in ``df.attrs["prevalent"]``) or ``"history"``
        (from the ``history_start`` entry at age 18, so nobody is prevalent).
    competing
        Endpoints that end follow-up as distinct causes (``death`` by default). The column
        ``cause`` holds ``"censored"``, the endpoint's name, or a competing endpoint's name;
        ``cause_code`` numbers them 0 (censored), 1 (endpoint), 2, 3, ... in the given order.
    persons
        Optional persons table; its columns are joined on ``person_id``, with the features
        of :func:`baseline_features` added.

    Returns
    -------
    pandas.DataFrame with ``person_id, entry, duration, event, cause, cause_code`` (+ persons).
    """
    if time_scale not in ("age", "time"):
        raise InputError(f"time_scale must be 'age' or 'time', not {time_scale!r}")
    _check_log(events)
    competing = [c for c in competing if c != endpoint]
    win = _window(events, origin)
    first = endpoint_times(events, endpoint)
    tab = win.join(first.rename(columns={"t": "te", "age": "agee"}), how="left")
    prevalent = tab["te"].notna() & (tab["te"] <= tab["t0"])
    tab = tab.loc[~prevalent].copy()
    end_t, end_age = tab["t1"].to_numpy(float), tab["age1"].to_numpy(float)
    code = np.zeros(len(tab), dtype=np.int64)
    for k, name in enumerate([endpoint, *competing], start=1):
        hit = endpoint_times(events, name).reindex(tab.index)
        te, ae = hit["t"].to_numpy(float), hit["age"].to_numpy(float)
        earlier = np.isfinite(te) & (te > tab["t0"].to_numpy(float)) & (te < end_t)
        # the endpoint wins a tie with a competing cause at the same instant (listed first)
        same = np.isfinite(te) & (te == end_t) & (code == 0)
        take = earlier | same
        end_t, end_age, code = np.where(take, te, end_t), np.where(take, ae, end_age), np.where(take, k, code)
    names = np.array(["censored", endpoint, *competing], dtype=object)
    if time_scale == "age":
        entry, duration = tab["age0"].to_numpy(float), end_age
    else:
        entry, duration = np.zeros(len(tab)), end_t - tab["t0"].to_numpy(float)
    out = pd.DataFrame(
        {
            "person_id": tab.index.to_numpy(np.int64),
            "entry": entry,
            "duration": duration,
            "event": (code == 1).astype(np.int64),
            "cause": pd.Categorical(names[code], categories=list(dict.fromkeys(names))),
            "cause_code": code,
        }
    )
    if persons is not None:
        feats = baseline_features(persons)
        p = persons.set_index("person_id")
        p = p.drop(columns=[c for c in feats.columns if c in p.columns]).join(feats).reset_index()
        out = out.merge(p, on="person_id", how="left", validate="one_to_one")
    out.attrs.update(endpoint=endpoint, time_scale=time_scale, origin=origin, prevalent=int(prevalent.sum()))
    return out


def interval_censored_table(
    events: pd.DataFrame,
    endpoint: str,
    visit_every: float = 2.0,
    *,
    time_scale: str = "time",
) -> pd.DataFrame:
    """The endpoint as seen only at visits every ``visit_every`` years from baseline.

    A person event-free at baseline and first seen with the endpoint at visit ``k`` has
    ``lower`` = time of visit ``k-1`` and ``upper`` = time of visit ``k``; never seen, ``upper``
    is ``inf`` and ``lower`` the last visit before exit (right censored). Use with lifelines'
    ``fit_interval_censoring(lower, upper)`` without its ``event_observed`` (there it means an
    exactly observed time, ``lower == upper``). On the age scale, times are ages.
    """
    if not visit_every > 0:
        raise InputError(f"visit_every must be positive, not {visit_every!r}")
    tab = survival_table(events, endpoint, time_scale="time", origin="baseline", competing=())
    win = _window(events, "baseline").reindex(tab["person_id"].to_numpy())
    follow = (win["t1"] - win["t0"]).to_numpy(float)
    t = tab["duration"].to_numpy(float)
    seen = tab["event"].to_numpy(bool)
    k = np.ceil(t / visit_every)
    seen &= k * visit_every <= follow + 1e-12  # the visit after the event took place before exit
    last_visit = np.floor(follow / visit_every + 1e-12) * visit_every
    lower = np.where(seen, (k - 1) * visit_every, last_visit)
    upper = np.where(seen, k * visit_every, np.inf)
    if time_scale == "age":
        age0 = win["age0"].to_numpy(float)
        lower, upper = lower + age0, upper + age0
    elif time_scale != "time":
        raise InputError(f"time_scale must be 'age' or 'time', not {time_scale!r}")
    out = pd.DataFrame({"person_id": tab["person_id"].to_numpy(), "lower": lower, "upper": upper,
                        "event": seen.astype(np.int64)})
    out.attrs.update(endpoint=endpoint, visit_every=visit_every, time_scale=time_scale)
    return out


def baseline_features(persons: pd.DataFrame) -> pd.DataFrame:
    """Hazard-ratio features from the persons table, named as in :data:`cvirisk.params.model_spec.FEATURES`.

    ``female``, ``smoking_current``, ``smoking_former``, ``family_history``, the work
    exposures (``sedentary_work``, or ``standing_work`` and ``sitting_work`` in the cohort
    contract that splits them), ``prior_dvt``, ``congenital_absence`` are 0/1; ``bmi_per_5`` is ``(bmi - 25) / 5`` and
    ``parity_per_birth`` the parity. Only columns present in ``persons`` give features.
    """
    p = persons.set_index("person_id") if "person_id" in persons.columns else persons
    out = pd.DataFrame(index=p.index)
    if "sex" in p:
        out["female"] = (p["sex"].astype(str) == "female").astype(np.int64)
    if "smoking" in p:
        out["smoking_current"] = (p["smoking"].astype(str) == "current").astype(np.int64)
        out["smoking_former"] = (p["smoking"].astype(str) == "former").astype(np.int64)
    for col in ("family_history", *WORK_COLUMNS, "prior_dvt", "congenital_absence"):
        if col in p:
            out[col] = p[col].astype(bool).astype(np.int64)
    if "bmi" in p:
        out["bmi_per_5"] = (p["bmi"].astype(float) - BMI_REFERENCE) / 5.0
    if "parity" in p:
        out["parity_per_birth"] = p["parity"].astype(float)
    return out


def _covariate_changes(events: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    cov = covariate_changes(events).rename(columns={"setting": "value"})
    cov = cov.loc[(cov["value"] != "").to_numpy()]  # a setting (smoking=former), not a number (bmi)
    if cov.empty:
        return pd.DataFrame(columns=["person_id", "t", "name", "value"])
    return cov.loc[cov["name"].isin(names)]


def time_varying_table(
    events: pd.DataFrame,
    persons: pd.DataFrame,
    endpoint: str,
    covariates: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Start/stop rows on the time-since-baseline scale, split where a covariate changes.

    Baseline values come from ``persons``; each ``covariate`` event ``name=value`` with
    ``0 < t < end`` starts a new row. Features are recomputed per row with
    :func:`baseline_features`. Fit with a time-varying Cox model
    (``id_col="person_id", start_col="start", stop_col="stop", event_col="event"``).
    ``covariates`` defaults to smoking, BMI and the work exposures present in ``persons``.
    """
    if covariates is None:
        covariates = ("smoking", "bmi", *(c for c in WORK_COLUMNS if c in persons.columns))
    tab = survival_table(events, endpoint, time_scale="time", competing=())
    base = persons.set_index("person_id").loc[tab["person_id"], list(covariates)]
    changes = _covariate_changes(events, covariates)
    end = pd.Series(tab["duration"].to_numpy(), index=tab["person_id"].to_numpy())
    changes = changes.loc[(changes["t"] > 0) & (changes["t"] < changes["person_id"].map(end))]
    rows = base.reset_index().assign(start=0.0)
    if len(changes):
        wide = changes.pivot_table(index=["person_id", "t"], columns="name", values="value", aggfunc="last")
        wide = wide.reset_index().rename(columns={"t": "start"})
        rows = pd.concat([rows, wide], ignore_index=True).sort_values(["person_id", "start"])
        rows[list(covariates)] = rows.groupby("person_id")[list(covariates)].ffill()
        rows = rows.drop_duplicates(["person_id", "start"], keep="last")
    for col in covariates:  # values parsed from details are strings
        if col == "bmi":
            rows[col] = rows[col].astype(float)
        elif col in (*WORK_COLUMNS, "family_history", "prior_dvt"):
            rows[col] = rows[col].map(lambda v: str(v) in ("True", "true", "1", "1.0"))
    rows = rows.reset_index(drop=True)
    nxt = rows.groupby("person_id")["start"].shift(-1)
    rows["stop"] = nxt.fillna(rows["person_id"].map(end)).to_numpy(float)
    last = nxt.isna().to_numpy()
    rows["event"] = (last & rows["person_id"].map(tab.set_index("person_id")["event"]).to_numpy(bool)).astype(np.int64)
    feats = baseline_features(rows.drop(columns="person_id"))  # indexed like rows
    return pd.concat([rows[["person_id", "start", "stop", "event"]], feats], axis=1)
