"""QALYs and costs from the event log: discounting, QALY accrual on a hand-built life, costs per event."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from cvirisk.outcomes.economics import (
    ECONOMIC_OUTCOMES,
    WEEKS_PER_YEAR,
    discount_factor,
    discounted_time,
    person_economics,
)

R = 0.035
V = 1.0 / 1.035  # the annual discount factor
LN = math.log(1.035)


def _log(rows):
    """An event log from (person, t, leg, event, detail) rows (age = 50 + t)."""
    df = pd.DataFrame(rows, columns=["person_id", "t", "leg", "event", "detail"])
    df["age"] = 50.0 + df["t"]
    df["value"] = np.nan
    return df[["person_id", "age", "t", "leg", "event", "detail", "value"]]


@pytest.fixture(scope="module")
def simple(params):
    """Utilities and costs set to round numbers, so the expected totals can be computed by hand."""
    from cvirisk.params import with_overrides

    over = {f"economics.utilities.C{k}": u for k, u in enumerate([0.9, 0.88, 0.8, 0.78, 0.7, 0.75])}
    over |= {"economics.utilities.open_ulcer": 0.5, "economics.utility_decrements.dvt": 0.1,
             "economics.utility_decrements.pe": 0.2, "economics.utility_decrements.post_thrombotic_syndrome": 0.05,
             "economics.episode_years.dvt": 0.25, "economics.episode_years.pe": 0.5,
             "economics.costs.duplex_scan": 100.0, "economics.costs.compression_per_year": 50.0,
             "economics.costs.surgery": 2000.0, "economics.costs.ulcer_care_per_week": 10.0,
             "economics.costs.infection": 300.0, "economics.costs.dvt_treatment": 1000.0,
             "economics.costs.pe_treatment": 4000.0}  # fmt: skip
    return with_overrides(params, over)


def test_discounting_is_the_annual_factor_at_every_instant():
    t = np.array([0.0, 1.0, 2.0, 5.0, 10.0, 2.37])
    assert np.allclose(discount_factor(t, R), V**t, rtol=1e-13)
    # a flow of 1 a year integrates to the closed form, and to a numerical integral of (1+r)^-t
    for a, b in [(0.0, 1.0), (0.3, 7.9), (4.0, 4.0 + 1e-9), (12.5, 20.0)]:
        numeric = integrate.quad(lambda x: 1.035**-x, a, b, epsabs=1e-14)[0]
        assert discounted_time(a, b, R) == pytest.approx(numeric, rel=1e-10, abs=1e-18)
        # the textbook form (cancels digits on short spells, which expm1 keeps)
        assert discounted_time(a, b, R) == pytest.approx(
            (V**a - V**b) / LN, rel=1e-10 if b - a > 0.1 else 1e-5
        )
    assert float(discounted_time(2.0, 5.5, 0.0)) == 3.5
    assert float(discounted_time(5.0, 2.0, R)) == 0.0
    # a year of full health discounted from baseline: (1 - 1/1.035) / ln(1.035)
    assert float(discounted_time(0.0, 1.0, R)) == pytest.approx(0.9829948, abs=1e-7)
    with pytest.raises(ValueError, match="discount rate"):
        discount_factor(1.0, -0.01)


def _trajectory():
    """Person 1: C2 since before baseline, C4a at 1, ulcer (C6) at 2.5, healed (C5) at 3, DVT at 3.5,
    dies at 4 (follow-up 10). Person 2: post-thrombotic damage before baseline, C0 throughout, a
    non-fatal PE at 1, followed to the end (3 years)."""
    return _log([
        (1, -30.0, "", "entry", "history_start"), (1, -5.0, "left", "ceap", "C2"), (1, -5.0, "", "ceap", "C2"),
        (1, 0.0, "", "entry", "baseline"), (1, 1.0, "left", "ceap", "C4a"), (1, 1.0, "", "ceap", "C4"),
        (1, 2.5, "left", "ceap", "C6"), (1, 2.5, "", "ceap", "C6"), (1, 3.0, "left", "ceap", "C5"),
        (1, 3.0, "", "ceap", "C5"), (1, 3.5, "right", "dvt", "incident"), (1, 4.0, "", "death", "background"),
        (1, 4.0, "", "exit", "death"),
        (2, -30.0, "", "entry", "history_start"), (2, -2.0, "right", "valve_failure", "deep_post_thrombotic"),
        (2, 0.0, "", "entry", "baseline"), (2, 1.0, "", "pe", "nonfatal"), (2, 3.0, "", "exit", "end_of_follow_up"),
    ])  # fmt: skip


def test_qalys_of_a_hand_built_life(simple):
    e = person_economics(_trajectory(), years=10.0, params=simple)
    # person 1, undiscounted: 1 year C2, 1.5 years C4, 0.5 years open ulcer, 1 year C5, DVT 0.25 years
    assert e.loc[1, "qalys"] == pytest.approx(
        0.8 * 1 + 0.7 * 1.5 + 0.5 * 0.5 + 0.75 * 1 - 0.1 * 0.25, abs=1e-12
    )
    assert e.loc[1, "qalys"] == pytest.approx(2.825, abs=1e-12)
    # discounted: each spell's utility times (v^a - v^b) / ln(1.035)
    by_hand = (0.8 * (1 - V) + 0.7 * (V - V**2.5) + 0.5 * (V**2.5 - V**3) + 0.75 * (V**3 - V**4)
               - 0.1 * (V**3.5 - V**3.75)) / LN  # fmt: skip
    assert e.loc[1, "qalys_discounted"] == pytest.approx(by_hand, abs=1e-12)
    # person 2: C0 for 3 years, post-thrombotic syndrome from before baseline, PE from 1 to 1.5
    assert e.loc[2, "qalys"] == pytest.approx(0.9 * 3 - 0.05 * 3 - 0.2 * 0.5, abs=1e-12)
    assert e.loc[2, "qalys_discounted"] == pytest.approx(
        ((0.9 - 0.05) * (1 - V**3) - 0.2 * (V - V**1.5)) / LN, abs=1e-12
    )
    assert list(e["life_years"]) == [4.0, 3.0]


def test_follow_up_window_cuts_spells(simple):
    """Follow-up ends at 2 years: person 1's QALYs stop there; person 2 too."""
    e = person_economics(_trajectory(), years=2.0, params=simple)
    assert e.loc[1, "qalys"] == pytest.approx(0.8 + 0.7, abs=1e-12)
    assert e.loc[2, "qalys"] == pytest.approx(0.85 * 2 - 0.2 * 0.5, abs=1e-12)


