import math

import pytest

from cvirisk.calibration import load_targets, target_distance, total_distance, within
from cvirisk.calibration.distance import needed_plans


def test_distance_is_zero_at_the_target():
    t = load_targets()
    for _, r in t.iterrows():
        assert target_distance(r["value"], r["value"], r["low"], r["high"]) == 0.0


def test_distance_scale():
    assert target_distance(11.0, 10.0) == pytest.approx(1.0)  # 10% of the value
    assert target_distance(18.2 + 1.6327, 18.2, 15.2, 21.6) == pytest.approx(1.0, rel=1e-3)
    assert math.isnan(target_distance(float("nan"), 10.0))


def test_within_rules():
    assert within(21.6, 18.2, 15.2, 21.6) == (True, "within source interval")
    assert within(21.7, 18.2, 15.2, 21.6)[0] is False
    assert within(11.9, 10.0, None, None) == (True, "within 20% of value")
    assert within(12.1, 10.0, float("nan"), float("nan"))[0] is False


def test_total_and_plans():
    import pandas as pd

    tab = pd.DataFrame({"distance": [1.0, 2.0, float("nan")]}, index=["a", "b", "c"])
    assert total_distance(tab) == 3.0
    assert total_distance(tab, ["b"]) == 2.0
    assert needed_plans(["bonn1_c0_all", "evs_vv_incidence_13y"]) == ["general"]
    assert needed_plans(["pts_after_dvt_2y", "compression_healing_hr"]) == ["vte", "ulcer"]
