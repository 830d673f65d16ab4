"""Study designs: simulate a cohort that matches each study, and compute its figure.

A :class:`SimulationPlan` says which cohort to draw (a :class:`~cvirisk.cohort.CohortSpec`),
how long to follow it and with which parameter changes; a :class:`StudyDesign` names the
targets it produces and the estimator that turns one simulation into them. Designs that share
a plan share one simulation, so an evaluation of every target costs three simulations:

========================  ==========================================  =====================
plan                      cohort                                      designs
========================  ==========================================  =====================
``general``               Germany 2000, ages 18-79 (the default),     Bonn (t=0),
                          13 years of follow-up                       Edinburgh (18-64)
``vte``                   ages 18-79, older bands oversampled         Naess, Prandoni
                          (weights undo it), 20 years
``ulcer`` (report only)   ages 60-79 with skin changes and ulcers     compression, ESCHAR
                          made common (x5, x10), 10 years             (input checks)
========================  ==========================================  =====================

No target depends on surgical capacity, so every plan runs with unlimited capacity
(``care.surgery_operations_per_year_per_100000 = inf``): a waiting list would tie each
study's result to the size of the simulated catchment.

Each estimator is a pure function of a :class:`Simulated` (cohort, event log, persons), so the
tests run them on hand-made event logs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.calibration.estimators import (
    Estimate,
    Z,
    bonn_class,
    cumulative_incidence_after_index,
    episode_rates,
    first_event_rates_by_age,
    follow_up_end,
    new_onset_among_survivors,
    proportion,
    status_at,
)
from cvirisk.outcomes.log import DEEP, is_event

__all__ = [
    "SimulationPlan",
    "Simulated",
    "StudyDesign",
    "PLANS",
    "DESIGNS",
    "UNLIMITED_SURGERY",
    "design_for_target",
    "run_plan",
    "summarize_bonn",
    "summarize_edinburgh",
    "summarize_naess",
    "summarize_prandoni",
    "summarize_ulcer_inputs",
]

UNLIMITED_SURGERY = {"care.surgery_operations_per_year_per_100000": float("inf")}


@dataclass(frozen=True)
class SimulationPlan:
    """A cohort, a follow-up and parameter changes; ``size`` multiplies the requested ``n``."""

    key: str
    cohort: Mapping[str, Any]
    years: float
    size: float = 1.0
    scale: Mapping[str, float] = field(default_factory=dict)  # dotted key -> factor on its value
    description: str = ""


@dataclass
class Simulated:
    """One simulated study population."""

    cohort: pd.DataFrame
    events: pd.DataFrame
    persons: pd.DataFrame | None
    years: float


@dataclass(frozen=True)
class StudyDesign:
    """Targets produced from one plan's simulation by ``summarize``."""

    name: str
    plan: str
    targets: tuple[str, ...]
    summarize: Callable[[Simulated], dict[str, Estimate]]
    description: str


# --------------------------------------------------------------------------- estimators


def summarize_bonn(sim: Simulated) -> dict[str, Estimate]:
    """Bonn Vein Study: cross-sectional worst-leg CEAP class and duplex reflux at baseline (t=0).

    C3 counts pitting edema present at the examination (Bonn's definition; in the model edema
    comes and goes, and a leg is C3 while it is present). ``bonn1_vv_any`` counts persons with
    varicose veins in either leg at the examination, whatever their class.
    """
    co = sim.cohort
    ids = co["person_id"].to_numpy()
    w = co["weight"].to_numpy(float) if "weight" in co.columns else np.ones(len(co))
    st = status_at(sim.events, ids, 0.0)
    cls = bonn_class(st).to_numpy()
    female = (co["sex"].astype(str) == "female").to_numpy()
    out: dict[str, Estimate] = {}
    for c in range(7):
        out[f"bonn1_c{c}_all"] = proportion(cls == c, w)
    for c in (0, 2, 3, 4):
        out[f"bonn1_c{c}_men"] = proportion(cls[~female] == c, w[~female])
        out[f"bonn1_c{c}_women"] = proportion(cls[female] == c, w[female])
    out["bonn1_vv_any"] = proportion(st["varicose"].to_numpy(), w)
    out["bonn1_reflux_superficial"] = proportion(st["superficial"].to_numpy(), w)
    out["bonn1_reflux_deep"] = proportion(st["deep"].to_numpy(), w)
    return out


