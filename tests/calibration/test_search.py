"""The search recovers a known parameter from a synthetic target."""

import numpy as np
import pytest

from cvirisk.calibration import evaluate, free_parameters, load_targets
from cvirisk.calibration.search import Block, calibrate
from cvirisk.params import load_params, with_overrides

KEY = "natural_history.transitions.telangiectasia.rate_per_year"


def test_free_parameters_are_the_marked_leaves():
    free = {f.key: f for f in free_parameters(load_params())}
    assert len(free) == 14
    assert free[KEY].log and (free[KEY].low, free[KEY].high) == (0.01, 1.0)
    slope = free["natural_history.transitions.varicose_veins.log_slope_per_year"]
    assert not slope.log and slope.low == 0.0


def test_search_recovers_a_known_rate():
    truth = 0.15
    targets = load_targets().loc[["bonn1_c0_all", "bonn1_c1_all", "bonn1_c0_women"]].copy()
    known = with_overrides(load_params(), {KEY: truth})
    synth = evaluate(known, targets, seed=11, n=3000)
    # the synthetic study: its value and its Monte Carlo interval become the target
    targets["value"] = synth["simulated"]
    targets["low"] = synth["sim_low"]
    targets["high"] = synth["sim_high"]
    block = Block("test", "general", (KEY,), tuple(targets.index))
    start = with_overrides(load_params(), {KEY: 0.06})
    fitted, res = calibrate(start, targets, seed=11, n=3000, blocks=[block], max_iter=8)
    got = res.values_[KEY]
    lo, hi = res.intervals_[KEY]
    assert lo <= truth <= hi
    assert got == pytest.approx(truth, rel=0.05)
    assert res.start_[KEY] == pytest.approx(0.06)
    assert res.overlay()["natural_history"]["transitions"]["telangiectasia"]["rate_per_year"] == got
    assert np.isfinite([h["distance"] for h in res.history_]).all()
