"""On a simulated cohort, each registered outcome equals what the table readers say.

The scenario comparison (registered outcomes) and the tables a notebook or the dashboard shows
(prevalence, incidence, cumulative incidence, waits) must not disagree about the same run.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk import generate_cohort, outcomes
from cvirisk.sim import simulate

YEARS = 10.0


@pytest.fixture(scope="module")
def run():
    cohort = generate_cohort(1500, seed=11)
    return simulate(cohort, seed=11, years=YEARS)


def test_registered_outcomes_equal_the_tables(run):
    ev = run.events
    o = outcomes.measure(ev, YEARS)
    assert o["death_rate"] == pytest.approx(outcomes.incidence(ev, "death")["rate"].iloc[0])
    assert o["ulcer_onset_rate"] == pytest.approx(
        outcomes.incidence(ev, "ceap", "C6")["rate"].iloc[0]
    )
    assert o["dvt_rate"] == pytest.approx(outcomes.incidence(ev, "dvt", "incident")["rate"].iloc[0])
    assert o["life_years"] == pytest.approx(outcomes.person_years(ev)["person_years"].iloc[0])
    prev = outcomes.prevalence(ev, run.persons, t=YEARS, by=(), weighted=False)
    assert o["cvi_prevalence_end"] == pytest.approx(
        100 * prev[["C3", "C4", "C5", "C6"]].sum(axis=1).iloc[0]
    )
    assert o["varicose_prevalence_end"] == pytest.approx(100 * prev["varicose_veins"].iloc[0])
    ci = outcomes.cumulative_incidence(
        ev, "ceap", ("C3", "C4", "C5", "C6"), times=[YEARS], exclude_prevalent=True
    )
    assert o["cvi_cumulative_incidence"] == pytest.approx(100 * ci["cif"].iloc[0])
    assert o["ulcer_years"] == pytest.approx(outcomes.ulcer_years(ev, 0.0, YEARS).sum())
    assert o["deaths"] == outcomes.deaths_by_cause(ev, 0.0, YEARS).sum()
    assert o["deaths_pe"] == outcomes.deaths_by_cause(ev, 0.0, YEARS).get("pe", 0)
    waits = outcomes.surgery_waits(ev)
    t_done = waits["t_referred"] + waits["wait_years"]
    done = waits[waits["done"] & (t_done >= 0) & (t_done <= YEARS)]
    assert o["surgeries"] == outcomes.operations(ev, 0.0, YEARS).sum() == len(done)
    if len(done):
        assert o["mean_wait_years"] == pytest.approx(done["wait_years"].mean())
    else:
        assert np.isnan(o["mean_wait_years"])
    # a run where things happened: the comparison is not of empty outcomes
    assert o["deaths"] > 0 and o["cvi_incident"] > 0 and o["ulcer_years"] > 0
