"""Every event kind (and every fixed detail) of DESIGN.md occurs.

The fast test uses a small high-risk cohort with some rare drivers made common (congenital
absence, prior DVT, smoking from age 20, ages that reach ``max_age``); the slow test runs the
default cohort of 50,000 persons with the default parameters (a few seconds with the compiled
engine).
"""

from __future__ import annotations

import numpy as np
import pytest

from cvirisk.model.events import DETAILS, EVENT_KINDS
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.testing import uniform_cohort

#: Details written only by scenario interventions (checked in tests/scenarios), and C2r
#: (recurrent varicose veins after an operation), which the model cannot reach while surgery is
#: for ulcerated legs only (a healed ulcer keeps the leg at C5 or worse).
SCENARIO_ONLY = {("covariate", "standing_work=False"), ("covariate", "sitting_work=False"), ("ceap", "C2r")}


def missing(events, skip=()):
    kinds = events["event"].astype(str)
    details = events["detail"].astype(str)
    have = set(zip(kinds, details, strict=True))
    return [(k, d) for k, ds in DETAILS.items() for d in ds if (k, d) not in have and (k, d) not in skip]


def test_every_event_kind_and_detail_in_a_high_risk_cohort():
    rng = np.random.default_rng(3)
    n = 2000
    smoking = rng.choice(["never", "current", "former"], size=n)
    age = rng.uniform(50.0, 85.0, n)
    prior = rng.random(n) < 0.2
    cohort = uniform_cohort(
        n, age=age, sex=np.where(rng.random(n) < 0.5, "female", "male"), bmi=rng.uniform(26.0, 36.0, n),
        smoking=smoking, smoking_quit_age=np.where(smoking == "former", 30.0, np.nan),
        standing_work=rng.random(n) < 0.3, family_history=rng.random(n) < 0.5,
        prior_dvt=prior, prior_dvt_age=np.where(prior, age - 5.0, np.nan), congenital_absence=rng.random(n) < 0.05,
    )  # fmt: skip
    t = "natural_history.transitions"
    params = load_params(overrides={
        "cohort.smoking.start_age": 20.0,
        # rare complications pinned so that recalibrating the defaults cannot make them vanish here
        f"{t}.dvt.rate_per_year": 0.0004, f"{t}.pigmentation.rate_per_year": 0.0035,
        f"{t}.ulcer_open.rate_per_year": 0.012,
    })  # fmt: skip
    ev = simulate(cohort, params=params, seed=1, years=20).events
    assert set(ev["event"].astype(str)) == set(EVENT_KINDS)
    assert missing(ev, skip=SCENARIO_ONLY) == []


@pytest.mark.slow
def test_every_event_kind_in_a_default_run_of_50000():
    from cvirisk.cohort import generate_cohort

    cohort = generate_cohort(50_000, seed=1)
    ev = simulate(cohort, seed=1, years=20).events
    assert set(ev["event"].astype(str)) == set(EVENT_KINDS)
    # not reachable with the defaults by design: smoking starts at the history start (18), and
    # the oldest persons (79) leave at 99, before max_age 100
    assert missing(ev, skip={("covariate", "smoking=current"), ("exit", "max_age")} | SCENARIO_ONLY) == []
