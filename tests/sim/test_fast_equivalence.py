"""The fast engine agrees with the simpy reference engine within Monte Carlo error.

Both engines run the same cohort with unlimited surgical capacity (the one model both
support). Under common random numbers (same seed and replication) they give the same
histories, person by person; that is checked exactly. The distributional comparisons then
run twice: with the same seed (as the issue asks; differences could only come from the
engines) and with independent random numbers (fast replication 1 against reference
replication 0), where the two-sample tests have their nominal error rates.

Tests and error rates: chi-square tests of homogeneity of the baseline CEAP class
distribution in each age band; chi-square (2x2) tests of the share of persons with each
complication in follow-up; log-rank and two-sample Kolmogorov-Smirnov tests of the time from
baseline to the first of each main transition. The family-wise error rate is
``ALPHA = 0.001`` with a Bonferroni correction over all comparisons of one run. A power
check shows the same battery rejects a model with a 1.5-fold varicose vein rate.

Sizes: ``N`` = 15,000 persons (about a second for the reference engine); the issue's
100,000-person comparison is marked ``slow`` (about 25 s for the three runs and the tests;
``pytest -m slow tests/sim/test_fast_equivalence.py`` runs it alone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cvirisk.analysis import prevalence, time_to_first
from cvirisk.cohort import generate_cohort
from cvirisk.params import load_params, with_overrides
from cvirisk.sim import simulate

N = 15_000
N_SLOW = 100_000
YEARS = 30
SEED = 2026
ALPHA = 0.001

#: (event, detail) of every complication: persons with at least one in follow-up.
COMPLICATIONS = [
    ("ceap", "C6"), ("ceap", "C5"), ("infection", None), ("dvt", "incident"), ("pe", None),
    ("lymphedema", None), ("calcification", None), ("periostitis", None), ("death", "pe"),
    ("death", "background"), ("surgery", "referred"),
]  # fmt: skip
#: Main transitions: time from baseline to the first one (persons without it at baseline).
TRANSITIONS = [
    ("valve_failure", "superficial"), ("valve_failure", "deep"), ("ceap", "C2"), ("ceap", "C3"),
    ("ceap", "C4"), ("ceap", "C6"), ("dvt", "incident"), ("death", None),
]  # fmt: skip


def _params():
    return load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})


def logrank(d1, e1, d2, e2) -> float:
    """p-value of the two-sample log-rank test (durations, event indicators)."""
    d = np.concatenate([d1, d2])
    e = np.concatenate([e1, e2]).astype(bool)
    g = np.concatenate([np.zeros(len(d1), bool), np.ones(len(d2), bool)])
    times = np.unique(d[e])
    if times.size == 0:
        return 1.0
    at_risk = lambda x: len(x) - np.searchsorted(np.sort(x), times, side="left")  # noqa: E731
    n1, n = at_risk(d[~g]), at_risk(d)
    deaths = np.bincount(np.searchsorted(times, d[e]), minlength=len(times))
    deaths1 = np.bincount(np.searchsorted(times, d[e & ~g]), minlength=len(times))
    expected = deaths * n1 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.nan_to_num(deaths * (n1 / n) * (1 - n1 / n) * (n - deaths) / (n - 1))
    if var.sum() <= 0:
        return 1.0
    chi2 = (deaths1.sum() - expected.sum()) ** 2 / var.sum()
    return float(stats.chi2.sf(chi2, 1))


def _table_p(table: np.ndarray) -> float:
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table == table[0]).all():
        return 1.0
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def compare(a, b) -> dict[str, float]:
    """Every two-sample test between results ``a`` and ``b``: name -> p-value."""
    p: dict[str, float] = {}
    pa = prevalence(a.events, by=("age_band",)).set_index("age_band")
    pb = prevalence(b.events, by=("age_band",)).set_index("age_band")
    classes = [f"C{c}" for c in range(7)]
    for band in pa.index:
        if pa.loc[band, "n"] >= 50:
            counts = [np.rint(x.loc[band, classes].to_numpy(float) * x.loc[band, "n"]) for x in (pa, pb)]
            p[f"prevalence {band}"] = _table_p(np.array(counts))
    n = len(a.persons)
    for kind, detail in COMPLICATIONS:
        counts = []
        for r in (a, b):
            ev = r.events[(r.events["event"] == kind) & (r.events["t"] >= 0)]
            if detail is not None:
                ev = ev[ev["detail"] == detail]
            k = ev["person_id"].nunique()
            counts.append([k, n - k])
        p[f"incidence {kind} {detail or ''}"] = _table_p(np.array(counts))
    for kind, detail in TRANSITIONS:
        ta, tb = (time_to_first(r.events, kind, detail, exclude_prevalent=True) for r in (a, b))
        ea, eb = (x["event"].to_numpy() == 1 for x in (ta, tb))
        p[f"log-rank {kind} {detail or ''}"] = logrank(ta["duration"].to_numpy(), ea, tb["duration"].to_numpy(), eb)
        if ea.sum() >= 20 and eb.sum() >= 20:
            p[f"KS {kind} {detail or ''}"] = float(
                stats.ks_2samp(ta["duration"].to_numpy()[ea], tb["duration"].to_numpy()[eb]).pvalue
            )
    return p


def assert_agree(p: dict[str, float]) -> None:
    threshold = ALPHA / len(p)
    failed = {k: v for k, v in p.items() if v < threshold}
    assert not failed, f"rejected at family-wise alpha {ALPHA} (Bonferroni over {len(p)}): {failed}"


def assert_same_histories(ref: pd.DataFrame, fast: pd.DataFrame) -> None:
    assert len(ref) == len(fast)
    for col in ("person_id", "event"):
        assert (ref[col].to_numpy() == fast[col].to_numpy()).all()
    assert (ref["detail"].astype(str).to_numpy() == fast["detail"].astype(str).to_numpy()).all()
    np.testing.assert_allclose(fast["t"].to_numpy(), ref["t"].to_numpy(), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def runs():
    params = _params()
    cohort = generate_cohort(N, seed=SEED, params=params)
    kw = dict(params=params, seed=SEED, years=YEARS)
    return {
        "reference": simulate(cohort, engine="reference", **kw),
        "fast": simulate(cohort, engine="fast", **kw),
        "fast_rep1": simulate(cohort, engine="fast", replication=1, **kw),
        "cohort": cohort,
    }


def test_same_histories_person_by_person(runs):
    assert_same_histories(runs["reference"].events, runs["fast"].events)
    ref, fast = runs["reference"].persons, runs["fast"].persons
    for col in ("ceap_final", "exit_reason", "death_cause", "dvt_count", "surgeries"):
        assert (ref[col].astype(str).to_numpy() == fast[col].astype(str).to_numpy()).all(), col


def test_agree_with_common_random_numbers(runs):
    p = compare(runs["reference"], runs["fast"])
    assert len(p) >= 30
    assert_agree(p)


def test_agree_with_independent_random_numbers(runs):
    assert_agree(compare(runs["reference"], runs["fast_rep1"]))


def test_battery_detects_a_different_model(runs):
    """Power check: a 1.5-fold varicose vein rate is rejected by the same battery."""
    key = "natural_history.transitions.varicose_veins.rate_per_year"
    base = _params()
    changed = with_overrides(base, {key: 1.5 * base.natural_history.transitions.varicose_veins.rate_per_year.value})
    other = simulate(runs["cohort"], params=changed, seed=SEED, years=YEARS, engine="fast", replication=1)
    p = compare(runs["reference"], other)
    assert min(p.values()) < ALPHA / len(p)


@pytest.mark.slow
def test_agree_on_100000_persons():
    params = _params()
    cohort = generate_cohort(N_SLOW, seed=SEED, params=params)
    kw = dict(params=params, seed=SEED, years=YEARS)
    ref = simulate(cohort, engine="reference", **kw)
    fast = simulate(cohort, engine="fast", **kw)
    assert_same_histories(ref.events, fast.events)
    assert_agree(compare(ref, fast))
    assert_agree(compare(ref, simulate(cohort, engine="fast", replication=1, **kw)))
