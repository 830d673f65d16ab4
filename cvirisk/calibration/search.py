"""Search the free parameters (leaves marked ``calibrate:``) within their bounds.

Method: blockwise damped Gauss-Newton (Levenberg-Marquardt) on standardised residuals
``(simulated - target) / scale``, with common random numbers (the same seed and persons at
every evaluation, so differences between evaluations are not noise). Rates and hazard ratios
are searched in log space, slopes on their own scale, always clipped to their bounds. A weak
prior residual ``(x - x_start) / prior_sd`` (prior_sd = a quarter of the bound width) keeps a
parameter that no target identifies where it was, instead of letting it drift on noise.

Blocks (each cheap because the targets of a block come from one simulation):

1. ``general`` -- every free parameter of the CEAP course and reflux, against the Bonn and
   Edinburgh targets (one simulation of the general cohort per evaluation);
2. ``vte`` -- the DVT rate against the Naess rates (one simulation of the VTE cohort).

The Jacobian is taken once by forward differences (one evaluation per parameter) and then
updated by Broyden's rank-one formula after every step, so an iteration costs one evaluation.

Parameter intervals come from the Gauss-Newton covariance ``(J' J)^-1`` (residual units), i.e.
the target intervals carried back to the parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cvirisk.calibration.distance import evaluate, total_distance
from cvirisk.calibration.report import FIT_EXCLUDED
from cvirisk.calibration.targets import target_scale
from cvirisk.params import get_value, params_to_dict, with_overrides

__all__ = ["FreeParameter", "Block", "BLOCKS", "free_parameters", "fit_block", "calibrate", "CalibrationResult"]


@dataclass(frozen=True)
class FreeParameter:
    """A leaf marked ``calibrate:``; ``log`` when it is searched in log space."""

    key: str
    value: float
    low: float
    high: float
    log: bool

    def to_x(self, v: float) -> float:
        return float(np.log(v)) if self.log else float(v)

    def from_x(self, x: float) -> float:
        v = float(np.exp(x)) if self.log else float(x)
        return float(min(max(v, self.low), self.high))

    @property
    def prior_sd(self) -> float:
        return (self.to_x(self.high) - self.to_x(self.low)) / 4.0


def free_parameters(params) -> list[FreeParameter]:
    """Every leaf with ``calibrate`` bounds, in file order.

    Rates (``rate_per_year``) and hazard ratios are searched in log space; other leaves (age
    slopes, whose lower bound may be 0) on their own scale.
    """
    out: list[FreeParameter] = []

    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node and isinstance(node.get("calibrate"), dict):
                b = node["calibrate"]
                log = b["low"] > 0 and not path.endswith("log_slope_per_year")
                out.append(FreeParameter(path, float(node["value"]), float(b["low"]), float(b["high"]), log))
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)

    walk(params_to_dict(params), "")
    return out


@dataclass(frozen=True)
class Block:
    """Free parameters fitted together against targets produced by one plan."""

    name: str
    plan: str
    parameters: tuple[str, ...]  # dotted keys; a key missing from the parameter file is skipped
    targets: tuple[str, ...]


_T = "natural_history.transitions."
BLOCKS: tuple[Block, ...] = (
    Block(
        "general",
        "general",
        tuple(
            _T + k
            for k in (
                "telangiectasia.rate_per_year",
                "telangiectasia.hazard_ratios.female",
                "varicose_veins.rate_per_year",
                "varicose_veins.log_slope_per_year",
                "varicose_veins.hazard_ratios.superficial_reflux",
                "superficial_failure.rate_per_year",
                "deep_primary_failure.rate_per_year",
                "recruitment.rate_per_year",
                "edema_onset.rate_per_year",
                "edema_resolution.rate_per_year",
                "pigmentation.rate_per_year",
                "corona.rate_per_year",
                "ulcer_open.rate_per_year",
            )
        ),
        tuple(
            [f"bonn1_c{c}_all" for c in range(7)]
            + [f"bonn1_c{c}_{s}" for c in (0, 2, 3, 4) for s in ("men", "women")]
            + ["bonn1_reflux_superficial", "bonn1_reflux_deep"]
            + ["evs_vv_incidence_13y", "evs_vv_incidence_13y_18_34", "evs_vv_incidence_13y_55_64"]
        ),
    ),
    Block(
        "vte",
        "vte",
        (_T + "dvt.rate_per_year",),
        ("vte_incidence_20_64", "vte_incidence_65_74", "vte_incidence_75_84", "vte_incidence_85_up"),
    ),
)


@dataclass
class CalibrationResult:
    """Fitted values, their intervals, and the path of the search.

    Attributes
    ----------
    values_ : dict[str, float]
        Fitted value of each free parameter (dotted key).
    start_ : dict[str, float]
    intervals_ : dict[str, tuple[float, float]]
        Approximate 95% intervals (Gauss-Newton, residual units).
    history_ : list[dict]
        One row an evaluation: block, iteration, distance, parameter values.
    """

    values_: dict[str, float] = field(default_factory=dict)
    start_: dict[str, float] = field(default_factory=dict)
    intervals_: dict[str, tuple[float, float]] = field(default_factory=dict)
    history_: list[dict] = field(default_factory=list)

    def overlay(self) -> dict:
        """A nested YAML overlay ``{section: {...: value}}`` of the fitted values."""
        out: dict = {}
        for key, v in self.values_.items():
            node = out
            parts = key.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = float(v)
        return out

    def table(self) -> pd.DataFrame:
        rows = [
            {"parameter": k, "start": self.start_.get(k), "fitted": v,
             "low": self.intervals_.get(k, (np.nan, np.nan))[0], "high": self.intervals_.get(k, (np.nan, np.nan))[1]}
            for k, v in self.values_.items()
        ]  # fmt: skip
        return pd.DataFrame(rows)


def _residuals(table: pd.DataFrame, ids: Sequence[str]) -> np.ndarray:
    """Standardised residuals; the scale is widened by the Monte Carlo standard error."""
    t = table.loc[list(ids)]
    out = []
    for _, r in t.iterrows():
        lo = r["low"] if np.isfinite(r["low"]) else None
        hi = r["high"] if np.isfinite(r["high"]) else None
        scale = target_scale(r["value"], lo, hi)
        mc_se = (r["sim_high"] - r["sim_low"]) / (2 * 1.96) if np.isfinite(r["sim_high"]) else 0.0
        s = np.hypot(scale, mc_se)
        out.append((r["simulated"] - r["value"]) / s if np.isfinite(r["simulated"]) else 0.0)
    return np.asarray(out, float)


def fit_block(
    params,
    free: Sequence[FreeParameter],
    target_ids: Sequence[str],
    objective: Callable[[object], pd.DataFrame],
    *,
    max_iter: int = 6,
    step: float = 0.15,
    tol: float = 1e-3,
    prior: bool = True,
    log: Callable[[str], None] | None = None,
    result: CalibrationResult | None = None,
    block: str = "",
):
    """Fit ``free`` parameters to ``target_ids`` by damped Gauss-Newton with Broyden updates.

    ``objective(params) -> table`` is :func:`evaluate` bound to a seed, n and plan (common
    random numbers). Returns ``(params, table, cov)``: the fitted parameters, the table at
    them and the covariance of ``x`` (transformed scale).
    """
    result = result if result is not None else CalibrationResult()
    k = len(free)
    x0 = np.array([f.to_x(float(get_value(params, f.key))) for f in free])
    lo = np.array([f.to_x(f.low) for f in free])
    hi = np.array([f.to_x(f.high) for f in free])
    psd = np.array([f.prior_sd for f in free])
    for f, x in zip(free, x0, strict=True):
        result.start_.setdefault(f.key, f.from_x(x))

    cache: dict[tuple, pd.DataFrame] = {}
    raw_objective = objective

    def objective(p, _x=None):  # noqa: F811 - memoised on x (common random numbers: same x, same table)
        key = tuple(np.round(_x, 12)) if _x is not None else None
        if key is not None and key in cache:
            return cache[key]
        table = raw_objective(p)
        if key is not None:
            cache[key] = table
        return table

    def at(x):
        return with_overrides(params, {f.key: f.from_x(v) for f, v in zip(free, x, strict=True)}, origin="calibration")

    def resid(table, x):
        r = _residuals(table, target_ids)
        return np.concatenate([r, (x - x0) / psd]) if prior else r

    def record(it, table, x):
        d = total_distance(table, target_ids)
        result.history_.append({"block": block, "iteration": it, "distance": d,
                                **{f.key: f.from_x(v) for f, v in zip(free, x, strict=True)}})  # fmt: skip
        if log:
            log(f"[{block}] iteration {it}: distance {d:.3f}")
        return d

    x = np.clip(x0, lo, hi)
    table = objective(at(x), x)
    r = resid(table, x)
    record(0, table, x)
    def jacobian(x, r):
        """Forward differences (towards the interior), one evaluation per parameter."""
        J = np.zeros((len(r), k))
        for j in range(k):
            h = step if x[j] + step <= hi[j] else -step
            if not free[j].log:
                h = np.sign(h) * max(abs(h) * max(abs(x[j]), 0.02), 1e-4)
            xj = x.copy()
            xj[j] += h
            J[:, j] = (resid(objective(at(xj), xj), xj) - r) / h
            if log:
                log(f"[{block}] jacobian column {j + 1}/{k} ({free[j].key.split('.', 2)[-1]})")
        return J

    J = jacobian(x, r)
    fresh = True  # J was just computed by differences (not a Broyden estimate)
    lam = 1e-2
    best = (float(r @ r), x, table, r)
    it = 0
    while it < max_iter:
        it += 1
        A = J.T @ J
        g = J.T @ r
        dx = -np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-9), g)
        x_new = np.clip(x + dx, lo, hi)
        dx = x_new - x
        if np.max(np.abs(dx)) < tol:
            break
        t_new = objective(at(x_new), x_new)
        r_new = resid(t_new, x_new)
        record(it, t_new, x_new)
        # Broyden rank-one update of the Jacobian
        denom = float(dx @ dx)
        if denom > 0:
            J = J + np.outer(r_new - r - J @ dx, dx) / denom
            fresh = False
        if float(r_new @ r_new) < best[0]:
            best = (float(r_new @ r_new), x_new, t_new, r_new)
            x, r, table = x_new, r_new, t_new
            lam = max(lam / 3, 1e-4)
        elif not fresh and it < max_iter:
            # a failed step on a Broyden Jacobian: difference again at the best point
            J = jacobian(x, r)
            fresh = True
        else:
            lam *= 5
    _, x, table, r = best
    A = J.T @ J
    try:
        cov = np.linalg.inv(A + 1e-12 * np.eye(k))
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.nan)
    for j, f in enumerate(free):
        result.values_[f.key] = f.from_x(x[j])
        se = float(np.sqrt(max(cov[j, j], 0.0)))
        if f.log:
            result.intervals_[f.key] = (float(np.exp(x[j] - 1.96 * se)), float(np.exp(x[j] + 1.96 * se)))
        else:
            result.intervals_[f.key] = (float(x[j] - 1.96 * se), float(x[j] + 1.96 * se))
    return at(x), table, cov


def calibrate(
    params,
    targets: pd.DataFrame,
    *,
    seed: int = 1,
    n: int = 10_000,
    engine: str = "fast",
    blocks: Iterable[Block] = BLOCKS,
    max_iter: int = 6,
    runner=None,
    log: Callable[[str], None] | None = None,
):
    """Fit every block in turn; returns ``(params, CalibrationResult)``.

    Parameters named by a block but not marked ``calibrate:`` in ``params`` are skipped, and so
    are targets missing from ``targets``.
    """
    from cvirisk.calibration.designs import run_plan

    runner = runner or run_plan
    result = CalibrationResult()
    marked = {f.key: f for f in free_parameters(params)}
    for b in blocks:
        free = [marked[k] for k in b.parameters if k in marked]
        ids = [t for t in b.targets if t in targets.index and t not in FIT_EXCLUDED]
        if not free or not ids:
            continue
        sub = targets.loc[ids]

        def objective(p, sub=sub, plan=b.plan):
            return evaluate(p, sub, seed=seed, n=n, engine=engine, runner=runner, plans=[plan])

        params, _, _ = fit_block(params, free, ids, objective, max_iter=max_iter, log=log, result=result, block=b.name)
    return params, result
