"""Synthetic cohorts drawn from the ``cohort:`` section of the parameters (:func:`generate_cohort`).

How each column is drawn (every draw is an inverse transform of one uniform from a named
stream ``cohort.<column>``; person ``i`` gets the ``i``-th uniform of each stream, so a
cohort of ``n`` is the first ``n`` rows of a larger one, the chunk size does not matter,
and adding a column never changes the others):

* ``age``: the band from the (conditioned, oversampled) band table, then uniform within
  the band's part of the age window; ``sex``: Bernoulli(P(female | band, condition)).
* a Gaussian copula over the latents (smoking, bmi, sedentary_work, family_history) with
  ``cohort.correlation``, sampled sequentially through its Cholesky factor, so each latent
  is drawn from its exact conditional normal given the earlier ones.
* ``smoking``: ``Phi(z)`` falls in the (never, current, former) row of the band and sex.
  Conditioning on a subset draws ``Phi(z)`` uniformly on the allowed parts of the row:
  the latent is then exactly the truncated normal, and the later latents follow their
  conditional normal given it (no rejection).
* ``bmi``: lognormal, ``sd_log`` on the log scale, with mean
  ``mean_at_40_<sex> + drift_per_year * (min(age, drift_end_age) - 40)``, so the median
  is that mean times ``exp(-sd_log**2 / 2)``; floored at ``minimum``. Oversampling of the
  obese (BMI >= 30) warps the latent's uniform piecewise-linearly at the obesity
  threshold and multiplies ``weight`` by target / sampling probability.
* ``sedentary_work``, ``family_history``: the latent above ``Phi^-1(1 - share)``.
* ``parity`` (women; 0 for men): the ``parity.distribution``, by inverse CDF.
* ``smoking_quit_age`` (former smokers): uniform between ``smoking.start_age`` and age.
* ``congenital_absence``: Bernoulli(``share``).
* ``prior_dvt``: a first DVT before baseline, from the Gompertz hazard of
  ``natural_history.transitions.dvt`` from ``simulation.history_start_age`` to the
  baseline age, with its ``bmi_per_5`` (at baseline BMI) and ``female`` ratios; with
  ``E = -log(1 - U)``, the DVT happened iff ``E < H(age)``, at ``prior_dvt_age = H^-1(E)``
  (the exact truncated Gompertz).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from cvirisk.cohort._design import Design, build_design
from cvirisk.cohort.contract import COLUMNS
from cvirisk.cohort.spec import SEXES, SMOKING, CohortSpec
from cvirisk.exceptions import CohortError
from cvirisk.params.schema import Params
from cvirisk.progress import ProgressCallback, track
from cvirisk.random import generator

__all__ = ["generate_cohort", "STREAMS", "OBESE_BMI", "CHUNK_SIZE"]

#: Random inputs, one uniform per person each, drawn from streams named ``cohort.<name>``.
STREAMS: tuple[str, ...] = (
    "age", "sex", "smoking", "bmi", "sedentary_work", "family_history",
    "parity", "smoking_quit_age", "congenital_absence", "prior_dvt",
)  # fmt: skip
#: Obesity threshold (kg/m2), as in DESIGN.md.
OBESE_BMI = 30.0
#: Persons generated per step (bounds memory; results do not depend on it).
CHUNK_SIZE = 200_000
_BMI_AT = 40.0  # the age of cohort.bmi.mean_at_40_*
_LEVEL_LO, _LEVEL_HI = 2.0**-60, 1.0 - 2.0**-53


def _copula_tail(u: dict[str, np.ndarray], e0: np.ndarray, e1: np.ndarray, chol: np.ndarray,
                 shares: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Threshold the sedentary_work and family_history latents given the earlier ones."""
    e = [e0, e1]
    out = []
    for k, name in ((2, "sedentary_work"), (3, "family_history")):
        cut = ndtri(1.0 - shares[k - 2])  # the latent exceeds this with probability share
        mean = sum((chol[k, j] * e[j] for j in range(k) if chol[k, j] != 0.0), np.zeros(1))
        level = ndtr((cut - mean) / chol[k, k])
        out.append(u[name] > level)
        if k == 2 and chol[3, 2] != 0.0:
            e.append(ndtri(np.clip(u[name], _LEVEL_LO, _LEVEL_HI)))
        else:
            e.append(0.0)
    return out[0], out[1]


