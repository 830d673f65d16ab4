"""Every study design on a tiny simulated cohort returns a value in range with an interval."""

import numpy as np
import pytest

from cvirisk.calibration import DESIGNS, evaluate, load_targets
from cvirisk.params import load_params

UNIT_RANGE = {"percent": (0.0, 100.0), "per 100000 person-years": (0.0, 1e5), "hazard ratio": (0.0, 50.0), "relative risk": (0.0, 50.0)}


@pytest.fixture(scope="module")
def table():
    return evaluate(load_params(), load_targets(), seed=3, n=1500, engine="fast")


def test_every_target_has_a_design():
    t = load_targets()
    produced = {tid for d in DESIGNS.values() for tid in d.targets}
    assert set(t.index) == produced


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_design_on_a_tiny_cohort(table, design):
    for tid in DESIGNS[design].targets:
        r = table.loc[tid]
        lo, hi = UNIT_RANGE[r["unit"]]
        assert np.isfinite(r["simulated"]), tid
        assert lo <= r["sim_low"] <= r["simulated"] <= r["sim_high"] <= hi, tid
        assert r["distance"] >= 0


def test_common_random_numbers_same_seed_same_values():
    t = load_targets().loc[["bonn1_c0_all", "bonn1_reflux_deep"]]
    a = evaluate(load_params(), t, seed=5, n=800)
    b = evaluate(load_params(), t, seed=5, n=800)
    assert a["simulated"].tolist() == b["simulated"].tolist()
