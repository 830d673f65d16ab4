"""Progression curves for teaching: CEAP occupancy by age and sex, and what one risk factor changes.

Both read the event log through :func:`cvirisk.outcomes.details.worst_leg_ceap`, so they work on
the older log and on the per-leg log (the person's class is the worse leg's).

:func:`risk_factor_contrast` answers "what does standing work (or obesity, smoking, a family
history) change?" from the model itself: the same cohort is simulated twice with the same seed
(common random numbers), once with the factor set for everyone and once with it removed for
everyone, and the share who ever reach each CEAP class by the end of follow-up is compared.
Its intervals are 95% percentile intervals from a paired bootstrap over persons: they show the
Monte Carlo uncertainty of the simulated sample, not the uncertainty of the parameters (for
that, use the scenario module's probabilistic sensitivity analysis).

Examples
--------
>>> import cvirisk
>>> params = cvirisk.load_params()
>>> cohort = cvirisk.generate_cohort(300, seed=1, params=params)
>>> c = risk_factor_contrast(cohort, "obesity", params=params, seed=1, years=10, n_boot=50)
>>> sorted(set(c.arms["arm"]))
['with obesity (BMI 33)', 'without (BMI 24)']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError
from cvirisk.outcomes.details import read_event_details, worst_leg_ceap

__all__ = ["FACTORS", "OUTCOME_CLASSES", "Contrast", "ceap_names", "occupancy_by_sex", "risk_factor_contrast"]

#: Factors a contrast can switch: label, cohort column(s), value with, value without, arm names.
FACTORS: dict[str, dict] = {
    "obesity": {"label": "obesity", "column": "bmi", "with": 33.0, "without": 24.0,
                "arms": ("with obesity (BMI 33)", "without (BMI 24)")},
    "standing_work": {"label": "work standing for long hours", "column": ("standing_work", "sedentary_work"),
                      "with": True, "without": False, "arms": ("standing at work", "not standing at work")},
    "sitting_work": {"label": "work sitting for long hours", "column": ("sitting_work", "sedentary_work"),
                     "with": True, "without": False, "arms": ("sitting at work", "not sitting at work")},
    "smoking": {"label": "current smoking", "column": "smoking", "with": "current", "without": "never",
                "arms": ("current smoker", "never smoker")},
    "family_history": {"label": "a family history of varicose veins", "column": "family_history", "with": True,
                       "without": False, "arms": ("family history", "no family history")},
}  # fmt: skip
#: Outcomes of a contrast: label -> lowest CEAP class (of the worse leg) ever reached.
OUTCOME_CLASSES: dict[str, int] = {"varicose veins (C2+)": 2, "CVI (C3+)": 3, "skin changes (C4+)": 4,
                                   "venous ulcer (C6)": 6}  # fmt: skip


def ceap_names() -> dict[str, str]:
    """Plain names of the person-level classes C0-C6 and DEAD, for legends."""
    from cvirisk.teaching import _content

    names = {c["id"]: c["name"] for c in _content()["ceap"]["classes"] if len(c["id"]) == 2}
    return {**names, "DEAD": "died"}


def occupancy_by_sex(events: pd.DataFrame, persons: pd.DataFrame, ages: Sequence[float] = tuple(range(20, 96, 5))
                     ) -> dict[str, pd.DataFrame]:
    """CEAP class of the worse leg (and death) by age, for women and men separately.

    Returns ``{"women": table, "men": table}``, each :func:`cvirisk.outcomes.state_occupancy`
    output over age (``age, state, share, n``).
    """
    from cvirisk.outcomes import state_occupancy

    log = worst_leg_ceap(events)
    out = {}
    for sex, name in (("female", "women"), ("male", "men")):
        ids = persons.loc[persons["sex"].astype(str) == sex, "person_id"]
        part = log[log["person_id"].isin(ids)]
        if not part.empty:
            out[name] = state_occupancy(part, grid=np.asarray(ages, float), axis="age")
    return out


@dataclass
class Contrast:
    """A risk-factor contrast: shares by arm with intervals, and the paired difference."""

    factor: str
    arms: pd.DataFrame
    difference: pd.DataFrame
    n: int
    seed: int
    note: str


def _set_factor(cohort: pd.DataFrame, spec: dict, on: bool) -> pd.DataFrame:
    cols = spec["column"] if isinstance(spec["column"], tuple) else (spec["column"],)
    col = next((c for c in cols if c in cohort.columns), None)
    if col is None:
        raise InputError(f"the cohort has none of the columns {', '.join(cols)}")
    out = cohort.copy()
    value = spec["with"] if on else spec["without"]
    if isinstance(out[col].dtype, pd.CategoricalDtype):
        out[col] = pd.Categorical([value] * len(out), categories=out[col].cat.categories)
    else:
        out[col] = np.asarray(value, dtype=out[col].dtype).repeat(len(out))
    if col == "smoking" and "smoking_quit_age" in out.columns:
        out["smoking_quit_age"] = np.nan
    # a job is standing or sitting, never both: switching one on switches the other off
    other = {"standing_work": "sitting_work", "sitting_work": "standing_work"}.get(col)
    if on and other in out.columns:
        out[other] = False
    return out


def _ever(events: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    d = read_event_details(events)
    worst = d[d["event"] == "ceap"].groupby("person_id")["ceap_class"].max().reindex(ids).fillna(0.0)
    return pd.DataFrame({name: (worst >= k).to_numpy(float) for name, k in OUTCOME_CLASSES.items()}, index=ids)


def risk_factor_contrast(cohort: pd.DataFrame, factor: str, *, params, seed: int, years: int = 20,
                         engine: str = "fast", n_boot: int = 400, bootstrap_seed: int = 0) -> Contrast:
    """What one risk factor changes: the same cohort simulated with and without it (common random numbers).

    Parameters
    ----------
    cohort
        A cohort in the cohort contract (e.g. :func:`cvirisk.generate_cohort`).
    factor
        A key of :data:`FACTORS`. Work factors use ``standing_work`` / ``sitting_work`` when the
        cohort has them, else the older ``sedentary_work`` (which does not tell them apart).
    params, seed, years, engine
        Passed to :func:`cvirisk.simulate` for both arms (the fast engine without a waiting list).
    n_boot, bootstrap_seed
        Paired bootstrap over persons for the 95% percentile intervals.

    Returns
    -------
    Contrast
        ``arms``: ``outcome, arm, estimate, lower, upper`` (share who ever reached the class by
        the end of follow-up, simulated history from age 18 included); ``difference``:
        ``outcome, estimate, lower, upper`` in percentage points (with minus without).
    """
    import cvirisk

    if factor not in FACTORS:
        raise InputError(f"unknown risk factor {factor!r}; one of {', '.join(FACTORS)}")
    if n_boot < 10:
        raise InputError("n_boot must be at least 10")
    spec = FACTORS[factor]
    ids = cohort["person_id"].to_numpy()
    ever = []
    for on in (True, False):
        res = cvirisk.simulate(_set_factor(cohort, spec, on), params=params, seed=seed, years=years, engine=engine,
                               surgery_approximation="unlimited" if engine == "fast" else None)
        ever.append(_ever(res.events, ids))
    a, b = (e.to_numpy() for e in ever)
    rng = np.random.default_rng(bootstrap_seed)
    idx = rng.integers(0, len(ids), size=(n_boot, len(ids)))
    boot_a, boot_b = a[idx].mean(axis=1), b[idx].mean(axis=1)  # (n_boot, outcomes)
    rows, diffs = [], []
    for j, name in enumerate(OUTCOME_CLASSES):
        for arm, est, boot in ((spec["arms"][0], a[:, j].mean(), boot_a[:, j]),
                               (spec["arms"][1], b[:, j].mean(), boot_b[:, j])):
            lo, hi = np.percentile(boot, [2.5, 97.5])
            rows.append({"outcome": name, "arm": arm, "estimate": est, "lower": lo, "upper": hi})
        d = 100 * (boot_a[:, j] - boot_b[:, j])
        lo, hi = np.percentile(d, [2.5, 97.5])
        diffs.append({"outcome": name, "estimate": 100 * (a[:, j].mean() - b[:, j].mean()), "lower": lo, "upper": hi})
    note = (f"{len(ids):,} persons simulated twice with seed {seed} ({years} years of follow-up, history from 18): "
            f"everyone {spec['arms'][0]}, then everyone {spec['arms'][1]}; 95% intervals from {n_boot} paired "
            "bootstrap resamples of persons (simulation noise only, not parameter uncertainty). 'Ever' counts only the "
            "years lived: a factor that shortens life, such as smoking, leaves less time to reach a class.")
    return Contrast(factor, pd.DataFrame(rows), pd.DataFrame(diffs), len(ids), seed, note)