def _chunk(params: Params, d: Design, spec: CohortSpec, u: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    c = params.cohort
    nb = d.band_cdf.size
    # age band, then age within the band's window
    band = np.minimum(np.searchsorted(d.band_cdf, u["age"], side="right"), nb - 1)
    if d.fixed_age is not None:
        age = np.full(band.size, d.fixed_age)
        age32 = age.astype(np.float32)
    else:
        p = d.band_prob[band]
        frac = np.clip((u["age"] - (d.band_cdf[band] - p)) / p, 0.0, 1.0)
        lo, hi = d.lo[band], d.hi[band]
        age32 = (lo + frac * (hi - lo)).astype(np.float32)
        hi32 = hi.astype(np.float32)
        top = age32 >= hi32  # keep float32 rounding inside [lo, hi)
        age32[top] = np.nextafter(hi32[top], np.float32(-np.inf))
    age = age32.astype(np.float64)
    female = u["sex"] < d.p_female[band]
    sx = (~female).astype(np.intp)
    # smoking: Phi(z) uniform on the allowed part of the (never, current, former) row
    cell = band * 2 + sx
    v = u["smoking"] * d.allowed_total.reshape(-1)[cell]
    cum = d.allowed_cum.reshape(-1, 3)[cell]
    k = (v >= cum[:, 0]).astype(np.intp) + (v >= cum[:, 1])
    flat = cell * 3 + k
    level = d.smoke_start.reshape(-1)[flat] + v - d.allowed_start.reshape(-1)[flat]
    e0 = ndtri(np.clip(level, _LEVEL_LO, _LEVEL_HI))
    # bmi latent given the smoking latent, optionally tilted towards obesity
    b = c.bmi
    sd = float(b.sd_log.value)
    mean = np.where(female, b.mean_at_40_female.value, b.mean_at_40_male.value) + b.drift_per_year.value * (
        np.minimum(age, b.drift_end_age.value) - _BMI_AT)
    median = mean * np.exp(-0.5 * sd * sd)
    mu, s = d.chol[1, 0] * e0, d.chol[1, 1]
    ub = u["bmi"]
    weight = d.age_weight[band]
    if spec.oversample_obese != 1.0:
        f = spec.oversample_obese
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            p_ob = ndtr(-((np.log(OBESE_BMI / median) / sd - mu) / s))
            q = f * p_ob / (f * p_ob + 1.0 - p_ob)
            below = ub < 1.0 - q
            ub = np.where(below, ub * (1.0 - p_ob) / (1.0 - q), 1.0 - p_ob + (ub - (1.0 - q)) * p_ob / q)
            weight = weight * np.where(below, (1.0 - p_ob) / (1.0 - q), p_ob / q)
    e1 = ndtri(np.clip(ub, _LEVEL_LO, _LEVEL_HI))
    bmi = np.maximum(b.minimum.value, median * np.exp(sd * (mu + s * e1)))
    sedentary, family = _copula_tail(u, e0, e1, d.chol, (c.sedentary_work.share.value, c.family_history.share.value))
    # parity (women), quitting age (former smokers), congenital absence
    cum_par = np.cumsum(c.parity.distribution.value)
    births = np.minimum(np.searchsorted(cum_par, u["parity"] * cum_par[-1], side="right"), cum_par.size - 1)
    start = np.minimum(float(c.smoking.start_age.value), age)
    quit_age = np.where(k == 2, start + u["smoking_quit_age"] * (age - start), np.nan)
    congenital = u["congenital_absence"] < c.congenital_absence.share.value
    prior, prior_age = _prior_dvt(params, age, bmi.astype(np.float32).astype(np.float64), female, u["prior_dvt"])
    return {
        "sex": sx.astype(np.int8), "age": age32, "bmi": bmi.astype(np.float32), "smoking": k.astype(np.int8),
        "smoking_quit_age": np.minimum(quit_age.astype(np.float32), age32),
        "sedentary_work": sedentary, "family_history": family,
        "parity": np.where(female, births, 0).astype(np.int8),
        "prior_dvt": prior, "prior_dvt_age": np.minimum(prior_age.astype(np.float32), age32),
        "congenital_absence": congenital, "weight": weight.astype(np.float32),
    }  # fmt: skip


def _prior_dvt(params: Params, age: np.ndarray, bmi: np.ndarray, female: np.ndarray,
               u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether and when a first DVT happened before baseline (exact truncated Gompertz)."""
    tr = params.natural_history.transitions.dvt
    hr = tr.hazard_ratios
    start = float(params.simulation.history_start_age.value)
    ref = float(params.simulation.reference_age.value)
    slope = float(tr.age_log_slope_per_year.value)
    scale = float(tr.rate_per_year.value) * np.ones_like(age)
    if "bmi_per_5" in hr:
        scale = scale * np.power(hr["bmi_per_5"].value, (bmi - 25.0) / 5.0)
    if "female" in hr:
        scale = np.where(female, scale * hr["female"].value, scale)
    e = -np.log1p(-u)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if slope == 0.0:
            hazard = scale * (age - start)
            when = start + e / scale
        else:
            g0 = np.exp(slope * (start - ref))
            hazard = scale * (np.exp(slope * (age - ref)) - g0) / slope
            when = ref + np.log(g0 + slope * e / scale) / slope
    prior = e < hazard
    return prior, np.where(prior, np.clip(when, start, age), np.nan)


def generate_cohort(
    n: int,
    seed: int,
    params: Params | None = None,
    spec: CohortSpec | None = None,
    replication: int = 0,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: bool | None = False,
    callback: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Draw a synthetic cohort of ``n`` adults at baseline, following the cohort contract.

    Parameters
    ----------
    n
        Number of persons (``person_id`` 0 .. n-1).
    seed, replication
        Identify the random streams; the same values give the same cohort, bit for bit.
    params
        Parameters (default: the shipped ones, :func:`cvirisk.params.load_params`).
    spec
        Conditions and oversampling (:class:`CohortSpec`); default: the whole population.
    chunk_size
        Persons generated per step; results do not depend on it.
    progress, callback
        Show a progress bar (None: when stderr is a terminal); ``callback(done, total)`` per chunk.

    Returns
    -------
    pandas.DataFrame with the columns of :data:`cvirisk.cohort.contract.COLUMNS`.

    Examples
    --------
    >>> df = generate_cohort(1000, seed=1, spec=CohortSpec(age=50, smoking=("current",)))
    >>> float(df["age"].min()), float(df["age"].max()), df["smoking"].unique().tolist()
    (50.0, 50.0, ['current'])
    >>> list(df.columns) == list(COLUMNS)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise CohortError(f"cohort: n must be a non-negative whole number, got {n!r}")
    if params is None:
        from cvirisk.params import load_params

        params = load_params()
    spec = CohortSpec() if spec is None else spec
    design = build_design(params, spec)
    rngs = {name: generator(seed, f"cohort.{name}", replication) for name in STREAMS}
    n, step = int(n), max(1, int(chunk_size))
    parts = []
    starts = range(0, n, step) if n else range(1)
    for lo in track(starts, total=len(starts), desc="cohort", show=progress, callback=callback):
        m = min(step, n - lo)
        parts.append(_chunk(params, design, spec, {name: rng.random(m) for name, rng in rngs.items()}))
    cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return pd.DataFrame({
        "person_id": np.arange(n, dtype=np.int64),
        "sex": pd.Categorical.from_codes(cols["sex"], categories=list(SEXES)),
        "age": cols["age"], "bmi": cols["bmi"],
        "smoking": pd.Categorical.from_codes(cols["smoking"], categories=list(SMOKING)),
        **{key: cols[key] for key in list(COLUMNS)[5:]},
    })  # fmt: skip