def summarize_ulcer_onset_age(sim: Simulated) -> dict[str, Estimate]:
    """Age at the first venous ulcer among persons who have had one, at the cross-section (t=0).

    As the population surveys asked their ulcer patients (Nelzen 1994, Callam 1987): the share
    whose first ulcer (the first ``finding ulcer`` in either leg) came before 65 and before 40.
    """
    ev = sim.events
    first = ev[is_event(ev, "finding", "ulcer") & (ev["t"] <= 0).to_numpy()].groupby("person_id")["age"].min()
    co = sim.cohort.set_index("person_id")
    w = co["weight"].reindex(first.index).to_numpy(float) if "weight" in co.columns else None
    age = first.to_numpy(float)
    return {"nelzen_first_ulcer_before_65": proportion(age < 65.0, w),
            "callam_first_ulcer_before_40": proportion(age < 40.0, w)}


EDINBURGH_YEARS = 13.0


def summarize_edinburgh(sim: Simulated) -> dict[str, Estimate]:
    """Edinburgh Vein Study: persons aged 18-64 free of varicose veins at baseline, re-examined 13 years later.

    Free of varicose veins = no C2 sign recorded by baseline. New varicose veins are seen as a
    ``ceap C2`` event in ``(0, 13]``, which only persons at C0/C1 can have; so the incidence is
    taken among C0/C1 persons, each standing for the persons of their sex and age stratum who
    are free of varicose veins (including C3+ without a C2 sign). Only persons alive and observed
    at 13 years count (the re-examined); strata have equal size (:func:`edinburgh_sample`).
    """
    years = min(EDINBURGH_YEARS, sim.years)
    co = edinburgh_sample(sim.cohort)
    ids = co["person_id"].to_numpy()
    age = co["age"].to_numpy(float)
    sex = co["sex"].astype(str).to_numpy()
    st = status_at(sim.events, ids, 0.0)
    no_vv = ~st["varicose"].to_numpy()
    free = (st["ceap"].to_numpy() <= 1) & no_vv
    # EVS counted everyone free of varicose veins, whatever their CVI class. Persons at C3+ with
    # no recorded C2 sign are free of them too, but the log cannot show their new varicose veins:
    # within each sex x age stratum the C0/C1 persons stand for them (weight x no-VV / C0-C1).
    w = co["weight"].to_numpy(float).copy()
    for lo, hi in EDINBURGH_STRATA:
        for s in ("female", "male"):
            m = (age >= lo) & (age < hi) & (sex == s)
            denom = w[m & free].sum()
            if denom > 0:
                w[m & free] *= w[m & no_vv].sum() / denom
    co = co.assign(weight=w)
    out = {}
    for tid, lo, hi in (
        ("evs_vv_incidence_13y", 18, 65),
        ("evs_vv_incidence_13y_18_34", 18, 35),
        ("evs_vv_incidence_13y_55_64", 55, 65),
    ):
        elig = free & (age >= lo) & (age < hi)
        out[tid] = new_onset_among_survivors(sim.events, co, years=years, eligible=elig)
    strata = {}
    for lo, hi in EDINBURGH_STRATA:
        e = new_onset_among_survivors(sim.events, co, years=years, eligible=free & (age >= lo) & (age < hi))
        strata[f"{lo}-{hi - 1}"] = round(e.value, 1)
    o = out["evs_vv_incidence_13y"]
    out["evs_vv_incidence_13y"] = Estimate(o.value, o.low, o.high, o.n, {"percent by age stratum": strata})
    return out


EDINBURGH_STRATA = ((18, 25), (25, 35), (35, 45), (45, 55), (55, 65))


def edinburgh_sample(cohort: pd.DataFrame) -> pd.DataFrame:
    """Persons aged 18-64, reweighted to equal numbers in each sex x 10-year age stratum.

    The Edinburgh Vein Study sampled men and women aged 18-64 from the age-sex registers of
    12 general practices, by sex and age group (18-24, 25-34, 35-44, 45-54, 55-64; Evans 1999),
    and its 13-year follow-up reached older participants more often; the crude 18.2 percent is
    therefore taken over strata of equal size, not over the population's age structure.
    """
    co = cohort
    age = co["age"].to_numpy(float)
    w = co["weight"].to_numpy(float) if "weight" in co.columns else np.ones(len(co))
    sex = co["sex"].astype(str).to_numpy()
    new_w = np.zeros(len(co))
    for lo, hi in EDINBURGH_STRATA:
        for s in ("female", "male"):
            m = (age >= lo) & (age < hi) & (sex == s)
            tot = w[m].sum()
            if tot > 0:
                new_w[m] = w[m] / tot * m.sum()
    keep = (age >= 18) & (age < 65)
    out = co.loc[keep].copy()
    out["weight"] = new_w[keep]
    return out


