"""Shared fixtures: the shipped parameters and a small seeded cohort."""

from __future__ import annotations

import pytest


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
