"""Progression curves for teaching: occupancy by sex on either log, and risk-factor contrasts with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.teaching import progression as P


def _two_logs():
    """The same two persons as a per-leg log and as the older log (one class a person, the worse leg)."""
    rows = [  # person, age, t, leg, event, detail
        (1, 18.0, -22.0, "", "entry", "history_start"), (1, 30.0, -10.0, "left", "ceap", "C2"),
        (1, 35.0, -5.0, "right", "ceap", "C4a"), (1, 38.0, -2.0, "left", "ceap", "C1"),
        (1, 40.0, 0.0, "", "entry", "baseline"), (1, 50.0, 10.0, "right", "ceap", "C6r"),
        (1, 60.0, 20.0, "", "exit", "end_of_follow_up"),
        (2, 18.0, -12.0, "", "entry", "history_start"), (2, 25.0, -5.0, "right", "ceap", "C3"),
        (2, 30.0, 0.0, "", "entry", "baseline"), (2, 45.0, 15.0, "", "death", "background"),
        (2, 45.0, 15.0, "", "exit", "death"),
    ]  # fmt: skip
    new = pd.DataFrame(rows, columns=["person_id", "age", "t", "leg", "event", "detail"]).assign(value=np.nan)
    old = new.drop(columns=["leg", "value"]).copy()
    worst = {(1, 30.0): "C2", (1, 35.0): "C4", (1, 50.0): "C6", (2, 25.0): "C3"}
    keep = [(r.event != "ceap") or (r.person_id, r.age) in worst for r in old.itertuples()]
    old = old[keep].copy()
    old.loc[old["event"] == "ceap", "detail"] = [worst[(p, a)] for p, a in
                                                 old.loc[old["event"] == "ceap", ["person_id", "age"]].to_numpy()]
    persons = pd.DataFrame({"person_id": [1, 2], "sex": ["female", "male"]})
    return new, old, persons


def test_occupancy_by_sex_reads_both_logs_alike():
    new, old, persons = _two_logs()
    a, b = P.occupancy_by_sex(new, persons), P.occupancy_by_sex(old, persons)
    assert list(a) == ["women", "men"]
    for sex in a:
        pd.testing.assert_frame_equal(a[sex], b[sex])
    women = a["women"].set_index(["age", "state"])["share"]
    assert women[(40, "C4")] == 1.0 and women[(55, "C6")] == 1.0  # C4a counts as C4, C6r as C6
    men = a["men"].set_index(["age", "state"])["share"]
    assert men[(45, "DEAD")] == 1.0


def test_risk_factor_contrast_has_intervals_and_finds_the_obesity_effect(params):
    import cvirisk

    cohort = cvirisk.generate_cohort(800, seed=11, params=params)
    c = P.risk_factor_contrast(cohort, "obesity", params=params, seed=11, years=15, n_boot=200, bootstrap_seed=1)
    assert set(c.arms["outcome"]) == set(P.OUTCOME_CLASSES) and len(c.arms) == 2 * len(P.OUTCOME_CLASSES)
    assert ((c.arms["lower"] <= c.arms["estimate"]) & (c.arms["estimate"] <= c.arms["upper"])).all()
    assert ((c.difference["lower"] <= c.difference["estimate"]) & (c.difference["estimate"] <= c.difference["upper"])).all()
    # obesity raises the hazard of edema (BMI hazard ratios in the shipped parameters): C3+ rises, clearly
    cvi = c.difference.set_index("outcome").loc["CVI (C3+)"]
    assert cvi["lower"] > 0
    again = P.risk_factor_contrast(cohort, "obesity", params=params, seed=11, years=15, n_boot=200, bootstrap_seed=1)
    pd.testing.assert_frame_equal(c.difference, again.difference)  # seeded: same numbers
    with pytest.raises(InputError, match="unknown risk factor"):
        P.risk_factor_contrast(cohort, "height", params=params, seed=1)
