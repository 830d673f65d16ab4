"""Observed against target: the distance, the "within" rule, and the evaluation of parameters.

Distance of one target: ``((simulated - target) / scale) ** 2`` with ``scale`` the target
interval's half-width / 1.96 where the source gives an interval, else 10% of the value
(:func:`cvirisk.calibration.targets.target_scale`). The total is the sum over the targets
that are *fitted*.

*Within*: inside the source's interval where it gives one, else within 20% of the value.

Examples
--------
>>> target_distance(18.2, 18.2, 15.2, 21.6)
0.0
>>> within(23.0, 20.0, None, None)
(True, 'within 20% of value')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from cvirisk.calibration.designs import DESIGNS, PLANS, Simulated, run_plan
from cvirisk.calibration.estimators import Estimate
from cvirisk.calibration.targets import target_scale

__all__ = ["target_distance", "within", "total_distance", "evaluate", "needed_plans", "RELATIVE_TOLERANCE"]

RELATIVE_TOLERANCE = 0.20


def _finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x)) and np.isfinite(float(x))


def target_distance(simulated: float, value: float, low: float | None = None, high: float | None = None) -> float:
    """``((simulated - value) / scale) ** 2`` (NaN when the simulation gave no value)."""
    if not _finite(simulated):
        return float("nan")
    lo = low if _finite(low) else None
    hi = high if _finite(high) else None
    return float(((float(simulated) - float(value)) / target_scale(value, lo, hi)) ** 2)


def within(simulated: float, value: float, low: float | None, high: float | None) -> tuple[bool, str]:
    """Whether a simulated value meets its target, and the rule used."""
    if not _finite(simulated):
        return False, "no simulated value"
    if _finite(low) and _finite(high):
        return bool(low <= simulated <= high), "within source interval"
    return bool(abs(simulated - value) <= RELATIVE_TOLERANCE * abs(value)), "within 20% of value"


def total_distance(table: pd.DataFrame, fitted: Iterable[str] | None = None) -> float:
    """Sum of ``distance`` over ``fitted`` target ids (all rows when None), ignoring missing values."""
    d = table["distance"] if fitted is None else table.loc[table.index.intersection(list(fitted)), "distance"]
    return float(np.nansum(d.to_numpy(float)))


def needed_plans(target_ids: Iterable[str]) -> list[str]:
    """The simulation plans needed to produce these targets."""
    ids = set(target_ids)
    plans = []
    for d in DESIGNS.values():
        if ids & set(d.targets) and d.plan not in plans:
            plans.append(d.plan)
    return plans


def evaluate(
    params,
    targets: pd.DataFrame,
    *,
    seed: int,
    n: int,
    engine: str = "fast",
    runner: Callable[..., Simulated] = run_plan,
    plans: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Simulate every needed study design once and hold each target against its simulated value.

    Returns a frame indexed by ``target_id`` with the target columns plus ``simulated``,
    ``sim_low``, ``sim_high``, ``distance``, ``within``, ``rule``; targets whose design was not
    run (``plans`` excludes it) have NaN.
    """
    wanted = needed_plans(targets.index)
    if plans is not None:
        wanted = [p for p in wanted if p in set(plans)]
    estimates: dict[str, Estimate] = {}
    for key in wanted:
        if progress is not None:
            progress(key)
        sim = runner(PLANS[key], params, seed=seed, n=n, engine=engine)
        for d in DESIGNS.values():
            if d.plan == key:
                estimates.update(d.summarize(sim))
    rows = []
    for tid, t in targets.iterrows():
        e = estimates.get(tid)
        sim = e.value if e is not None else float("nan")
        lo, hi = t["low"], t["high"]
        ok, rule = within(sim, t["value"], lo, hi)
        rows.append(
            {
                "target_id": tid,
                "simulated": sim,
                "sim_low": e.low if e is not None else float("nan"),
                "sim_high": e.high if e is not None else float("nan"),
                "sim_n": e.n if e is not None else float("nan"),
                "sim_detail": "; ".join(f"{k} {v}" for k, v in e.notes.items()) if e is not None else "",
                "distance": target_distance(sim, t["value"], lo, hi),
                "within": ok,
                "rule": rule,
            }
        )
    res = pd.DataFrame(rows).set_index("target_id")
    return targets.join(res.drop(columns=[], errors="ignore"), how="left")
