"""Study estimators over the event log (pure functions; no engine internals).

Every function reads the documented contracts only: the cohort (``person_id, sex, age,
prior_dvt, weight, ...``) and the event log (``person_id, age, t, event, detail``). Each returns
an :class:`Estimate` -- the simulated value with its Monte Carlo 95% interval -- so that the
same code runs on a hand-made log in the tests and on a simulation in the calibration.

Conventions
-----------
* The CEAP class of a person at time ``t0`` is the class carried by the last ``ceap`` event at
  or before ``t0`` (C0 when there is none); the class can fall (C6 -> C5 on healing).
* Weighted cohorts (conditional cohorts carry ``weight``) give weighted estimates; their
  intervals use Kish's effective sample size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.outcomes.log import (
    ceap_class,
    findings,
    is_event,
    person_mask,
    person_rows,
    superficial_reflux,
    valve_systems,
)

__all__ = [
    "Estimate",
    "proportion",
    "ceap_number",
    "status_at",
    "bonn_class",
    "new_onset_among_survivors",
    "first_event_rates_by_age",
    "cumulative_incidence_after_index",
    "follow_up_end",
    "episode_rates",
]

Z = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """A simulated quantity with its Monte Carlo 95% interval (same unit as the target)."""

    value: float
    low: float
    high: float
    n: float = float("nan")
    notes: dict = field(default_factory=dict, compare=False)

    @property
    def detail(self) -> dict:
        """Old name of :attr:`notes`."""
        return self.notes

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.value * factor, self.low * factor, self.high * factor, self.n, self.notes)


def _weights(cohort: pd.DataFrame | None, ids: np.ndarray) -> np.ndarray:
    if cohort is None or "weight" not in cohort.columns:
        return np.ones(len(ids))
    w = cohort.set_index("person_id")["weight"].reindex(ids).to_numpy(dtype=float)
    return np.where(np.isfinite(w), w, 0.0)


def proportion(flags: np.ndarray, weights: np.ndarray | None = None, scale: float = 100.0) -> Estimate:
    """Weighted share of ``flags`` with a Wilson interval on Kish's effective sample size.

    >>> e = proportion(np.array([1, 0, 0, 0] * 25, dtype=bool))
    >>> round(e.value, 1), bool(e.low < 25 < e.high)
    (25.0, True)
    """
    flags = np.asarray(flags, dtype=float)
    w = np.ones_like(flags) if weights is None else np.asarray(weights, dtype=float)
    sw = w.sum()
    if len(flags) == 0 or sw <= 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0.0)
    p = float((w * flags).sum() / sw)
    n_eff = float(sw**2 / (w**2).sum())
    denom = 1 + Z**2 / n_eff
    centre = (p + Z**2 / (2 * n_eff)) / denom
    half = Z * np.sqrt(p * (1 - p) / n_eff + Z**2 / (4 * n_eff**2)) / denom
    # the Wilson interval always holds p; clamping to it removes round-off at p = 0 or 1
    low, high = min(max(centre - half, 0.0), p), max(min(centre + half, 1.0), p)
    return Estimate(p * scale, low * scale, high * scale, n_eff)


def ceap_number(labels: pd.Series) -> pd.Series:
    """``"C4"`` / ``"C4a"`` -> 4 (NaN when unparseable); :func:`cvirisk.outcomes.log.ceap_class`."""
    return ceap_class(labels)


def follow_up_end(events: pd.DataFrame, ids: np.ndarray, years: float) -> pd.Series:
    """Time (years since baseline) at which each person leaves observation: death, exit or ``years``."""
    fu = events[(events["t"] >= 0) & events["event"].isin(["death", "exit"])]
    end = fu.groupby("person_id")["t"].min().reindex(ids)
    return end.fillna(float(years)).clip(upper=float(years))


def status_at(events: pd.DataFrame, person_ids: Sequence[int] | np.ndarray, t0: float = 0.0) -> pd.DataFrame:
    """The state of each person at time ``t0`` from the events at or before ``t0``.

    Returns a frame indexed by ``person_id`` with columns ``ceap`` (0-6, last class),
    ``max_below_c3`` (highest class < 3 ever reached: 0, 1 or 2), ``varicose`` (a C2 sign was
    recorded: a ``ceap C2`` event or a ``finding varicose*``), ``edema`` (edema present: an edema
    finding not followed by its resolution), ``superficial`` and ``deep`` reflux (``valve_failure``
    superficial / deep or post_thrombotic; congenital absence counts for both),
    ``post_thrombotic``, ``dvt`` (a DVT occurred), ``dead``.
    """
    ids = np.asarray(person_ids)
    ev = events[events["t"] <= t0]
    if "leg" not in ev.columns:
        ev = ev.assign(leg="")
    out = pd.DataFrame(index=pd.Index(ids, name="person_id"))
    ce = person_rows(ev)
    ce = ce[ce["event"] == "ceap"]
    ce = ce.assign(num=ceap_class(ce).to_numpy())
    last = ce.groupby("person_id", sort=False)["num"].last()
    out["ceap"] = last.reindex(ids).fillna(0).astype(int).to_numpy()
    below = ce[ce["num"] < 3].groupby("person_id")["num"].max()
    out["max_below_c3"] = below.reindex(ids).fillna(0).astype(int).to_numpy()
    fd = findings(ev)
    name = fd["name"].str.lower()
    var_ids = set(ce.loc[ce["num"] == 2, "person_id"]) | set(fd.loc[name.str.startswith("varic"), "person_id"])
    out["varicose"] = out.index.isin(list(var_ids))
    # edema present: the last edema-related finding is an onset (not "edema_resolved"/"no_edema")
    ed = fd[name.str.contains("edema") & ~name.str.contains("lymph")]
    if len(ed):
        onset = ~(ed["resolved"] | ed["name"].str.lower().str.startswith("no_"))
        # per leg: the leg's last edema finding; the person has edema when either leg does
        last_on = onset.groupby([ed["person_id"].to_numpy(), ed["leg"].astype(str).to_numpy()]).last()
        last_on = last_on.groupby(level=0).max()
        out["edema"] = last_on.astype(float).reindex(ids).fillna(0.0).to_numpy() > 0.5
    else:
        out["edema"] = False
    vf = valve_systems(ev)
    # superficial reflux is present unless superficial surgery came after the last failure
    sup_last = superficial_reflux(ev).groupby(level=0).max()
    out["superficial"] = sup_last.astype(float).reindex(ids).fillna(0.0).to_numpy() > 0.5
    out["deep"] = out.index.isin(list(set(vf.loc[vf["deep"], "person_id"])))
    out["post_thrombotic"] = out.index.isin(list(set(vf.loc[vf["post_thrombotic"], "person_id"])))
    out["dvt"] = out.index.isin(list(set(ev.loc[ev["event"] == "dvt", "person_id"])))
    out["dead"] = out.index.isin(list(set(ev.loc[ev["event"] == "death", "person_id"])))
    return out


def bonn_class(status: pd.DataFrame, edema_rule: str = "present") -> pd.Series:
    """Worst-leg class by the Bonn Vein Study definitions.

    Bonn counted C3 only when pitting edema was present at the examination. With
    ``edema_rule="present"`` a person whose model class is C3 but whose edema is not present at
    the examination is classed by the highest lower class reached (C2 with varicose veins,
    else C1 or C0). ``edema_rule="model"`` keeps the model's class.
    """
    cls = status["ceap"].copy()
    if edema_rule == "present":
        lower = np.maximum(status["max_below_c3"], np.where(status["varicose"], 2, 0))
        demote = (cls == 3) & ~status["edema"]
        cls[demote] = lower[demote]
    return cls


def new_onset_among_survivors(
    events: pd.DataFrame,
    cohort: pd.DataFrame,
    *,
    years: float,
    eligible: np.ndarray,
    onset: str = "varicose",
) -> Estimate:
    """Share of eligible persons, alive and observed at ``years``, with a new onset in ``(0, years]``.

    This is the design of a cohort re-examined after ``years`` (Edinburgh): persons who die or
    leave before the re-examination are not seen. ``onset="varicose"`` counts a C2 sign
    (``ceap C2`` or a ``finding varicose*``); a jump from below C2 to C3+ without one does not count.
    """
    ids = cohort["person_id"].to_numpy()[np.asarray(eligible, dtype=bool)]
    end = follow_up_end(events, ids, years)
    seen = end.to_numpy() >= years
    ev = events[(events["t"] > 0) & (events["t"] <= years) & events["person_id"].isin(ids)]
    if onset == "varicose":
        ce = person_rows(ev)
        ce = ce[ce["event"] == "ceap"]
        fd = findings(ev)
        hit = set(ce.loc[(ceap_class(ce) == 2).to_numpy(), "person_id"]) | set(
            fd.loc[fd["name"].str.lower().str.startswith("varic"), "person_id"]
        )
    else:
        hit = set(ev.loc[ev["event"] == onset, "person_id"])
    ids_seen = ids[seen]
    flags = np.isin(ids_seen, list(hit))
    return proportion(flags, _weights(cohort, ids_seen))


def first_event_rates_by_age(
    events: pd.DataFrame,
    cohort: pd.DataFrame,
    *,
    years: float,
    bands: Sequence[tuple[float, float]],
    event_kinds: Sequence[str] = ("dvt", "pe"),
    exclude_prior: bool = True,
    per: float = 100_000.0,
) -> list[Estimate]:
    """First-event incidence per ``per`` person-years by attained age band during follow-up.

    Person-time runs from baseline (t=0) to the first event of ``event_kinds``, death, exit or
    ``years``. With ``exclude_prior`` persons with an event before baseline (or ``prior_dvt``
    in the cohort) are excluded, as in a study of *first* events. Intervals are exact Poisson
    (Garwood) on the weighted count scaled to the effective number of events.
    """
    co = cohort
    ids = co["person_id"].to_numpy()
    keep = np.ones(len(ids), dtype=bool)
    kinds = list(event_kinds)
    if exclude_prior:
        prior = set(events.loc[(events["t"] < 0) & events["event"].isin(kinds), "person_id"])
        keep &= ~np.isin(ids, list(prior))
        if "prior_dvt" in co.columns:
            keep &= ~co["prior_dvt"].fillna(False).astype(bool).to_numpy()
    ids = ids[keep]
    age0 = co["age"].to_numpy(dtype=float)[keep]
    w = _weights(co, ids)
    end = follow_up_end(events, ids, years).to_numpy()
    fe = events[(events["t"] >= 0) & events["event"].isin(kinds)].groupby("person_id")["t"].min()
    t_ev = fe.reindex(ids).to_numpy()
    has = np.isfinite(t_ev) & (t_ev <= end)
    stop = np.where(has, t_ev, end)
    a_stop = age0 + stop
    out = []
    for lo, hi in bands:
        pt = np.clip(np.minimum(a_stop, hi) - np.maximum(age0, lo), 0, None)
        in_band = has & (a_stop >= lo) & (a_stop < hi)
        wpt = float((w * pt).sum())
        d_w = float(w[in_band].sum())
        d = int(in_band.sum())
        if wpt <= 0:
            out.append(Estimate(float("nan"), float("nan"), float("nan"), 0.0))
            continue
        rate = d_w / wpt * per
        lo_c = stats.chi2.ppf(0.025, 2 * d) / 2 if d > 0 else 0.0
        hi_c = stats.chi2.ppf(0.975, 2 * d + 2) / 2
        # exact Poisson limits of the unweighted count, carried to the weighted rate
        f = rate / d if d > 0 else per / float(pt.sum())
        low, high = lo_c * f, hi_c * f
        out.append(Estimate(rate, low, high, d, {"events": d, "person_years": round(float(pt.sum()), 1)}))
    return out


def cumulative_incidence_after_index(
    index_t: np.ndarray,
    event_t: np.ndarray,
    end_t: np.ndarray,
    horizons: Sequence[float],
    scale: float = 100.0,
    weights: np.ndarray | None = None,
) -> list[Estimate]:
    """Kaplan-Meier cumulative incidence ``1 - S(h)`` of an event after an index time, with Greenwood intervals.

    ``event_t`` is NaN when the event does not occur; ``end_t`` is the end of observation.
    With ``weights`` the risk sets and events are weighted (an oversampled cohort) and the
    Greenwood variance uses counts scaled to Kish's effective sample size. Intervals are on
    the complementary log-log scale.
    """
    index_t = np.asarray(index_t, dtype=float)
    n = len(index_t)
    if n == 0:
        return [Estimate(float("nan"), float("nan"), float("nan"), 0.0) for _ in horizons]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    dur_e = np.asarray(event_t, dtype=float) - index_t
    dur_c = np.asarray(end_t, dtype=float) - index_t
    happened = np.isfinite(dur_e) & (dur_e <= dur_c)
    dur = np.clip(np.where(happened, dur_e, dur_c), 0, None)
    order = np.argsort(dur, kind="stable")
    dur, happened, w = dur[order], happened[order], w[order]
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    k = n_eff / float(w.sum())  # weighted counts -> effective counts
    times, inv = np.unique(dur[happened], return_inverse=True)
    d = np.bincount(inv, weights=w[happened], minlength=len(times))
    w_after = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]])
    at_risk = w_after[np.searchsorted(dur, times, side="left")]
    s = np.cumprod(1 - d / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum((k * d) / ((k * at_risk) * (k * at_risk - k * d)))
    out = []
    for h in horizons:
        j = np.searchsorted(times, h, side="right") - 1
        if j < 0:
            out.append(Estimate(0.0, 0.0, 0.0, n_eff))
            continue
        sv, v = s[j], gw[j]
        if sv <= 0 or sv >= 1 or not np.isfinite(v):
            out.append(Estimate((1 - sv) * scale, (1 - sv) * scale, (1 - sv) * scale, n_eff))
            continue
        se = np.sqrt(v) / abs(np.log(sv))
        lo_s = sv ** np.exp(Z * se)
        hi_s = sv ** np.exp(-Z * se)
        out.append(Estimate((1 - sv) * scale, (1 - hi_s) * scale, (1 - lo_s) * scale, n_eff))
    return out


def episode_rates(
    events: pd.DataFrame,
    *,
    years: float,
    from_class: int,
    to_class: int,
) -> pd.DataFrame:
    """Person-time in a CEAP class and transitions out of it, split by compression and surgery.

    Follows every person through the ``ceap``, ``compression`` (``start``/``stop``) and
    ``surgery`` (``done``) events; returns one row per (compression, surgery) combination with
    ``person_years`` spent in ``from_class`` and ``events`` = moves to ``to_class``.
    """
    kinds = ["ceap", "compression", "surgery", "death", "exit"]
    # the person's classes and care; operations on either leg count for the person
    keep = events["event"].isin(kinds) & (person_mask(events) | (events["event"] == "surgery"))
    kept = events[keep]
    ev = kept[["person_id", "t", "event"]].assign(
        _cls=ceap_class(kept).to_numpy(),
        _on=is_event(kept, "compression", "start*"),
        _off=is_event(kept, "compression", "stop*"),
        _done=is_event(kept, "surgery", "done*"),
    )
    ev = ev.reset_index(drop=True)
    ev["_o"] = np.arange(len(ev))
    ev = ev.sort_values(["person_id", "t", "_o"], kind="stable")
    cls = ev["_cls"]
    comp = pd.Series(np.nan, index=ev.index)
    comp[ev["_on"]] = 1.0
    comp[ev["_off"]] = 0.0
    surg = pd.Series(np.nan, index=ev.index)
    surg[ev["_done"]] = 1.0
    g = ev["person_id"]
    ev["cls"] = cls.groupby(g).ffill().fillna(0)
    ev["comp"] = comp.groupby(g).ffill().fillna(0)
    ev["surg"] = surg.groupby(g).ffill().fillna(0)
    ev["dead"] = ev["event"].isin(["death", "exit"]) & (ev["t"] >= 0)
    nxt_t = ev.groupby(g)["t"].shift(-1)
    nxt_cls = cls.groupby(g).shift(-1)
    last_t = np.minimum(float(years), ev.groupby(g)["t"].transform("max").where(ev.groupby(g)["dead"].transform("any"), float(years)))
    ev["end"] = nxt_t.fillna(last_t)
    ev["end"] = np.minimum(ev["end"], last_t)
    ev["moved"] = nxt_cls == to_class
    seg = ev[(ev["cls"] == from_class) & ~ev["dead"]].copy()
    seg["pt"] = np.clip(seg["end"] - seg["t"], 0, None)
    seg["moved"] = seg["moved"] & (nxt_t.reindex(seg.index) <= last_t.reindex(seg.index))
    res = seg.groupby(["comp", "surg"]).agg(person_years=("pt", "sum"), events=("moved", "sum")).reset_index()
    return res
