"""Fixtures of the scenario tests: parameters without a waiting list (fast engine) and cohorts."""

from __future__ import annotations

import pytest

INF_KEY = "care.surgery_operations_per_year_per_100000"


@pytest.fixture(scope="session")
def unlimited(params):
    """Shipped parameters with unlimited surgical capacity (persons independent: fast engine)."""
    from cvirisk.params import with_overrides

    return with_overrides(params, {INF_KEY: float("inf")})


@pytest.fixture(scope="session")
def cohort3k(params):
    """3,000 persons from the whole population, seed 5 (read-only)."""
    from cvirisk.cohort import generate_cohort

    return generate_cohort(3_000, seed=5, params=params)
