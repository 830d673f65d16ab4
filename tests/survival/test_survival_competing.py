"""Aalen-Johansen and cause-specific hazards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter

from cvirisk.random import generator
from cvirisk.survival.competing import AalenJohansen, CauseSpecificCox


@pytest.fixture(scope="module")
def cr_data():
    rng = generator(5, "test.cr")
    n = 400
    x = (rng.random(n) < 0.5).astype(float)
    t1 = rng.exponential(1 / (0.2 * np.exp(0.7 * x)))  # cause 1, hazard ratio 2.01
    t2 = rng.exponential(1 / 0.1, n)  # cause 2, no effect of x
    c = rng.exponential(1 / 0.05, n)
    time = np.minimum.reduce([t1, t2, c])
    cause = np.select([time == t1, time == t2], [1, 2], 0)
    return pd.DataFrame({"time": time, "cause": cause, "x": x})


def test_matches_lifelines_without_ties(cr_data):
    ours = AalenJohansen().fit(cr_data, "time", "cause", event_of_interest=1)
    ref = AalenJohansenFitter(calculate_variance=True).fit(cr_data["time"], cr_data["cause"], event_of_interest=1)
    got = ours.cumulative_incidence_.iloc[:, 0]
    np.testing.assert_allclose(got, ref.cumulative_density_.iloc[:, 0].reindex(got.index), atol=1e-12)
    var = ref.variance_.reindex(ours.variance_.index)
    ok = var.notna() & np.isfinite(ours.variance_)
    np.testing.assert_allclose(ours.variance_[ok], var[ok], atol=1e-12)


def test_ties_of_different_causes_exact():
    # at t=1 one event of each cause among 4 at risk: S=1/2, F1=1/4; at t=2 cause 1 among 2: F1 = 1/4 + 1/2*1/2
    df = pd.DataFrame({"time": [1.0, 1.0, 2.0, 3.0], "cause": [1, 2, 1, 0]})
    aj = AalenJohansen().fit(df, "time", "cause", 1)
    assert aj.predict([0.5, 1.0, 2.0, 5.0]).tolist() == [0.0, 0.25, 0.5, 0.5]
    assert aj.summary.columns.tolist() == ["cumulative_incidence", "lower", "upper"]


def test_delayed_entry_changes_risk_sets():
    df = pd.DataFrame({"time": [2.0, 3.0, 4.0], "cause": [1, 1, 0], "entry": [0.0, 2.5, 0.0]})
    aj = AalenJohansen().fit(df, "time", "cause", 1, entry_col="entry")
    # at t=2 persons 1 and 3 at risk (person 2 enters at 2.5): F=1/2; at t=3 two at risk: F=1/2+1/2*1/2
    assert aj.predict([2.0, 3.0]).tolist() == [0.5, 0.75]


def test_cause_specific_hazards(cr_data):
    cs = CauseSpecificCox().fit(cr_data, "time", "cause", covariates=["x"])
    s = cs.summary
    assert set(s.index.get_level_values("cause")) == {1, 2}
    lo, hi = s.loc[(1, "x"), "coef lower 95%"], s.loc[(1, "x"), "coef upper 95%"]
    assert lo < 0.7 < hi
    cif = cs.predict_cumulative_incidence(pd.DataFrame({"x": [0.0, 1.0]}), [1.0, 5.0])
    assert cif.shape == (2, 2) and (np.diff(cif, axis=0) >= 0).all() and (cif[:, 1] > cif[:, 0]).all()
    # with x=0 the two causes compete at 0.2 and 0.1 per year: F1(5) = 0.2/0.3 (1 - exp(-1.5))
    assert cif[1, 0] == pytest.approx(2 / 3 * (1 - np.exp(-1.5)), abs=0.08)