NAESS_BANDS = (("vte_incidence_20_64", 20, 65), ("vte_incidence_65_74", 65, 75),
               ("vte_incidence_75_84", 75, 85), ("vte_incidence_85_up", 85, 200))  # fmt: skip


def summarize_naess(sim: Simulated) -> dict[str, Estimate]:
    """Naess 2007: first VTE per 100,000 person-years by attained age in the general population.

    Person-time and first DVT events (every model VTE starts with a ``dvt``; a third add a
    ``pe``) in follow-up, excluding persons with a DVT before baseline.
    """
    bands = [(lo, hi) for _, lo, hi in NAESS_BANDS]
    est = first_event_rates_by_age(sim.events, sim.cohort, years=sim.years, bands=bands)
    return {tid: e for (tid, _, _), e in zip(NAESS_BANDS, est, strict=True)}


def summarize_prandoni(sim: Simulated) -> dict[str, Estimate]:
    """Prandoni 1996: cumulative post-thrombotic damage 2, 5 and 8 years after a first DVT.

    Index = a person's first DVT in follow-up (none before baseline); event =
    ``valve_failure post_thrombotic``; censored at death, exit or the end of follow-up
    (Kaplan-Meier).
    """
    ev = sim.events
    co = sim.cohort
    prior = set(ev.loc[(ev["t"] < 0) & (ev["event"] == "dvt"), "person_id"])
    if "prior_dvt" in co.columns:
        prior |= set(co.loc[co["prior_dvt"].astype(bool), "person_id"])
    d = ev[(ev["t"] >= 0) & (ev["event"] == "dvt") & ~ev["person_id"].isin(list(prior))]
    first = d.groupby("person_id")["t"].min()
    ids = first.index.to_numpy()
    pts = ev[is_event(ev, "valve_failure", "deep_post_thrombotic") & (ev["t"] >= 0).to_numpy()]
    pts_t = pts.groupby("person_id")["t"].min().reindex(ids).to_numpy()
    end = follow_up_end(ev, ids, sim.years).to_numpy()
    w = co.set_index("person_id")["weight"].reindex(ids).to_numpy(float) if "weight" in co.columns else None
    est = cumulative_incidence_after_index(first.to_numpy(), pts_t, end, (2.0, 5.0, 8.0), weights=w)
    # post-thrombotic damage can only strike competent deep valves: how many were already incompetent?
    deep = ev[is_event(ev, "valve_failure", DEEP)]
    deep_t = deep.groupby("person_id")["t"].min().reindex(ids).to_numpy()
    ww = np.ones(len(ids)) if w is None else w
    already = float(np.average(deep_t <= first.to_numpy(), weights=ww)) if len(ids) else float("nan")
    detail = {"first_dvts": int(len(ids)), "deep_reflux_before_dvt_percent": round(100 * already, 1)}
    est = [Estimate(e.value, e.low, e.high, e.n, detail) for e in est]
    return dict(zip(("pts_after_dvt_2y", "pts_after_dvt_5y", "pts_after_dvt_8y"), est, strict=True))


def _rate(pt: float, d: float) -> tuple[float, float]:
    """A Poisson rate and the standard error of its log."""
    if pt <= 0:
        return float("nan"), float("nan")
    return d / pt, (1.0 / np.sqrt(d) if d > 0 else float("inf"))


def _transformed(h: float, se_log: float, fn: Callable[[float], float], n: float, detail: dict) -> Estimate:
    lo = fn(h * np.exp(-Z * se_log)) if np.isfinite(se_log) else fn(0.0)
    hi = fn(h * np.exp(Z * se_log)) if np.isfinite(se_log) else float("nan")
    return Estimate(fn(h), min(lo, hi), max(lo, hi), n, detail)


