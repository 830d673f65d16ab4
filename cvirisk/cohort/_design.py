"""The sampling design of a cohort: the parameter tables conditioned on a :class:`CohortSpec`.

Notation: band ``b`` of ``cohort.age_bands`` has population share ``s_b``, female share
``f_b``, and smoking rows ``P(k | b, sex)`` for ``k`` in (never, current, former). Given a
spec with allowed sexes ``X``, allowed smoking set ``S`` and an age window ``W``, the
target (conditional population) mass of cell ``(b, sex)`` is

    m(b, sex) = s_b * |W & band b| / |band b| * P(sex | b) * P(S | b, sex) * [sex in X],

ages are uniform within ``W & band b``, the band is sampled with probability proportional
to ``o_b * sum_sex m(b, sex)`` (``o_b`` the age oversampling factors) and weighted back by
``target / sampling`` probability. Everything here is tiny (one row per band).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from cvirisk.cohort.spec import SMOKING, CohortSpec
from cvirisk.exceptions import CohortError
from cvirisk.params.schema import Params

#: Latent order of the copula used for sequential (Cholesky) sampling: smoking first, so
#: that conditioning on a smoking subset truncates the first latent only.
LATENT_ORDER: tuple[str, ...] = ("smoking", "bmi", "work", "family_history")


@dataclass(frozen=True)
class Design:
    """Per-band tables (length ``nb``) and the copula factor, ready for vectorised sampling."""

    lo: np.ndarray  # lower end of the age window in each band
    hi: np.ndarray  # upper end of the age window in each band
    hi_below: np.ndarray  # the largest float32 below hi (ages are stored as float32)
    fixed_age: float | None
    band_cuts: np.ndarray  # inverse_cdf_cuts of the band sampling probabilities
    band_prob: np.ndarray  # sampling probability of each band
    age_offset: np.ndarray  # age = age_offset[b] + u * age_slope[b] for the band's uniform u
    age_slope: np.ndarray
    age_weight: np.ndarray  # target / sampling probability of each band
    p_female: np.ndarray  # P(female | band, condition)
    smoke_zcut: np.ndarray  # (nb * 2, 2): never/current and current/former cuts on the latent's scale
    smoke_start: np.ndarray  # (nb, 2, 3): start of category k on the Phi(z) scale (sex 0 female, 1 male)
    allowed_total: np.ndarray  # (nb, 2): P(S | b, sex)
    allowed_cuts: np.ndarray  # (nb * 2, 2): inverse_cdf_cuts of the allowed shares
    allowed_start: np.ndarray  # (nb, 2, 3): allowed probability of the categories before k
    chol: np.ndarray  # Cholesky factor of the correlation matrix in LATENT_ORDER


def inverse_cdf_cuts(probs: np.ndarray) -> np.ndarray:
    """Cuts for an inverse CDF over categories along the last axis: ``k = #(cuts <= U)``.

    The cut after category ``j`` is the cumulative probability up to ``j``, or ``inf`` when
    no later category has positive probability, so rounding can never select one of
    probability zero.
    """
    probs = np.asarray(probs, float)
    cum = np.cumsum(probs, axis=-1)[..., :-1]
    later = np.flip(np.cumsum(np.flip(probs, axis=-1), axis=-1), axis=-1)[..., 1:] > 0
    return np.where(later, cum, np.inf)


def _age_window(spec: CohortSpec, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, ...]:
    """(lo, hi, overlap): the age window in each band and the share of the band it covers."""
    first, last = float(lower[0]), float(upper[-1])
    if spec.age is not None:
        if not first <= spec.age < last:
            raise CohortError(f"cohort spec: age {spec.age:g} is outside the age bands [{first:g}, {last:g})")
        inside = (lower <= spec.age) & (spec.age < upper)
        at = np.full(lower.shape, spec.age)
        return at, at, inside.astype(float)
    a = first if spec.age_min is None else spec.age_min
    b = last if spec.age_max is None else spec.age_max
    if a < first or b > last or not a < b:
        raise CohortError(
            f"cohort spec: age range [{a:g}, {b:g}) is not a non-empty part of the age bands [{first:g}, {last:g})"
        )
    lo, hi = np.clip(lower, a, b), np.clip(upper, a, b)
    return lo, hi, (hi - lo) / (upper - lower)


def build_design(params: Params, spec: CohortSpec) -> Design:
    """Condition the cohort tables of ``params`` on ``spec``; raise CohortError if impossible."""
    c = params.cohort
    lower = np.asarray(c.age_bands.lower, float)
    upper = np.asarray(c.age_bands.upper, float)
    nb = lower.size
    lo, hi, overlap = _age_window(spec, lower, upper)
    female = np.asarray(c.age_bands.female_share.value, float)
    sex_p = np.stack([female, 1.0 - female], axis=1)  # (nb, 2): female, male
    if spec.sex is not None:
        sex_p = sex_p * (np.array(["female", "male"]) == spec.sex)
    rows = np.stack([np.asarray(c.smoking.female.value, float), np.asarray(c.smoking.male.value, float)], axis=1)
    allowed = np.ones(3, bool) if spec.smoking is None else np.isin(np.array(SMOKING), spec.smoking)
    p_allowed = (rows * allowed).sum(axis=2)  # (nb, 2)
    cell = np.asarray(c.age_bands.share.value, float)[:, None] * overlap[:, None] * sex_p * p_allowed
    target = cell.sum(axis=1)
    if not target.sum() > 0:
        raise CohortError("cohort spec: the conditions have probability zero under these parameters")
    target = target / target.sum()
    factors = np.ones(nb) if spec.oversample_age is None else np.asarray(spec.oversample_age, float)
    if factors.size != nb:
        raise CohortError(f"cohort spec: oversample_age: needs one factor per age band ({nb}), got {factors.size}")
    sampling = target * factors
    sampling = sampling / sampling.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        age_weight = np.where(sampling > 0, target / sampling, 0.0)
        p_female = np.where(target > 0, cell[:, 0] / cell.sum(axis=1), 0.0)
    share_allowed = rows * allowed
    smoke_start = np.cumsum(rows, axis=2) - rows
    cdf = np.cumsum(sampling)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sampling > 0, (hi - lo) / sampling, 0.0)
    offset = lo - (cdf - sampling) * slope
    return Design(
        lo=lo, hi=hi, fixed_age=spec.age,
        hi_below=np.nextafter(hi.astype(np.float32), np.float32(-np.inf)).astype(np.float64),
        band_cuts=inverse_cdf_cuts(sampling), band_prob=sampling, age_offset=offset, age_slope=slope,
        age_weight=age_weight, p_female=p_female,
        smoke_zcut=_normal_cuts(inverse_cdf_cuts(rows)).reshape(-1, 2), smoke_start=smoke_start,
        allowed_cuts=inverse_cdf_cuts(share_allowed).reshape(-1, 2), allowed_total=p_allowed,
        allowed_start=np.cumsum(share_allowed, axis=2) - share_allowed,
        chol=_cholesky(params),
    )  # fmt: skip


def _normal_cuts(cuts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(cuts), np.inf, ndtri(np.minimum(cuts, 1.0)))


def _cholesky(params: Params) -> np.ndarray:
    corr = params.cohort.correlation
    order = [corr.order.index(name) for name in LATENT_ORDER]
    matrix = np.asarray(corr.matrix.value, float)[np.ix_(order, order)]
    return np.linalg.cholesky(matrix)
