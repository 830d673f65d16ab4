"""Shared fixtures (the shipped parameters, a small seeded cohort) and the Hypothesis profile."""

from __future__ import annotations

import pytest
from hypothesis import settings

# Property-based tests draw their examples from a fixed seed (every stochastic test is
# seeded); a failure found once is kept as an explicit @example next to its test.
settings.register_profile("cvirisk", derandomize=True, database=None)
settings.load_profile("cvirisk")


@pytest.fixture(scope="session")
def params():
    """The shipped default parameters."""
    from cvirisk.params import load_params

    return load_params()


@pytest.fixture(scope="session")
def small_cohort(params):
    """2,000 persons from the whole population, seed 1 (read-only: copy before changing)."""
    from cvirisk.cohort import generate_cohort

    return generate_cohort(2_000, seed=1, params=params)
