"""The compiled engine and the plain simpy reference write the same events, row by row.

The two share only the declared model, the random streams and the event vocabulary (see
cvirisk/sim/reference.py), so a hazard, guard, effect, hook or queue rule read differently in
one of them shows here: same persons, kinds, legs and details in the same order, times and
values within 1e-9 years. Two cohorts: ulcer-prone women in three surgical catchments whose
finite waiting lists are busy (operations after a real wait, re-referrals, deaths while
waiting), and the default cohort.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk import generate_cohort, load_params
from cvirisk.params import with_overrides
from cvirisk.sim import simulate
from cvirisk.sim.testing import BUSY_WAITING_LIST, high_risk_cohort


def _same(fast, ref) -> None:
    a, b = fast.events, ref.events
    assert len(a) == len(b)
    for col in ("person_id", "leg", "event", "detail"):
        same = a[col].astype(str).to_numpy() == b[col].astype(str).to_numpy()
        assert same.all(), (col, a[~same].head(3), b[~same].head(3))
    np.testing.assert_allclose(a["t"].to_numpy(), b["t"].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["value"].fillna(-1).to_numpy(), b["value"].fillna(-1).to_numpy(), rtol=0, atol=1e-9)
    for col in ("ceap_final", "alive", "dvt_count", "surgeries", "exit_reason"):
        assert (fast.persons[col].astype(str) == ref.persons[col].astype(str)).all(), col


@pytest.mark.slow
def test_event_by_event_with_a_busy_waiting_list():
    # 1,000 operations a year per 100,000: about 5 a year in each of the three catchments of
    # 500 ulcer-prone women, each with its own list
    params = with_overrides(load_params(), {**BUSY_WAITING_LIST, "care.surgery_operations_per_year_per_100000": 1000.0,
                                            "care.surgery_catchment_population": 500})
    cohort = high_risk_cohort(1500, seed=5)
    fast = simulate(cohort, params=params, seed=5, years=20, engine="fast")
    ref = simulate(cohort, params=params, seed=5, years=20, engine="reference")
    done = fast.events[(fast.events["event"] == "surgery") & (fast.events["detail"] == "done")]
    assert len(done) > 100 and (done["value"] > 0.1).sum() > 30  # the queue has a say
    assert done.loc[done["value"] > 0.1, "person_id"].floordiv(500).nunique() == 3  # in every catchment
    assert (fast.events["detail"] == "ulcer_recurred").sum() > 50
    _same(fast, ref)


def test_event_by_event_on_the_default_cohort():
    params = load_params()
    cohort = generate_cohort(800, seed=2, params=params)
    _same(simulate(cohort, params=params, seed=2, years=20, engine="fast"),
          simulate(cohort, params=params, seed=2, years=20, engine="reference"))


def test_event_by_event_with_unrationed_surgery():
    # every referral operated at once: the referral, the operation and the leg's new class
    # happen at one time, in one order, in both engines; referral from C2 on, so an
    # operation that removes the varicose veins changes the leg's class then and there
    params = with_overrides(load_params(), {**BUSY_WAITING_LIST, "care.surgery_referral_min_class": 2})
    cohort = high_risk_cohort(600, seed=7)
    fast = simulate(cohort, params=params, seed=7, years=20, engine="fast", surgery_approximation="unlimited")
    ref = simulate(cohort, params=params, seed=7, years=20, engine="reference", surgery_approximation="unlimited")
    done = fast.events[(fast.events["event"] == "surgery") & (fast.events["detail"] == "done")]
    assert len(done) > 50 and (done["value"] == 0).all()  # no waits
    after = fast.events.merge(done[["person_id", "t"]], on=["person_id", "t"])
    assert ((after["event"] == "ceap") & after["detail"].isin(["C0", "C1"])).sum() > 20  # classes fall at once
    _same(fast, ref)
