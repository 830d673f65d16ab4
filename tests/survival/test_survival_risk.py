"""Risk prediction and its evaluation: metrics checked against uncensored closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.metrics import roc_auc_score

from cvirisk.exceptions import InputError
from cvirisk.random import generator
from cvirisk.survival import metrics as M
from cvirisk.survival.recovery import simulate_piecewise
from cvirisk.survival.risk import RiskModel, evaluate, valid_horizons


def test_censoring_km_by_hand():
    g_at, g_before = M.censoring_survival(np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 0]))
    np.testing.assert_allclose(g_at([0.5, 2.0, 2.5, 4.0]), [1.0, 2 / 3, 2 / 3, 0.0])
    np.testing.assert_allclose(g_before([2.0, 4.0]), [1.0, 2 / 3])


@pytest.fixture(scope="module")
def uncensored():
    rng = generator(7, "test.metrics")
    n = 500
    risk = rng.random(n)
    time = rng.exponential(1 / (0.2 + risk))
    return time, np.ones(n, dtype=int), risk


def test_without_censoring_metrics_reduce_to_plain_ones(uncensored):
    time, status, risk = uncensored
    assert M.uno_c(time, status, risk, tau=np.inf) == pytest.approx(M.harrell_c(time, status, risk))
    t = float(np.median(time))
    y = (time <= t).astype(float)
    assert M.brier_score(time, status, risk, t) == pytest.approx(np.mean((y - risk) ** 2))
    assert M.cumulative_dynamic_auc(time, status, risk, t) == pytest.approx(roc_auc_score(y, risk))


def test_calibration_of_the_true_model_is_good():
    rng = generator(8, "test.cal")
    n = 3000
    x = rng.standard_normal(n)
    rate = 0.2 * np.exp(0.8 * x)
    time = rng.exponential(1 / rate)
    true_risk = 1 - np.exp(-rate * 2.0)
    good = M.calibration(time, np.ones(n, dtype=int), true_risk, 2.0)
    bad = M.calibration(time, np.ones(n, dtype=int), np.clip(true_risk * 1.6, 0, 0.99), 2.0)
    assert good["ici"] < 0.02 < bad["ici"]
    assert good["e50"] <= good["e90"]


def test_horizons_outside_follow_up_are_dropped():
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    status = np.array([0, 1, 1, 0, 0])
    keep, dropped = valid_horizons(time, status, [0.5, 2.5, 5.0, 9.0])
    assert keep == [2.5] and set(dropped) == {0.5, 5.0, 9.0}
    assert "before the first event" in dropped[0.5] and "end of follow-up" in dropped[9.0]


@pytest.fixture(scope="module")
def fitted():
    df = simulate_piecewise(800, {"x": 0.8, "z": 0.3}, generator(9, "test.risk"), kinds={"z": "normal"})
    return df, RiskModel(covariates=["x", "z"]).fit(df, "duration", "event")


def test_evaluate_reports_everything(fitted):
    df, model = fitted
    res = evaluate(model, df, horizons=[0.001, 1.0, 2.0, 3.0, 50.0])
    m = res["metrics"]
    assert m.index.tolist() == [1.0, 2.0, 3.0]
    assert set(res["dropped"]) == {0.001, 50.0}
    assert m.columns.tolist() == ["harrell_c", "uno_c", "brier", "auc", "ici", "e50", "e90"]
    assert ((m["harrell_c"] > 0.55) & (m["auc"] > 0.55) & (m["brier"] < 0.25)).all()
    assert 0 < res["integrated_brier"] < 0.25
    assert isinstance(res["figure"], go.Figure) and len(res["figure"].data) == 4
    risk = model.predict_risk(df.iloc[:3], 2.0)
    assert risk.shape == (3,) and ((risk > 0) & (risk < 1)).all()


def test_competing_risk_model_and_default_horizons(fitted):
    df, _ = fitted
    rng = generator(10, "test.risk.cr")
    cause = np.where(df["event"] == 1, np.where(rng.random(len(df)) < 0.7, 1, 2), 0)
    data = df.assign(cause=cause, event=(cause == 1).astype(int))
    model = RiskModel(covariates=["x", "z"]).fit(data, "duration", "event", cause_col="cause")
    res = evaluate(model, data)
    assert len(res["metrics"]) == 3  # quartiles of the event times
    net = RiskModel(covariates=["x", "z"]).fit(data, "duration", "event").predict_risk(data.iloc[:5], 3.0)
    assert (model.predict_risk(data.iloc[:5], 3.0) < net).all()  # death competes: absolute risk is lower


def test_no_valid_horizon():
    df = pd.DataFrame({"duration": [1.0, 2.0, 3.0], "event": [1, 1, 0], "x": [0.0, 1.0, 0.5]})
    model = RiskModel(covariates=["x"]).fit(df, "duration", "event")
    with pytest.raises(InputError, match="no valid horizon"):
        evaluate(model, df, horizons=[10.0])
