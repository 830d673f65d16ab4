"""Age-standardised rates: incidence per 1,000 person-years weighted to a standard population.

Direct standardisation: the age-specific rates of the simulated cohort (person-time split
exactly across age bands, :func:`cvirisk.outcomes.incidence`) are averaged with the weights of
a standard population, so that cohorts (or scenarios, or the model and a registry) with
different age structures can be compared.

The standard is the 2013 European Standard Population (ESP 2013): Eurostat, "Revision of the
European Standard Population. Report of Eurostat's task force", Methodologies and Working
Papers, Luxembourg: Publications Office of the European Union, 2013 (table of 5-year age
groups 0-4 ... 85-89 and 90+ summing to 100,000). When a band cuts a 5-year group, the group's
weight is shared in proportion to the years of the group inside the band (assumption: persons
spread evenly within the group); the open group 90+ goes to the band that holds age 90.

The 95% interval is the gamma interval of Fay and Feuer (Fay MP, Feuer EJ. Confidence intervals
for directly standardized rates: a method based on the gamma distribution. Stat Med
1997;16:791-801), which keeps its coverage when events are few. It is written here because
neither statsmodels nor lifelines offers direct standardisation.

Examples
--------
>>> w = standard_weights([18, 30, 40, 120])
>>> [round(x) for x in w]
[14200, 13500, 53000]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from scipy.stats import gamma

from cvirisk.outcomes.incidence import incidence
from cvirisk.outcomes.prevalence import AGE_BANDS

__all__ = ["ESP2013", "standard_weights", "standardised_rate"]

#: 2013 European Standard Population: (lower age, upper age (exclusive; inf for 90+), persons of 100,000).
ESP2013: tuple[tuple[float, float, float], ...] = (
    (0, 5, 5000), (5, 10, 5500), (10, 15, 5500), (15, 20, 5500), (20, 25, 6000), (25, 30, 6000),
    (30, 35, 6500), (35, 40, 7000), (40, 45, 7000), (45, 50, 7000), (50, 55, 7000), (55, 60, 6500),
    (60, 65, 6000), (65, 70, 5500), (70, 75, 5000), (75, 80, 4000), (80, 85, 2500), (85, 90, 1500),
    (90, np.inf, 1000),
)  # fmt: skip


def standard_weights(
    bands: Sequence[float], standard: Sequence[tuple[float, float, float]] = ESP2013
) -> np.ndarray:
    """Persons of the standard population in each band ``[bands[i], bands[i+1])``."""
    edges = np.asarray(bands, float)
    out = np.zeros(len(edges) - 1)
    for lo, hi, persons in standard:
        if not np.isfinite(hi):  # the open group goes to the band holding its lower age
            i = np.searchsorted(edges, lo, side="right") - 1
            if 0 <= i < len(out):
                out[i] += persons
            continue
        inside = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0.0, None)
        out += persons * inside / (hi - lo)
    return out


def standardised_rate(
    events: pd.DataFrame,
    kind: str,
    detail: str | Collection[str] | None = None,
    *,
    bands: Sequence[float] = AGE_BANDS,
    start: float = 0.0,
    end: float = np.inf,
    per: float = 1000.0,
    standard: Sequence[tuple[float, float, float]] = ESP2013,
) -> pd.Series:
    """Directly age-standardised rate of ``kind`` (``detail``) events per ``per`` person-years.

    Returns
    -------
    Series
        ``rate`` (standardised), ``rate_low``, ``rate_high`` (Fay-Feuer 95%), ``crude_rate``,
        ``events``, ``person_years``. Bands without person-time take no weight (their share of
        the standard is left out and the rest renormalised).
    """
    tab = incidence(
        events, kind, detail, by=("age_band",), bands=bands, start=start, end=end, per=1.0
    )
    w = standard_weights(bands, standard)
    d = tab["events"].to_numpy(float)
    n = tab["person_years"].to_numpy(float)
    seen = n > 0
    w = np.where(seen, w, 0.0)
    if w.sum() <= 0:
        nan = float("nan")
        return pd.Series({"rate": nan, "rate_low": nan, "rate_high": nan, "crude_rate": nan,
                          "events": float(d.sum()), "person_years": float(n.sum())})  # fmt: skip
    w = w / w.sum()
    wn = np.divide(w, n, out=np.zeros_like(w), where=seen)  # weight per person-year of each band
    y = float((wn * d).sum())
    v = float((wn**2 * d).sum())
    wm = float(wn[seen].max())
    low = float(gamma.ppf(0.025, y**2 / v, scale=v / y)) if y > 0 else 0.0
    high = float(gamma.ppf(0.975, (y + wm) ** 2 / (v + wm**2), scale=(v + wm**2) / (y + wm)))
    return pd.Series({"rate": per * y, "rate_low": per * low, "rate_high": per * high,
                      "crude_rate": per * float(d.sum() / n.sum()), "events": float(d.sum()),
                      "person_years": float(n.sum())})  # fmt: skip
