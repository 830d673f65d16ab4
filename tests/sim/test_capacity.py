"""Halving surgical capacity lengthens waiting times and raises ulcer-years.

A high-risk cohort (obese women with a family history) shares one operating list (a simpy
``Resource``). With common random numbers the two runs differ only through the queue, so
ulcer-years are compared person by person (Wilcoxon signed-rank, one-sided, alpha 0.01);
waiting times with a one-sided Mann-Whitney test (alpha 0.01; waits still open at exit are
counted as censored at exit, which can only shorten the halved-capacity waits).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu, wilcoxon

from cvirisk.analysis import surgery_waits, time_in_class
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.testing import uniform_cohort

KEY = "care.surgery_operations_per_year_per_100000"
_T = "natural_history.transitions"
#: Natural history pinned here so that recalibrating the defaults cannot starve the queue.
PINNED = {
    f"{_T}.superficial_failure.rate_per_year": 0.0065,
    f"{_T}.deep_failure.rate_per_year": 0.0028,
    f"{_T}.recruitment.rate_per_year": 0.05,
    f"{_T}.edema.rate_per_year": 0.0045,
    f"{_T}.skin_changes.rate_per_year": 0.0035,
    f"{_T}.ulcer_open.rate_per_year": 0.012,
    f"{_T}.ulcer_recur.rate_per_year": 0.716,
    f"{_T}.ulcer_recur.hazard_ratios.surgery_done": 0.39,
    f"{_T}.ulcer_heal.rate_per_year": 1.0,
    f"{_T}.presentation.rate_per_year": 0.08,
    f"{_T}.compression_stop.rate_per_year": 0.25,
    "care.compression_adherence": 0.45,
    "care.surgery_referral_min_class": 6,
}


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(7)
    n = 1200
    cohort = uniform_cohort(
        n, age=rng.uniform(55.0, 70.0, n), bmi=rng.uniform(28.0, 36.0, n), sex="female", parity=2,
        family_history=True,
    )  # fmt: skip
    full = simulate(cohort, params=load_params(overrides={**PINNED, KEY: 1000.0}), seed=9, years=20)
    half = simulate(cohort, params=load_params(overrides={**PINNED, KEY: 500.0}), seed=9, years=20)
    return full, half


def test_halving_capacity_lengthens_waits(runs):
    full, half = (surgery_waits(r.events) for r in runs)
    assert len(full) > 100 and full["done"].mean() > 0.8
    assert half["wait_years"].mean() > 2 * full["wait_years"].mean()
    assert mannwhitneyu(half["wait_years"], full["wait_years"], alternative="greater").pvalue < 0.01


def test_halving_capacity_raises_ulcer_years(runs):
    full, half = (time_in_class(r.events, "C6", start=0.0) for r in runs)
    diff = (half - full.reindex(half.index)).to_numpy()
    assert diff.sum() > 0
    moved = diff[diff != 0]
    assert wilcoxon(moved, alternative="greater").pvalue < 0.01


def test_the_waiting_list_shows_in_the_events(runs):
    ev = runs[1].events
    done = ev[(ev["event"] == "surgery") & ev["detail"].astype(str).str.startswith("done")]
    waits = done["detail"].astype(str).str.extract(r"wait_years=([0-9.]+)")[0].astype(float)
    assert (waits > 0).any()
