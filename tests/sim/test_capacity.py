"""Halving surgical capacity lengthens waiting times and raises ulcer-years.

A high-risk cohort (obese women with a family history) shares one operating list (theatres
serving the cohort, first come first served). With common random numbers the two runs differ only through the queue, so
ulcer-years are compared person by person (Wilcoxon signed-rank, one-sided, alpha 0.01);
waiting times with a one-sided Mann-Whitney test (alpha 0.01; waits still open at exit are
counted as censored at exit, which can only shorten the halved-capacity waits).
"""

from __future__ import annotations

import pytest
from scipy.stats import mannwhitneyu, wilcoxon

from cvirisk.analysis import surgery_waits, time_in_class
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.testing import BUSY_WAITING_LIST, high_risk_cohort

KEY = "care.surgery_operations_per_year_per_100000"


@pytest.fixture(scope="module")
def runs():
    cohort = high_risk_cohort(1200, seed=7)
    full = simulate(cohort, params=load_params(overrides={**BUSY_WAITING_LIST, KEY: 1000.0}), seed=9, years=20)
    half = simulate(cohort, params=load_params(overrides={**BUSY_WAITING_LIST, KEY: 500.0}), seed=9, years=20)
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
    done = ev[(ev["event"] == "surgery") & (ev["detail"] == "done")]
    assert (done["value"] > 0).any() and (done["leg"] != "").all()