def _recurrence_after_healing(sim: Simulated) -> dict[str, Estimate]:
    """Recurrence after each healing in follow-up, as the trials measured it.

    Every leg's healing (``finding ulcer_healed``) starts a follow-up that ends at the leg's
    next recurrence (``finding ulcer_recurred``) or the person's exit; legs are grouped by
    compression worn at healing and by earlier surgery on that leg (intention to treat), and
    Kaplan-Meier gives the risk at 6 and 12 months.
    """
    ev = sim.events
    if "leg" not in ev.columns:  # a log without legs has no per-leg healings
        return {}
    legs = ev[ev["leg"].astype(str) != ""]
    healed = legs[is_event(legs, "finding", "ulcer_healed") & (legs["t"] >= 0).to_numpy()]
    if healed.empty:
        return {}
    recur = legs[is_event(legs, "finding", "ulcer_recurred")]
    ops = legs[is_event(legs, "surgery", "done")]
    comp = ev[is_event(ev, "compression")]
    comp = comp.assign(wearing=is_event(comp, "compression", "start"))
    ids = healed["person_id"].to_numpy()
    th = healed["t"].to_numpy(float)
    leg = healed["leg"].astype(str).to_numpy()
    nxt = np.full(len(healed), np.nan)
    key = recur.groupby(["person_id", "leg"], observed=True)["t"].apply(np.sort).to_dict()
    for i, (p, lg, t) in enumerate(zip(ids, leg, th, strict=True)):
        later = key.get((p, lg))
        if later is not None:
            j = np.searchsorted(later, t, side="right")
            if j < len(later):
                nxt[i] = later[j]
    end = follow_up_end(ev, ids, sim.years).to_numpy()
    wearing = np.zeros(len(healed), bool)
    for i, (p, t) in enumerate(zip(ids, th, strict=True)):
        c = comp[(comp["person_id"] == p) & (comp["t"] <= t)]
        wearing[i] = len(c) > 0 and bool(c["wearing"].iloc[-1])
    operated = np.array([((ops["person_id"] == p) & (ops["leg"].astype(str) == lg) & (ops["t"] <= t)).any()
                         for p, lg, t in zip(ids, leg, th, strict=True)])
    out: dict[str, Estimate] = {}

    def km(mask: np.ndarray, horizons: tuple[float, ...]) -> list[Estimate]:
        return cumulative_incidence_after_index(th[mask], nxt[mask], end[mask], horizons)

    c_only = wearing & ~operated
    none = ~wearing & ~operated
    both = wearing & operated
    if c_only.sum() >= 5:
        e6, e12 = km(c_only, (0.5, 1.0))
        out["eschar_recurrence_12m_compression"] = Estimate(e12.value, e12.low, e12.high, float(c_only.sum()),
                                                            {"healings": int(c_only.sum())})
        if none.sum() >= 5:
            (n6,) = km(none, (0.5,))
            if n6.value > 0 and e6.value > 0:
                rr = e6.value / n6.value
                se = np.hypot(*(np.log(max(e.high, 1e-9) / max(e.low, 1e-9)) / (2 * Z) for e in (e6, n6)))
                out["compression_recurrence_rr"] = Estimate(rr, rr * np.exp(-Z * se), rr * np.exp(Z * se),
                                                            float(c_only.sum() + none.sum()))
    if both.sum() >= 5:
        (s12,) = km(both, (1.0,))
        out["eschar_recurrence_12m_surgery"] = Estimate(s12.value, s12.low, s12.high, float(both.sum()),
                                                        {"healings": int(both.sum())})
    return out


def summarize_ulcer_inputs(sim: Simulated) -> dict[str, Estimate]:
    """Check that the simulation reproduces the effect estimates taken as inputs.

    The healing hazard ratio with and without compression (Cochrane CD013397) from person-time
    with an open ulcer; recurrence as the trials measured it (see
    :func:`_recurrence_after_healing`): the 6-month risk ratio with and without compression
    (CD002303) and the 12-month recurrence with compression alone and with compression and
    superficial surgery (ESCHAR).
    """
    out: dict[str, Estimate] = {}
    heal = episode_rates(sim.events, years=sim.years, from_class=6, to_class=5)
    g = heal.groupby("comp")[["person_years", "events"]].sum()
    if {0.0, 1.0} <= set(g.index):
        (pt1, d1), (pt0, d0) = g.loc[1.0], g.loc[0.0]
        if d1 > 0 and d0 > 0:
            hr = (d1 / pt1) / (d0 / pt0)
            se = np.sqrt(1 / d1 + 1 / d0)
            out["compression_healing_hr"] = Estimate(
                hr, hr * np.exp(-Z * se), hr * np.exp(Z * se), d1 + d0,
                {"healed_with": int(d1), "healed_without": int(d0)},
            )  # fmt: skip
    out.update(_recurrence_after_healing(sim))
    return out


# --------------------------------------------------------------------------- registry

