"""Cost-effectiveness of scenarios against the baseline: ICER, net monetary benefit, CE plane, CEAC.

The outcomes ``costs_per_person`` and ``qalys_per_person`` (discounted; :mod:`cvirisk.outcomes.economics`)
are compared like every other outcome, replication by replication with common random numbers. From them:

* **incremental costs and QALYs** (scenario - baseline) with paired t intervals over replications;
* **ICER** = mean incremental cost / mean incremental QALYs (a ratio of means, with its quadrant
  of the cost-effectiveness plane: a negative ICER means either dominance or being dominated, so
  the quadrant is what to read); it has no interval here, the NMB carries the uncertainty;
* **net monetary benefit** at a willingness to pay ``wtp`` per QALY, ``NMB = wtp * QALYs - costs``
  per person; its difference is computed within each replication (paired) and summarised like any
  outcome; the scenario is cost-effective at ``wtp`` when the incremental NMB is positive;
* from a PSA (:func:`cvirisk.scenarios.psa.run_psa`): the **cost-effectiveness plane** (incremental
  QALYs and costs of every parameter draw) and the **acceptability curve** (CEAC): over the draws,
  the share in which each option (the baseline or a scenario) has the highest NMB at each ``wtp``.

Examples
--------
>>> import pandas as pd
>>> reps = pd.DataFrame({"scenario": ["s"] * 4, "replication": [0, 0, 1, 1],
...     "outcome": ["costs_per_person", "qalys_per_person"] * 2,
...     "baseline": [100.0, 10.0, 110.0, 10.0], "scenario_value": [150.0, 10.01, 150.0, 10.01]})
>>> nmb = nmb_rows(reps, [20_000])
>>> nmb["outcome"].unique().tolist(), nmb["difference"].round(6).tolist()
(['net_monetary_benefit_at_20000'], [150.0, 160.0])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_WTP", "COSTS", "QALYS", "nmb_name", "nmb_rows", "icer_rows", "cost_effectiveness", "quadrant",
    "ce_plane", "ceac", "derived_dictionary",
]  # fmt: skip

#: Willingness to pay per QALY (currency of ``economics.currency``): NICE's range of 20,000 to
#: 30,000 GBP per QALY gained (NICE health technology evaluations manual, PMG36, 2022).
DEFAULT_WTP: tuple[float, ...] = (20_000.0, 30_000.0)

#: The outcomes the cost-effectiveness is computed from (discounted, per person).
COSTS, QALYS = "costs_per_person", "qalys_per_person"


def nmb_name(wtp: float) -> str:
    """Outcome name of the net monetary benefit at ``wtp`` (``net_monetary_benefit_at_20000``)."""
    return f"net_monetary_benefit_at_{float(wtp):g}"


def _paired(reps: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, replication): baseline and scenario costs and QALYs side by side."""
    keys = [k for k in ("draw", "scenario", "replication") if k in reps.columns]
    part = reps[reps["outcome"].isin([COSTS, QALYS])]
    wide = part.pivot_table(index=keys, columns="outcome", values=["baseline", "scenario_value"], sort=False,
                            dropna=False, aggfunc="first")  # fmt: skip
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    return wide.reset_index()


def nmb_rows(reps: pd.DataFrame, wtp: Sequence[float]) -> pd.DataFrame:
    """Per-replication rows of the net monetary benefit at each ``wtp`` (same columns as ``reps``'s
    ``scenario, replication, outcome, baseline, scenario_value, difference``)."""
    if not len(wtp):
        return reps.iloc[0:0]
    w = _paired(reps)
    keys = [k for k in ("draw", "scenario", "replication") if k in w.columns]
    frames = []
    for lam in wtp:
        b = float(lam) * w[f"baseline_{QALYS}"] - w[f"baseline_{COSTS}"]
        s = float(lam) * w[f"scenario_value_{QALYS}"] - w[f"scenario_value_{COSTS}"]
        frames.append(
            w[keys].assign(outcome=nmb_name(lam), baseline=b, scenario_value=s, difference=s - b)
        )
    return pd.concat(frames, ignore_index=True)


