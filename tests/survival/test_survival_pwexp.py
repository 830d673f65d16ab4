"""Piecewise-exponential Poisson estimator: exact MLE, agrees with Cox, fast aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import PoissonRegressor

from cvirisk.data import load_rossi
from cvirisk.exceptions import InputError, NotFittedError
from cvirisk.random import generator
from cvirisk.survival.fitters import CoxPH
from cvirisk.survival.pwexp import PiecewiseExponential, person_time
from cvirisk.survival.recovery import simulate_piecewise


def test_person_time_split():
    exp, j, ev = person_time(np.array([2.5, 0.5]), np.array([1, 0]), np.array([0.0, 0.2]), np.array([1.0, 2.0]))
    assert exp.tolist() == [[1.0, 1.0, 0.5], [0.3, 0.0, 0.0]]
    assert j.tolist() == [2, 0] and ev.tolist() == [True, False]


def test_same_mle_as_an_independent_poisson_glm():
    df = simulate_piecewise(600, {"x": 0.5, "z": -0.3}, generator(1, "test.glm"), kinds={"z": "normal"})
    m = PiecewiseExponential(breakpoints=[1.0, 3.0]).fit(df, "duration", "event")
    exp, j, ev = person_time(df["duration"].to_numpy(), df["event"].to_numpy(), np.zeros(len(df)), np.array([1.0, 3.0]))
    rows, ys, ws = [], [], []
    for k in range(3):
        live = exp[:, k] > 0
        dummies = np.zeros((live.sum(), 3))
        dummies[:, k] = 1
        rows.append(np.column_stack([dummies, df.loc[live, ["x", "z"]].to_numpy()]))
        ys.append((ev & (j == k))[live] / exp[live, k])
        ws.append(exp[live, k])
    glm = PoissonRegressor(alpha=0.0, fit_intercept=False, tol=1e-12, max_iter=1000)
    glm.fit(np.vstack(rows), np.concatenate(ys), sample_weight=np.concatenate(ws))
    np.testing.assert_allclose(m.params_.to_numpy(), glm.coef_[3:], atol=1e-5)
    np.testing.assert_allclose(np.log(m.baseline_hazards_["hazard"]), glm.coef_[:3], atol=1e-5)


def test_close_to_cox_on_rossi():
    df = load_rossi()
    pw = PiecewiseExponential(n_intervals=6).fit(df, "week", "arrest")
    cox = CoxPH().fit(df, "week", "arrest")
    diff = (pw.params_ - cox.params_).abs() / cox.standard_errors_
    assert diff.max() < 0.1  # well inside each other's 95% intervals
    assert pw.summary.columns.tolist() == cox.summary.columns.tolist()


def test_aggregation_over_patterns_and_left_truncation():
    rng = generator(4, "test.agg")
    df = simulate_piecewise(8000, {"a": 0.4, "b": -0.2}, rng)
    df["entry"] = rng.uniform(0.0, 2.0, len(df))  # independent delayed entry: keep those still at risk
    df = df.loc[df["duration"] > df["entry"]].reset_index(drop=True)
    m = PiecewiseExponential(breakpoints=[1.0, 3.0]).fit(df, "duration", "event", entry_col="entry")
    assert m.n_cells_ <= 4 * 3  # 4 covariate patterns x 3 intervals
    cox = CoxPH().fit(df, "duration", "event", entry_col="entry")
    assert ((m.params_ - cox.params_).abs() < 2 * cox.standard_errors_).all()
    risk = m.predict_risk(pd.DataFrame({"a": [0.0], "b": [0.0]}), 2.0)[0]
    assert risk == pytest.approx(1 - np.exp(-(0.1 + 0.2)), abs=0.05)  # true rates 0.1, 0.2 per year


def test_errors():
    df = simulate_piecewise(200, {"x": 0.3}, generator(1, "test.err"))
    with pytest.raises(InputError, match="no events in time interval"):
        PiecewiseExponential(breakpoints=[100.0]).fit(df, "duration", "event")
    with pytest.raises(InputError, match="singular"):
        PiecewiseExponential().fit(df.assign(y=1.0), "duration", "event")
    with pytest.raises(NotFittedError):
        PiecewiseExponential().predict_risk(df, 1.0)
    with pytest.raises(InputError, match="no events"):
        PiecewiseExponential().fit(df.assign(event=0), "duration", "event")
