"""Gompertz hazards built once from parameters, and their closed-form integrals.

Every transition ``j`` of ``natural_history.transitions`` has, within a *segment* (a stretch
of time between two events of one person), the log hazard

    log h_j(age) = c_j + s_j * age + sum_f B[f, j] * x_f(age),

with ``c_j = log(rate_per_year) - s_j * reference_age``, ``s_j = age_log_slope_per_year``,
``B[f, j] = log(HR_f)`` and every feature linear in age within a segment,
``x_f(age) = x_f(a0) + x1_f * (age - a0)``. So at the start ``a0`` of a segment the hazard is
``h0 = exp(c + s*a0 + x(a0) @ B)`` and it grows at the log rate ``beta = s + x1 @ B``; the
cumulative hazard over ``dt`` years is ``h0 * expm1(beta*dt) / beta`` (Gompertz), which has
a closed-form inverse.

Examples
--------
>>> import numpy as np
>>> from cvirisk.params import load_params
>>> hm = HazardModel.from_params(load_params())
>>> hm.index["dvt"] == hm.ids.index("dvt")
True
>>> t = gompertz_time(np.array([0.1]), np.array([0.05]), np.array([1.0]))
>>> bool(np.isclose(gompertz_integral(np.array([0.1]), np.array([0.05]), t)[0], 1.0))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cvirisk.model.features import FEATURES
from cvirisk.params.schema import Params

__all__ = ["HazardModel", "FEATURE_INDEX", "gompertz_time", "gompertz_integral", "SLOPE_EPS"]

#: Column of each feature in the feature matrices ``X`` and ``X1``.
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}

#: Below this absolute log slope (per year) the hazard is treated as constant in the segment.
SLOPE_EPS = 1e-10


@dataclass(frozen=True)
class HazardModel:
    """The log-linear hazard structure of all transitions, as arrays.

    Attributes
    ----------
    ids : tuple of str
        Transition ids in the order of the parameter schema (columns of ``B``).
    index : dict
        Transition id -> column.
    c : ndarray, shape (T,)
        ``log(rate_per_year) - s * reference_age`` (``-inf`` for a zero rate).
    s : ndarray, shape (T,)
        Age log slope per year.
    B : ndarray, shape (F, T)
        Log hazard ratios; rows follow :data:`cvirisk.model.features.FEATURES`.
    """

    ids: tuple[str, ...]
    index: dict[str, int]
    c: np.ndarray
    s: np.ndarray
    B: np.ndarray

    @classmethod
    def from_params(cls, params: Params) -> HazardModel:
        """Build the arrays from ``params.natural_history.transitions``."""
        trans = params.natural_history.transitions
        ids = tuple(type(trans).model_fields)
        ref = float(params.simulation.reference_age.value)
        n_t = len(ids)
        c = np.empty(n_t)
        s = np.empty(n_t)
        B = np.zeros((len(FEATURES), n_t))
        for j, tid in enumerate(ids):
            tr = getattr(trans, tid)
            rate = float(tr.rate_per_year.value)
            s[j] = float(tr.age_log_slope_per_year.value)
            c[j] = (math.log(rate) if rate > 0 else -math.inf) - s[j] * ref
            for feat, hr in tr.hazard_ratios.items():
                B[FEATURE_INDEX[feat], j] = math.log(float(hr.value))
        for arr in (c, s, B):
            arr.setflags(write=False)
        return cls(ids=ids, index={t: j for j, t in enumerate(ids)}, c=c, s=s, B=B)

    def log_hazard(self, age: np.ndarray, X: np.ndarray, X1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log hazard at ``age`` and its log slope, shape (m, T), for feature rows ``X``, ``X1``.

        ``einsum`` rather than ``@``: BLAS rounds a row differently depending on how many rows
        come with it, and a person's history must not depend on the batch they ran in.
        """
        logh = self.c + self.s * age[:, None] + np.einsum("mf,ft->mt", X, self.B)
        beta = self.s + np.einsum("mf,ft->mt", X1, self.B)
        return logh, beta


def gompertz_integral(h0: np.ndarray, beta: np.ndarray, dt: np.ndarray | float) -> np.ndarray:
    """Cumulative hazard over ``dt`` of ``h(u) = h0 * exp(beta * u)`` (elementwise, broadcast).

    ``dt`` must be finite; a zero hazard integrates to zero.
    """
    with np.errstate(all="ignore"):
        curved = h0 * np.expm1(beta * dt) / beta
        return np.where(np.abs(beta) < SLOPE_EPS, h0 * dt, curved)


def gompertz_time(h0: np.ndarray, beta: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Time until the cumulative hazard of ``h0 * exp(beta * u)`` reaches ``budget``.

    ``inf`` when the hazard is zero, or decays so fast that it never accumulates ``budget``.
    """
    with np.errstate(all="ignore"):
        ratio = budget / h0
        curved = np.log1p(beta * ratio) / beta
        tau = np.where(np.abs(beta) < SLOPE_EPS, ratio, curved)
    # nan (a decaying hazard that never reaches the budget, or a zero hazard) -> never
    tau[~(tau >= 0.0)] = np.inf
    return tau
