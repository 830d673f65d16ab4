"""The fast engine: contract, capacity handling, chunk independence (small and quick)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import InputError, UnsupportedError
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.fast import CAPACITY_KEY, needs_capacity, simulate_fast

UNLIMITED = {CAPACITY_KEY: float("inf")}


@pytest.fixture(scope="module")
def unlimited():
    return load_params(overrides=UNLIMITED)


@pytest.fixture(scope="module")
def cohort(unlimited):
    from cvirisk.cohort import generate_cohort

    return generate_cohort(400, seed=11, params=unlimited)


def test_finite_capacity_is_refused_with_the_key_named(params, cohort):
    assert needs_capacity(params)
    with pytest.raises(UnsupportedError, match=r"care\.surgery_operations_per_year_per_100000"):
        simulate(cohort, params=params, seed=1, years=5, engine="fast")
    with pytest.raises(UnsupportedError, match="surgery_approximation"):
        simulate_fast(cohort, params=params, seed=1, years=5)


def test_person_ids_must_be_unique_across_batches(unlimited, cohort):
    twice = pd.concat([cohort.iloc[:10], cohort.iloc[:10]], ignore_index=True)
    with pytest.raises(InputError, match="unique"):
        simulate_fast(twice, params=unlimited, seed=1, years=1, batch_size=10)


def test_unknown_approximation_is_bad_input(params, cohort):
    with pytest.raises(InputError, match="surgery_approximation"):
        simulate_fast(cohort, params=params, seed=1, years=5, surgery_approximation="queue")


def test_explicit_unlimited_approximation_equals_infinite_capacity(params, unlimited, cohort):
    approx = simulate_fast(cohort, params=params, seed=3, years=20, surgery_approximation="unlimited")
    exact = simulate_fast(cohort, params=unlimited, seed=3, years=20)
    assert approx.manifest["surgery_approximation"] == "unlimited"
    assert approx.manifest["engine"] == "fast"
    assert "surgery_approximation" not in exact.manifest
    pd.testing.assert_frame_equal(approx.events, exact.events)


def test_same_contract_as_the_reference(unlimited, cohort):
    fast = simulate(cohort, params=unlimited, seed=5, years=15, engine="fast")
    ref = simulate(cohort, params=unlimited, seed=5, years=15, engine="reference")
    assert list(fast.events.columns) == list(ref.events.columns)
    assert (fast.events.dtypes == ref.events.dtypes).all()
    assert list(fast.events["event"].cat.categories) == list(ref.events["event"].cat.categories)
    assert list(fast.persons.columns) == list(ref.persons.columns)
    pd.testing.assert_frame_equal(fast.events, ref.events, check_exact=False, rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(fast.persons, ref.persons, check_exact=False, rtol=0, atol=1e-9)


def test_results_do_not_depend_on_batching(unlimited, cohort):
    whole = simulate_fast(cohort, params=unlimited, seed=7, years=25)
    small = simulate_fast(cohort, params=unlimited, seed=7, years=25, batch_size=97)
    pd.testing.assert_frame_equal(small.events, whole.events, check_exact=True)
    pd.testing.assert_frame_equal(small.persons, whole.persons, check_exact=True)
    halves = [
        simulate_fast(cohort.iloc[a:b].reset_index(drop=True), params=unlimited, seed=7, years=25)
        for a, b in ((0, 150), (150, len(cohort)))
    ]
    events = pd.concat([h.events for h in halves], ignore_index=True)
    events["detail"] = events["detail"].astype(str)
    expected = whole.events.assign(detail=whole.events["detail"].astype(str))
    pd.testing.assert_frame_equal(events, expected, check_exact=True)


def test_same_seed_same_bytes_other_replication_differs(unlimited, cohort):
    a = simulate_fast(cohort, params=unlimited, seed=9, years=10)
    b = simulate_fast(cohort, params=unlimited, seed=9, years=10)
    c = simulate_fast(cohort, params=unlimited, seed=9, years=10, replication=1)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    assert not (len(a.events) == len(c.events) and np.array_equal(a.events["t"], c.events["t"]))


def test_everyone_exits_once(unlimited, cohort):
    res = simulate_fast(cohort, params=unlimited, seed=2, years=30)
    exits = res.events[res.events["event"] == "exit"]
    assert exits["person_id"].is_unique and len(exits) == len(cohort)
    assert (res.events.groupby("person_id", observed=True)["t"].max() <= 30 + 1e-9).all()


def test_progress_callback_reaches_the_total(unlimited, cohort):
    seen = []
    simulate_fast(cohort, params=unlimited, seed=2, years=3, progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (len(cohort), len(cohort))
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