def quadrant(d_costs: float, d_qalys: float) -> str:
    """Where ``(incremental QALYs, incremental costs)`` lies on the cost-effectiveness plane.

    >>> quadrant(-10.0, 0.1), quadrant(10.0, -0.1), quadrant(10.0, 0.1), quadrant(-10.0, -0.1)
    ('dominant', 'dominated', 'more costly, more effective', 'less costly, less effective')
    """
    if not (math.isfinite(d_costs) and math.isfinite(d_qalys)):
        return "not available"
    if d_qalys >= 0 and d_costs <= 0:
        return "dominant" if (d_qalys > 0 or d_costs < 0) else "no difference"
    if d_qalys <= 0 and d_costs >= 0:
        return "dominated"
    return "more costly, more effective" if d_qalys > 0 else "less costly, less effective"


def icer_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows ``outcome = "icer"`` of a comparison table: ``difference`` = mean incremental cost /
    mean incremental QALYs (NaN when the QALYs do not differ), ``quadrant`` beside it."""
    rows = []
    for name, g in table.groupby("scenario", sort=False):
        d = g.set_index("outcome")["difference"]
        if COSTS not in d.index or QALYS not in d.index:
            continue
        dc, dq = float(d[COSTS]), float(d[QALYS])
        rows.append({"scenario": name, "outcome": "icer", "difference": dc / dq if dq != 0 else math.nan,
                     "quadrant": quadrant(dc, dq)})  # fmt: skip
    return pd.DataFrame(rows)


def cost_effectiveness(table: pd.DataFrame, wtp: Sequence[float] | None = None) -> pd.DataFrame:
    """A compact cost-effectiveness table from a comparison table (:attr:`Comparison.table`).

    One row per (scenario, wtp): ``delta_costs``, ``delta_costs_lower``, ``delta_costs_upper``,
    ``delta_qalys`` (and limits), ``icer``, ``quadrant``, ``nmb`` (incremental net monetary benefit
    per person), ``nmb_lower``, ``nmb_upper`` and ``decision``: ``cost-effective`` /
    ``not cost-effective`` when the NMB interval excludes 0, ``no difference`` when the arms
    never differ, else ``uncertain``.
    """
    if wtp is None:
        found = (
            table["outcome"].astype(str).str.extract(r"^net_monetary_benefit_at_(.+)$")[0].dropna()
        )
        wtp = sorted({float(x) for x in found})
    rows = []
    for name, g in table.groupby("scenario", sort=False):
        t = g.set_index("outcome")
        if COSTS not in t.index or QALYS not in t.index:
            continue
        dc, dq = t.loc[COSTS], t.loc[QALYS]
        for lam in wtp:
            nm = nmb_name(lam)
            nmb = t.loc[nm] if nm in t.index else None
            lo, hi = (
                (float(nmb["lower"]), float(nmb["upper"]))
                if nmb is not None
                else (math.nan, math.nan)
            )
            decision = (
                "cost-effective" if lo > 0 else "not cost-effective" if hi < 0 else "uncertain"
            )
            if lo == hi == 0.0:  # the arms do not differ in any replication
                decision = "no difference"
            rows.append({
                "scenario": name, "wtp": float(lam),
                "delta_costs": float(dc["difference"]), "delta_costs_lower": float(dc["lower"]),
                "delta_costs_upper": float(dc["upper"]), "delta_qalys": float(dq["difference"]),
                "delta_qalys_lower": float(dq["lower"]), "delta_qalys_upper": float(dq["upper"]),
                "icer": float(dc["difference"]) / float(dq["difference"]) if float(dq["difference"]) != 0 else math.nan,
                "quadrant": quadrant(float(dc["difference"]), float(dq["difference"])),
                "nmb": float(nmb["difference"]) if nmb is not None else math.nan, "nmb_lower": lo, "nmb_upper": hi,
                "decision": decision if nmb is not None else "not available",
            })  # fmt: skip
    return pd.DataFrame(rows)


def ce_plane(draws: pd.DataFrame) -> pd.DataFrame:
    """The cost-effectiveness plane from PSA draws (:attr:`PSAResult.draws`).

    One row per (draw, scenario): ``delta_qalys``, ``delta_costs`` (means over replications),
    and the baseline's and scenario's ``qalys_*`` and ``costs_*``. Draw 0 (base parameters) is kept.
    """
    w = _paired(draws.assign(replication=0) if "replication" not in draws else draws)
    out = pd.DataFrame({
        "draw": w["draw"].to_numpy(int), "scenario": w["scenario"].to_numpy(),
        "delta_qalys": (w[f"scenario_value_{QALYS}"] - w[f"baseline_{QALYS}"]).to_numpy(float),
        "delta_costs": (w[f"scenario_value_{COSTS}"] - w[f"baseline_{COSTS}"]).to_numpy(float),
        "qalys_baseline": w[f"baseline_{QALYS}"].to_numpy(float),
        "costs_baseline": w[f"baseline_{COSTS}"].to_numpy(float),
        "qalys_scenario": w[f"scenario_value_{QALYS}"].to_numpy(float),
        "costs_scenario": w[f"scenario_value_{COSTS}"].to_numpy(float),
    })  # fmt: skip
    return out.sort_values(["scenario", "draw"], kind="stable", ignore_index=True)


def ceac(plane: pd.DataFrame, wtp: Sequence[float]) -> pd.DataFrame:
    """Cost-effectiveness acceptability curves from :func:`ce_plane` (sampled draws only, draw > 0).

    For each ``wtp``, the share of draws in which each option has the highest net monetary benefit
    (``wtp * QALYs - costs``); options are ``baseline`` and every scenario, so the shares at one
    ``wtp`` sum to 1 (ties go to the first option in that order).

    >>> plane = pd.DataFrame({"draw": [1, 2, 3, 4], "scenario": ["s"] * 4, "delta_qalys": [0.01] * 4,
    ...     "delta_costs": [100.0, 300.0, 500.0, 700.0], "qalys_baseline": [10.0] * 4,
    ...     "costs_baseline": [0.0] * 4, "qalys_scenario": [10.01] * 4, "costs_scenario": [100.0, 300, 500, 700]})
    >>> ceac(plane, [20_000, 40_000]).query("option == 's'")["probability"].tolist()
    [0.25, 0.5]
    """
    sampled = plane[plane["draw"] > 0]
    if sampled.empty:
        return pd.DataFrame(columns=["option", "wtp", "probability"])
    names = list(dict.fromkeys(sampled["scenario"]))
    q = sampled.pivot(index="draw", columns="scenario", values="qalys_scenario")[names]
    c = sampled.pivot(index="draw", columns="scenario", values="costs_scenario")[names]
    qb = sampled.groupby("draw")["qalys_baseline"].first().reindex(q.index)
    cb = sampled.groupby("draw")["costs_baseline"].first().reindex(q.index)
    options = ["baseline", *names]
    rows = []
    for lam in wtp:
        nmb = np.column_stack([float(lam) * qb - cb, float(lam) * q.to_numpy() - c.to_numpy()])
        best = np.argmax(nmb, axis=1)
        for k, opt in enumerate(options):
            rows.append(
                {"option": opt, "wtp": float(lam), "probability": float(np.mean(best == k))}
            )
    return pd.DataFrame(rows)


def derived_dictionary(wtp: Sequence[float]) -> pd.DataFrame:
    """Dictionary rows (``outcome, label, unit, definition, group``) of the NMB and ICER rows."""
    from cvirisk.outcomes.economics import MONEY as money

    rows = [{"outcome": nmb_name(lam), "label": f"Net monetary benefit at {lam:,.0f} per QALY",
             "unit": f"{money} per person",
             "definition": f"{lam:g} x qalys_per_person - costs_per_person (discounted), per replication; "
                           "its difference is the incremental net monetary benefit (positive: the scenario "
                           "is cost-effective at this willingness to pay)",
             "group": "cost-effectiveness"} for lam in wtp]  # fmt: skip
    rows.append(
        {
            "outcome": "icer",
            "label": "Incremental cost-effectiveness ratio",
            "unit": f"{money} per QALY",
            "definition": "difference column only: mean incremental costs_per_person / mean incremental "
            "qalys_per_person (discounted); read it with its quadrant (dominant, dominated, ...); no "
            "interval: the net monetary benefit rows carry the uncertainty",
            "group": "cost-effectiveness",
        }
    )
    return pd.DataFrame(rows)
