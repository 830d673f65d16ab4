"""The reference engine's lookahead changes nothing but speed.

Persons not on the surgical waiting list are stepped ahead of the simpy clock by the kernel
(:mod:`cvirisk.sim.reference`). Living every person one event at a time inside simpy
(``lookahead=False``) must give the same event log and persons table, byte for byte, both
when persons share a rationed operating list (the queue decides the operations, and some
persons die or leave while waiting) and when surgery is unlimited (persons run in batches).
"""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk.analysis import surgery_waits
from cvirisk.model.kernel import Kernel
from cvirisk.params import load_params
from cvirisk.sim import reference as ref
from cvirisk.sim import result_from_kernel
from cvirisk.sim.testing import BUSY_WAITING_LIST, high_risk_cohort

KEY = "care.surgery_operations_per_year_per_100000"


@pytest.fixture(scope="module")
def cohort():
    return high_risk_cohort(500, seed=11)


def _run(
    params, cohort, unlimited: bool, lookahead: bool, batch: int | None = None, monkeypatch=None
):
    if batch is not None:
        monkeypatch.setattr(ref, "BATCH", batch)
        monkeypatch.setattr(ref, "LOOKAHEAD_BATCH", 3 * batch)
    kernel = Kernel(params, cohort, seed=21, years=20, unlimited_surgery=unlimited)
    ref.run_reference(kernel, lookahead=lookahead)
    return result_from_kernel(kernel, cohort, engine="reference")


def _assert_same(a, b) -> None:
    assert a.events.equals(b.events)
    assert a.persons.equals(b.persons)


def test_same_history_with_a_shared_waiting_list(cohort):
    params = load_params(overrides={**BUSY_WAITING_LIST, KEY: 400.0})
    ahead = _run(params, cohort, unlimited=False, lookahead=True)
    plain = _run(params, cohort, unlimited=False, lookahead=False)
    waits = surgery_waits(ahead.events)
    # the queue is really used: many operations, most after a wait
    assert waits["done"].sum() >= 30
    assert (waits.loc[waits["done"], "wait_years"] > 0).mean() > 0.5
    _assert_same(ahead, plain)


def test_same_history_without_rationing_whatever_the_batches(cohort, monkeypatch):
    params = load_params(overrides={**BUSY_WAITING_LIST, KEY: float("inf")})
    plain = _run(params, cohort, unlimited=True, lookahead=False)
    _assert_same(_run(params, cohort, unlimited=True, lookahead=True), plain)
    _assert_same(
        _run(params, cohort, unlimited=True, lookahead=True, batch=37, monkeypatch=monkeypatch),
        plain,
    )


def test_no_surgery_at_all_leaves_referrals_waiting(cohort):
    params = load_params(overrides={**BUSY_WAITING_LIST, KEY: 0.0})
    ahead = _run(params, cohort, unlimited=False, lookahead=True)
    _assert_same(ahead, _run(params, cohort, unlimited=False, lookahead=False))
    waits = surgery_waits(ahead.events)
    assert len(waits) > 0 and not waits["done"].any()


def test_kernel_run_until_stops_everyone_at_that_time(cohort):
    kernel = Kernel(load_params(), cohort, seed=3, years=10)
    kernel.run(np.arange(len(cohort)), until=0.0)
    st = kernel.state
    assert np.all(st.t == 0.0)
    ev = kernel.events.arrays()
    assert ev["t"].max() < 0.0  # nothing at or after the stop was applied
