"""Synthetic cohorts drawn from the ``cohort:`` section of the parameters (:func:`generate_cohort`).

Every column has its own stream ``cohort.<column>`` (:data:`STREAMS`) giving one draw per
person: person ``i`` gets the ``i``-th draw, so a cohort of ``n`` is the first ``n`` rows of
a larger one, the chunk size does not matter, and adding a column never changes the others.
The copula's latents with a value that matters (:data:`NORMAL_STREAMS`) are standard
normal draws; every other input is a uniform, turned into a value by inverse transform.

* ``age``: the band by inverse CDF of the (conditioned, oversampled) band table, then
  uniform within the band's part of the age window; ``sex``: Bernoulli(P(female | band)).
* a Gaussian copula over (smoking, bmi, work, family_history) with
  ``cohort.correlation``, sampled in that order through its Cholesky factor ``L``, so each
  latent follows its exact conditional normal given the earlier ones.
* ``smoking``: the latent ``z`` against ``Phi^-1`` of the cumulative (never, current,
  former) row of the band and sex. Conditioning on a subset maps ``Phi(z)`` uniformly onto
  the allowed parts of the row: the latent is then exactly the truncated normal, and the
  later latents follow their conditional normal given it (no rejection).
* ``bmi``: lognormal with ``sd_log`` and mean ``mean_at_40_<sex> + drift_per_year *
  (min(age, drift_end_age) - 40)`` (the key says *mean*, so the median is that times
  ``exp(-sd_log**2 / 2)``), floored at ``minimum``. Oversampling the obese (BMI >= 30)
  warps ``Phi`` of the latent piecewise-linearly at the obesity threshold and multiplies
  ``weight`` by target / sampling probability.
* ``work`` (a job with prolonged standing or sitting), ``family_history``: the latent above
  ``Phi^-1(1 - share)``; such a job is standing work with probability ``work.standing_fraction``
  (its own uniform stream ``work_posture``), else sitting work.
* ``parity`` (women; 0 for men): ``parity.distribution`` by inverse CDF (completed births).
* ``smoking_quit_age`` (former smokers): uniform between ``smoking.start_age`` and age.
* ``congenital_absence``: Bernoulli(``share``).
* ``prior_dvt``: the Gompertz hazard of ``natural_history.transitions.dvt`` from
  ``simulation.history_start_age`` to the baseline age, with its ``bmi_per_5`` (at the
  baseline BMI) and ``female`` ratios, integrated in closed form; with ``E = -log(1 - U)``
  the DVT happened iff ``E < H(age)``, at ``H^-1(E)`` (the exact truncated Gompertz).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from cvirisk.cohort._design import LATENT_ORDER, Design, build_design, inverse_cdf_cuts
from cvirisk.cohort.contract import COLUMNS
from cvirisk.cohort.spec import SEXES, SMOKING, CohortSpec
from cvirisk.exceptions import CohortError
from cvirisk.params.schema import Params
from cvirisk.progress import ProgressCallback, track
from cvirisk.random import generator

__all__ = ["generate_cohort", "LATENTS", "NORMAL_STREAMS", "STREAMS", "OBESE_BMI", "CHUNK_SIZE"]

#: The copula's latents, in sampling order (see :mod:`cvirisk.cohort._design`).
LATENTS: tuple[str, ...] = LATENT_ORDER
#: Streams that give standard normal draws (the latents whose values are used); the
#: others give uniforms. One draw per person from each stream ``cohort.<name>``.
NORMAL_STREAMS: tuple[str, ...] = ("smoking", "bmi", "work")
STREAMS: tuple[str, ...] = (
    "age", "sex", *LATENTS, "work_posture", "parity", "smoking_quit_age", "congenital_absence", "prior_dvt",
)  # fmt: skip
#: Obesity threshold (kg/m2), as in DESIGN.md.
OBESE_BMI = 30.0
#: Persons generated per step (bounds memory; results do not depend on it).
CHUNK_SIZE = 65_536
_BMI_AT = 40.0  # the age of cohort.bmi.mean_at_40_*
_LEVEL_LO, _LEVEL_HI = 2.0**-60, 1.0 - 2.0**-53


def _index(u: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Number of ``cuts`` (sorted) at or below each ``u``: an inverse CDF over a short table."""
    out = np.zeros(u.size, np.int8)
    for cut in cuts:
        out += (u >= cut).view(np.int8)
    return out