def test_costs_per_event(simple):
    """Each event at its price; one duplex visit for both legs' results; an infection before
    baseline not counted; compression and ulcer care (per leg) as flows."""
    ev = _log([
        (1, 0.0, "", "entry", "baseline"),
        (1, 0.5, "", "diagnosis", "consultation"), (1, 0.5, "left", "diagnosis", "duplex_true_positive"),
        (1, 0.5, "right", "diagnosis", "duplex_true_negative"),
        (1, 0.5, "", "compression", "start"), (1, 1.5, "", "compression", "stop"),
        (1, 2.0, "left", "ceap", "C6"), (1, 2.0, "", "ceap", "C6"), (1, 2.5, "right", "ceap", "C6"),
        (1, 3.0, "left", "ceap", "C5"), (1, 3.0, "left", "infection", "ulcer"),
        (1, 3.5, "left", "surgery", "referred"), (1, 4.0, "left", "surgery", "done"),
        (1, 4.5, "right", "dvt", "incident"), (1, 5.0, "", "pe", "fatal"), (1, 5.0, "", "death", "pe"),
        (1, 5.0, "", "exit", "death"),
        (1, -1.0, "left", "infection", "ulcer"),
    ]).sort_values(["person_id", "t"], kind="stable")  # fmt: skip
    e = person_economics(ev, years=10.0, params=simple).loc[1]
    assert e["costs_duplex"] == 100.0
    assert e["costs_compression"] == pytest.approx(50.0 * 1.0)
    # left leg open from 2 to 3, right from 2.5 to death at 5: 3.5 leg-years of weekly care
    assert e["costs_ulcer_care"] == pytest.approx(10.0 * WEEKS_PER_YEAR * (1.0 + 2.5))
    assert (e["costs_infection"], e["costs_surgery"], e["costs_dvt"], e["costs_pe"]) == (
        300.0,
        2000.0,
        1000.0,
        4000.0,
    )
    assert e["costs"] == pytest.approx(
        100 + 50 + 10 * WEEKS_PER_YEAR * 3.5 + 300 + 2000 + 1000 + 4000
    )
    # discounted: events at their time, flows integrated
    assert e["costs_surgery_discounted"] == pytest.approx(2000.0 * V**4.0, rel=1e-12)
    assert e["costs_duplex_discounted"] == pytest.approx(100.0 * V**0.5, rel=1e-12)
    assert e["costs_compression_discounted"] == pytest.approx(
        50.0 * (V**0.5 - V**1.5) / LN, rel=1e-12
    )
    assert e["costs_ulcer_care_discounted"] == pytest.approx(
        10.0 * WEEKS_PER_YEAR * ((V**2 - V**3) + (V**2.5 - V**5)) / LN, rel=1e-12
    )


def test_weighted_means_and_registry_agree(simple):
    from cvirisk.outcomes import measure

    ev = _trajectory()
    w = pd.Series([3.0, 1.0], index=[1, 2])
    per = person_economics(ev, 10.0, simple)
    got = measure(ev, 10.0, w, simple, names=ECONOMIC_OUTCOMES)
    for name, column in zip(ECONOMIC_OUTCOMES, ("qalys_discounted", "costs_discounted", "qalys", "costs"),
                            strict=True):  # fmt: skip
        assert got[name] == pytest.approx((3 * per.loc[1, column] + per.loc[2, column]) / 4, rel=1e-12)


def test_simulated_cohort_is_consistent(params):
    """On a simulated cohort: QALYs below life-years, discounted below undiscounted, items add up."""
    import cvirisk

    cohort = cvirisk.generate_cohort(400, seed=3, params=params)
    ev = cvirisk.simulate(cohort, params=params, seed=3, years=10).events
    e = person_economics(ev, 10.0, params)
    assert len(e) == 400
    assert (e["qalys"] <= e["life_years"] + 1e-12).all() and (e["qalys"] > 0).all()
    assert (e["qalys_discounted"] <= e["qalys"] + 1e-12).all() and (
        e["costs_discounted"] <= e["costs"] + 1e-9
    ).all()
    items = [c for c in e.columns if c.startswith("costs_") and not c.endswith("_discounted")]
    assert np.allclose(e[items].sum(axis=1), e["costs"])


def test_docstring_examples():
    import doctest

    import cvirisk.outcomes.economics as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_both_engines_give_the_same_qalys_and_costs(params):
    """The engines agree event by event, so QALYs and costs agree to rounding (finite capacity: waits too)."""
    import cvirisk

    cohort = cvirisk.generate_cohort(150, seed=2, params=params)
    fast = cvirisk.simulate(cohort, params=params, seed=2, years=10, engine="fast").events
    ref = cvirisk.simulate(cohort, params=params, seed=2, years=10, engine="reference").events
    a, b = person_economics(fast, 10.0, params), person_economics(ref, 10.0, params)
    assert a.index.equals(b.index)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-9)
    assert a["costs"].sum() > 0
