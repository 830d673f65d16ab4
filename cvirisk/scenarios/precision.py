"""How many simulated persons a scenario comparison needs: the measurement behind the dashboard's defaults.

Run ``python -m cvirisk.scenarios.precision`` (about 15 s). It compares every
shipped scenario with the baseline through :func:`cvirisk.scenarios.compare` (fast engine,
20 years, default parameters, ``REPLICATIONS`` replications of ``N`` persons), takes each
scenario's headline outcome and reports the spread of the paired difference per person,
``sd_person = sd(replication differences / N) * sqrt(N)``, and from it the persons needed in
each arm for the 95% interval of the mean difference to have a half-width of at most half the
effect (so that an effect of the measured size is separated from zero with room to spare):
``persons = (z * sd_person / (|effect per person| / 2))**2`` with z = 1.96.

The paired difference of independent persons is a sum over persons, so its variance grows
with the number of persons: ``R`` replications of ``n`` persons and one replication of ``R * n``
persons give the same precision of the mean per person (the replications are needed only to
estimate that spread; the page uses at least :data:`MIN_REPLICATIONS`). The page takes
``max(MIN_REPLICATIONS, ceil(PERSONS_NEEDED / n))`` replications for the sidebar's cohort size.

Measured on 2026-11-26 with the shipped parameters of parameters hash ``936e811db1f589f3``
(after the Bayesian calibration's posterior means; seed 1, 20 replications of 2,000 persons,
20 years): see :data:`MEASURED`; :data:`PERSONS_NEEDED` is their median, rounded up to a
thousand. Half of the shipped scenarios are separated from zero at that size; the others
(earlier referral, doubled capacity, weight reduction: small effects over 20 years) need more,
and the Scenarios page says so, with the replications this run's own spread asks for, when an
interval crosses zero.
"""

from __future__ import annotations

import math

#: Each shipped scenario's headline outcome (what it is meant to change).
HEADLINE = {
    "compression_adherence_doubled": "ulcer_years",
    "earlier_referral": "surgeries",
    "fewer_sedentary_jobs": "superficial_failure",
    "smoking_down_third": "deaths",
    "surgical_capacity_doubled": "mean_wait_years",
    "weight_reduction": "superficial_failure",
}
N, REPLICATIONS, YEARS, SEED = 2_000, 20, 20, 1
#: Fewest replications the page runs (a t interval from fewer has very wide quantiles).
MIN_REPLICATIONS = 5
Z = 1.959963984540054


def persons_needed(n: int, differences) -> float:
    """Persons per arm for a 95% half-width of ``|mean difference| / 2`` (inf for no effect).

    ``differences`` are the paired differences of replications of ``n`` persons each. A count
    (or a mean) over ``n`` persons has a variance proportional to ``1 / n`` per person, so
    ``n * (z * sd / (|mean| / 2))**2`` persons give that half-width.

    >>> round(persons_needed(1000, [8.0, 12.0, 10.0, 10.0]))
    410
    """
    import numpy as np

    d = np.asarray(differences, float)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if mean == 0:
        return math.inf
    return n * (Z * sd / (abs(mean) / 2.0)) ** 2


def measure(n: int = N, replications: int = REPLICATIONS, years: float = YEARS, seed: int = SEED):
    """Per shipped scenario: headline outcome, mean and sd of the paired difference, persons needed."""
    import pandas as pd

    from cvirisk.scenarios import compare

    res = compare(
        list(HEADLINE), n=n, seed=seed, replications=replications, years=years, engine="fast"
    )
    r = res.replications
    rows = []
    for name, outcome in HEADLINE.items():
        d = r[(r["scenario"] == name) & (r["outcome"] == outcome)]["difference"].to_numpy(float)
        rows.append(
            {
                "scenario": name,
                "outcome": outcome,
                "mean_difference": float(d.mean()),
                "sd_difference": float(d.std(ddof=1)),
                "persons_needed": persons_needed(n, d),
            }
        )
    return pd.DataFrame(rows)


#: ``measure()``'s persons needed per shipped scenario, as this script printed them (see the module docstring).
MEASURED: dict[str, int] = {
    "compression_adherence_doubled": 1_560,  # ulcer-years -37.9 (sd 8.5) per 2,000 persons
    "earlier_referral": 28_785,  # operations +2.9 (sd 2.8)
    "fewer_sedentary_jobs": 2_546,  # superficial valve failures -4.9 (sd 1.4)
    "smoking_down_third": 5_196,  # deaths -6.7 (sd 2.8)
    "surgical_capacity_doubled": 11_406,  # mean wait -1.08 years (sd 0.66)
    "weight_reduction": 27_801,  # superficial valve failures -1.05 (sd 1.0)
}
#: Persons per arm the page aims for: the median of MEASURED, rounded up to a thousand.
PERSONS_NEEDED = 9_000


def default_replications(n: int) -> int:
    """Replications of ``n`` persons the page runs by default: ``max(MIN_REPLICATIONS, ceil(PERSONS_NEEDED / n))``.

    >>> default_replications(2_000), default_replications(500), default_replications(20_000)
    (5, 18, 5)
    """
    return max(MIN_REPLICATIONS, math.ceil(PERSONS_NEEDED / int(n)))


if __name__ == "__main__":
    table = measure()
    print(table.to_string(index=False))
    med = float(table["persons_needed"].median())
    print(f"median persons needed: {med:.0f} -> PERSONS_NEEDED = {1000 * math.ceil(med / 1000)}")