PLANS: dict[str, SimulationPlan] = {
    "general": SimulationPlan(
        "general", {}, 13.0, 1.0,
        description="default cohort (Germany 2000, ages 18-79), 13 years of follow-up",
    ),
    "vte": SimulationPlan(
        "vte", {"oversample_age": (1.0, 1.0, 1.0, 1.0, 2.0, 3.0)}, 20.0, 1.0,
        description="ages 18-79, 60-69 and 70-79 oversampled x2 and x3 (weighted back), 20 years",
    ),
    "ulcer": SimulationPlan(
        "ulcer", {"age_min": 60, "age_max": 80}, 10.0, 0.5,
        scale={
            "natural_history.transitions.pigmentation.rate_per_year": 5.0,
            "natural_history.transitions.ulcer_open.rate_per_year": 10.0,
        },
        description="ages 60-79, skin changes x5 and ulcer opening x10 (an ulcer population), 10 years",
    ),
}  # fmt: skip

_BONN = tuple(
    [f"bonn1_c{c}_all" for c in range(7)]
    + [f"bonn1_c{c}_{s}" for c in (0, 2, 3, 4) for s in ("men", "women")]
    + ["bonn1_vv_any", "bonn1_reflux_superficial", "bonn1_reflux_deep"]
)

DESIGNS: dict[str, StudyDesign] = {
    "bonn": StudyDesign("bonn", "general", _BONN, summarize_bonn,
                        "cross-sectional at baseline, ages 18-79 (Germany 2000); worst-leg CEAP, C3 = edema present; reflux"),
    "edinburgh": StudyDesign("edinburgh", "general",
                             ("evs_vv_incidence_13y", "evs_vv_incidence_13y_18_34", "evs_vv_incidence_13y_55_64"),
                             summarize_edinburgh,
                             "aged 18-64 and free of varicose veins (C0/C1) at baseline; new C2 sign by 13 years among survivors"),
    "naess": StudyDesign("naess", "vte", tuple(t for t, _, _ in NAESS_BANDS), summarize_naess,
                         "first VTE per 100,000 person-years by attained age, persons without prior DVT"),
    "prandoni": StudyDesign("prandoni", "vte", ("pts_after_dvt_2y", "pts_after_dvt_5y", "pts_after_dvt_8y"),
                            summarize_prandoni,
                            "after a first DVT in follow-up: Kaplan-Meier post-thrombotic valve damage at 2, 5, 8 years"),
    "ulcer_onset": StudyDesign("ulcer_onset", "general", ("nelzen_first_ulcer_before_65", "callam_first_ulcer_before_40"),
                               summarize_ulcer_onset_age,
                               "persons with a venous ulcer (ever) at baseline, ages 18-79: share whose first ulcer came before 65 and before 40"),
    "ulcer_inputs": StudyDesign("ulcer_inputs", "ulcer",
                                ("compression_healing_hr", "compression_recurrence_rr",
                                 "eschar_recurrence_12m_compression", "eschar_recurrence_12m_surgery"),
                                summarize_ulcer_inputs,
                                "ulcer population; healing and recurrence rates by compression and surgery (input check)"),
}  # fmt: skip


def design_for_target(target_id: str) -> StudyDesign:
    """The design that produces a target (``KeyError`` when none does)."""
    for d in DESIGNS.values():
        if target_id in d.targets:
            return d
    raise KeyError(target_id)


def _plan_params(plan: SimulationPlan, params):
    from cvirisk.params import get_value, with_overrides

    over = dict(UNLIMITED_SURGERY)
    for key, factor in plan.scale.items():
        over[key] = float(get_value(params, key)) * factor
    return with_overrides(params, over, origin=f"calibration plan {plan.key}")


def run_plan(plan: SimulationPlan, params, *, seed: int, n: int, engine: str = "fast") -> Simulated:
    """Draw the plan's cohort and simulate it (common random numbers: same seed, same persons)."""
    from cvirisk.cohort import CohortSpec, generate_cohort
    from cvirisk.sim import simulate

    size = max(int(round(n * plan.size)), 1)
    spec = CohortSpec(**dict(plan.cohort))
    p = _plan_params(plan, params)
    cohort = generate_cohort(size, seed=seed, params=p, spec=spec)
    res = simulate(cohort, params=p, seed=seed, years=plan.years, engine=engine)
    return Simulated(cohort=cohort, events=res.events, persons=res.persons, years=plan.years)


def rate_ratio_interval(d1: float, pt1: float, d0: float, pt0: float) -> tuple[float, float, float]:
    """Rate ratio with a Wald interval on the log scale (helper for tests and notes)."""
    rr = (d1 / pt1) / (d0 / pt0)
    se = np.sqrt(1 / d1 + 1 / d0)
    q = stats.norm.ppf(0.975)
    return rr, rr * np.exp(-q * se), rr * np.exp(q * se)