def _smoking(d: Design, spec: CohortSpec, z: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smoking status (0 never, 1 current, 2 former) and the (possibly truncated) latent."""
    if spec.smoking is None:  # the latent against the row's cuts on the normal scale
        k = (z >= d.smoke_zcut[:, 0].take(cell)).view(np.int8) + (z >= d.smoke_zcut[:, 1].take(cell)).view(np.int8)
        return k, z
    # Phi(latent) moved onto the allowed part of the row: exactly the truncated normal
    v = ndtr(z) * d.allowed_total.reshape(-1).take(cell)
    k = (v >= d.allowed_cuts[:, 0].take(cell)).view(np.int8) + (v >= d.allowed_cuts[:, 1].take(cell)).view(np.int8)
    flat = cell * 3 + k
    level = d.smoke_start.reshape(-1).take(flat) + v - d.allowed_start.reshape(-1).take(flat)
    return k, ndtri(np.clip(level, _LEVEL_LO, _LEVEL_HI))


def _chunk(params: Params, d: Design, spec: CohortSpec, u: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    c, L = params.cohort, d.chol
    # age band by inverse CDF of the band table, then uniform within the band's age window
    band = _index(u["age"], d.band_cuts).astype(np.intp)
    if d.fixed_age is not None:
        age32 = np.full(band.size, d.fixed_age, np.float32)
    else:  # capped at the largest float32 below the band's upper end
        age = np.minimum(d.age_offset.take(band) + u["age"] * d.age_slope.take(band), d.hi_below.take(band))
        age32 = age.astype(np.float32)
    age = age32.astype(np.float64)
    female = u["sex"] < d.p_female.take(band)
    sx = (~female).view(np.int8)
    k, e0 = _smoking(d, spec, u["smoking"], band * 2 + sx)
    # bmi: lognormal around the median for age and sex; its latent given the smoking latent
    b = c.bmi
    sd, drift = float(b.sd_log.value), float(b.drift_per_year.value)
    shrink = np.exp(-0.5 * sd * sd)  # median / mean of a lognormal
    base = (np.array([b.mean_at_40_female.value, b.mean_at_40_male.value]) - drift * _BMI_AT) * shrink
    median = base.take(sx) + (drift * shrink) * np.minimum(age, b.drift_end_age.value)
    e1 = u["bmi"]
    weight = d.age_weight.take(band).astype(np.float32) if spec.oversample_age else np.ones(band.size, np.float32)
    if spec.oversample_obese != 1.0:  # warp Phi(latent) at the obesity threshold
        f, ub, mu = spec.oversample_obese, ndtr(e1), L[1, 0] * e0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            p_ob = ndtr(-((np.log(OBESE_BMI / median) / sd - mu) / L[1, 1]))
            q = f * p_ob / (f * p_ob + 1.0 - p_ob)
            below = ub < 1.0 - q
            ub = np.where(below, ub * (1.0 - p_ob) / (1.0 - q), 1.0 - p_ob + (ub - (1.0 - q)) * p_ob / q)
            weight = weight * np.where(below, (1.0 - p_ob) / (1.0 - q), p_ob / q).astype(np.float32)
        e1 = ndtri(np.clip(ub, _LEVEL_LO, _LEVEL_HI))
    bmi32 = np.maximum(median * np.exp((sd * L[1, 0]) * e0 + (sd * L[1, 1]) * e1), b.minimum.value).astype(np.float32)
    # work with prolonged standing or sitting: its latent above Phi^-1(1 - share); family history
    # likewise, from a uniform: latent = m + s * Phi^-1(U) exceeds the cut exactly when U > Phi((cut - m) / s)
    working = L[2, 0] * e0 + L[2, 1] * e1 + L[2, 2] * u["work"] > ndtri(1 - c.work.share.value)
    standing = working & (u["work_posture"] < c.work.standing_fraction.value)
    m3 = L[3, 0] * e0 + L[3, 1] * e1 + L[3, 2] * u["work"] if L[3, :3].any() else 0.0
    family = u["family_history"] > ndtr((ndtri(1 - c.family_history.share.value) - m3) / L[3, 3])
    # parity (women), quitting age (former smokers), congenital absence, prior DVT
    births = _index(u["parity"], inverse_cdf_cuts(c.parity.distribution.value))
    start = np.minimum(float(c.smoking.start_age.value), age)
    quit32 = np.where(k == 2, start + u["smoking_quit_age"] * (age - start), np.nan).astype(np.float32)
    prior, prior_age = _prior_dvt(params, age, bmi32, female, u["prior_dvt"])
    return {
        "sex": sx, "age": age32, "bmi": bmi32, "smoking": k, "smoking_quit_age": np.minimum(quit32, age32),
        "standing_work": standing, "sitting_work": working & ~standing, "family_history": family, "parity": np.where(female, births, np.int8(0)),
        "prior_dvt": prior, "prior_dvt_age": np.minimum(prior_age, age32),
        "congenital_absence": u["congenital_absence"] < c.congenital_absence.share.value, "weight": weight,
    }  # fmt: skip


def _prior_dvt(params: Params, age: np.ndarray, bmi: np.ndarray, female: np.ndarray,
               u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether and when a first DVT happened before baseline (exact truncated Gompertz)."""
    tr = params.natural_history.transitions["dvt"]
    hr = {name: q.value for name, q in tr.hazard_ratios.items()}
    start = float(params.simulation.history_start_age.value)
    ref = float(params.simulation.reference_age.value)
    # the declared DVT transition acts in each of the two legs: a person's hazard is twice a leg's
    slope, rate = float(tr.log_slope_per_year.value), 2.0 * float(tr.rate_per_year.value)
    if not rate > 0:
        return np.zeros(age.size, bool), np.full(age.size, np.nan, np.float32)
    # scale = rate * HR_bmi^((bmi - 25) / 5) * HR_female^female, built in logs
    log_scale = np.log(rate) + (np.log(hr.get("bmi_per_5", 1.0)) / 5.0) * (bmi.astype(np.float64) - 25.0)
    if hr.get("female", 1.0) != 1.0:
        log_scale += np.log(hr["female"]) * female
    scale = np.exp(log_scale)
    e = -np.log(1.0 - u)  # unit exponential by inverse transform
    if slope == 0.0:
        prior = e < scale * (age - start)
    else:  # H(age) = scale * (exp(slope (age - ref)) - exp(slope (start - ref))) / slope
        g0 = np.exp(slope * (start - ref))
        prior = e < scale * ((np.exp(slope * age - slope * ref) - g0) * (1.0 / slope))
    idx = np.flatnonzero(prior)
    e, scale = e[idx], scale[idx]
    when = start + e / scale if slope == 0.0 else ref + np.log(g0 + slope * e / scale) / slope
    out = np.full(age.size, np.nan, np.float32)
    out[idx] = np.clip(when, start, age[idx]).astype(np.float32)
    return prior, out


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
    buffers = {name: np.empty(min(n, step)) for name in STREAMS}
    cols: dict[str, np.ndarray] = {}
    starts = range(0, n, step) if n else range(1)
    for lo in track(starts, total=len(starts), desc="cohort", show=progress, callback=callback):
        m = min(step, n - lo)
        for name, rng in rngs.items():  # refill the same buffers: no new memory per chunk
            (rng.standard_normal if name in NORMAL_STREAMS else rng.random)(out=buffers[name][:m])
        draws = {name: buf[:m] for name, buf in buffers.items()}
        for key, values in _chunk(params, design, spec, draws).items():
            if key not in cols:
                cols[key] = np.empty(n, values.dtype)
            cols[key][lo:lo + m] = values
    # copy=False: the arrays are fresh, and consolidating them into blocks would copy them all
    return pd.DataFrame({
        "person_id": np.arange(n, dtype=np.int64),
        "sex": pd.Categorical.from_codes(cols["sex"], categories=list(SEXES)),
        "age": cols["age"], "bmi": cols["bmi"],
        "smoking": pd.Categorical.from_codes(cols["smoking"], categories=list(SMOKING)),
        **{key: cols[key] for key in list(COLUMNS)[5:]},
    }, copy=False)  # fmt: skip
