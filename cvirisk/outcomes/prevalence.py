"""Prevalence of each CEAP class, of varicose veins and of reflux, by age band and sex, at any time.

Reads only the event log (and, for sex, the persons table). At ``t = 0`` this is the
cross-sectional prevalence of the cohort at baseline, to be held against the Bonn Vein Study.

Examples
--------
>>> from cvirisk.sim import simulate
>>> from cvirisk.sim.testing import uniform_cohort
>>> res = simulate(uniform_cohort(20, age=60.0), seed=2, years=1)
>>> tab = prevalence(res.events, res.persons, t=0.0, by=())
>>> bool(abs(tab[list(CEAP_CLASSES)].sum(axis=1).iloc[0] - 1.0) < 1e-12)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cvirisk.outcomes.states import CEAP_CLASSES, baseline_age, ceap_at, observed_at, reflux_at

__all__ = ["prevalence", "AGE_BANDS", "age_band"]

#: Default age bands (years): those of the Bonn Vein Study's population (18-79) and beyond.
AGE_BANDS: tuple[float, ...] = (18, 30, 40, 50, 60, 70, 80, 120)


def age_band(age: np.ndarray | pd.Series, bands: Sequence[float] = AGE_BANDS) -> pd.Categorical:
    """Left-closed age bands labelled ``"18-29"``, ``"30-39"``, ..."""
    labels = [f"{int(lo)}-{int(hi) - 1}" for lo, hi in zip(bands[:-1], bands[1:], strict=True)]
    return pd.cut(np.asarray(age, float), bins=list(bands), right=False, labels=labels)


def prevalence(
    events: pd.DataFrame,
    persons: pd.DataFrame | None = None,
    t: float = 0.0,
    by: Sequence[str] = ("age_band", "sex"),
    bands: Sequence[float] = AGE_BANDS,
    weighted: bool = True,
) -> pd.DataFrame:
    """Share of persons observed at ``t`` in each CEAP class, with C2+ and reflux, by group.

    Parameters
    ----------
    events : DataFrame
        The event log.
    persons : DataFrame, optional
        Needed only to group by ``sex`` (columns ``person_id``, ``sex``).
    t : float
        Years since baseline (0 = baseline; negative = before baseline).
    by : sequence of {"age_band", "sex"}
        Grouping; ``()`` for the whole cohort.
    bands : sequence of float
        Age band edges (age at ``t``).
    weighted : bool
        Weight persons by the persons table's ``weight`` column when there is one (an
        oversampled cohort); ``n`` is always the unweighted count.

    Returns
    -------
    DataFrame
        One row a group: ``n``, shares ``C0`` ... ``C6``, ``varicose_veins`` (C2+),
        ``superficial_reflux``, ``deep_reflux``, ``any_reflux``.
    """
    ids = observed_at(events, t)
    ceap = ceap_at(events, t, ids)
    reflux = reflux_at(events, t, ids)
    df = pd.DataFrame({"ceap": ceap.to_numpy()}, index=ids)
    for c in range(7):
        df[f"C{c}"] = (df["ceap"] == c).astype(float)
    df["varicose_veins"] = (df["ceap"] >= 2).astype(float)
    df["superficial_reflux"] = reflux["superficial_reflux"].astype(float)
    df["deep_reflux"] = reflux["deep_reflux"].astype(float)
    df["any_reflux"] = ((reflux["superficial_reflux"]) | (reflux["deep_reflux"])).astype(float)
    keys: list[str] = []
    if "age_band" in by:
        df["age_band"] = age_band(baseline_age(events).reindex(ids).to_numpy() + t, bands)
        keys.append("age_band")
    if "sex" in by:
        if persons is None:
            raise ValueError("grouping by sex needs the persons table")
        df["sex"] = persons.set_index("person_id")["sex"].reindex(ids).to_numpy()
        keys.append("sex")
    cols = [*CEAP_CLASSES, "varicose_veins", "superficial_reflux", "deep_reflux", "any_reflux"]
    w = np.ones(len(df))
    if weighted and persons is not None and "weight" in persons.columns:
        w = persons.set_index("person_id")["weight"].astype(float).reindex(ids).to_numpy()
    df["_w"] = w
    weighted_cols = df[cols].mul(w, axis=0).assign(_w=w)
    if not keys:
        sums = weighted_cols.sum()
        out = (sums[cols] / sums["_w"]).to_frame().T
        out.insert(0, "n", len(df))
        return out
    for k in keys:
        weighted_cols[k] = df[k]
    grouped = weighted_cols.groupby(keys, observed=True)
    sums = grouped.sum()
    out = sums[cols].div(sums["_w"], axis=0)
    out.insert(0, "n", grouped.size())
    return out.reset_index()
