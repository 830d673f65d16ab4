"""Fitters over lifelines: same numbers as lifelines, no training data kept, plotly figures."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from lifelines import CoxPHFitter, CoxTimeVaryingFitter, KaplanMeierFitter, WeibullAFTFitter

from cvirisk.data import load_rossi
from cvirisk.exceptions import NotFittedError
from cvirisk.random import generator
from cvirisk.survival.fitters import (
    CoxPH,
    KaplanMeier,
    TimeVaryingCox,
    WeibullAFT,
    breslow_left_truncated,
)


@pytest.fixture(scope="module")
def rossi():
    return load_rossi()


def test_cox_matches_lifelines_on_rossi_with_efron_ties(rossi):
    ours = CoxPH().fit(rossi, "week", "arrest")
    ref = CoxPHFitter().fit(rossi, "week", "arrest")  # lifelines' default is Efron's ties
    pd.testing.assert_frame_equal(ours.summary, ref.summary)
    assert ours.concordance_index_ == pytest.approx(ref.concordance_index_)
    # rossi has many tied weeks; the published Efron estimate for prio is 0.0915 (lifelines docs)
    assert ours.params_["prio"] == pytest.approx(0.0915, abs=5e-4)


def test_stratified_cox_matches_lifelines(rossi):
    ours = CoxPH().fit(rossi, "week", "arrest", strata="wexp")
    ref = CoxPHFitter().fit(rossi, "week", "arrest", strata=["wexp"])
    np.testing.assert_allclose(ours.params_, ref.params_)
    np.testing.assert_allclose(ours.predict_survival_function(rossi.iloc[:5], times=[10, 30]),
                               ref.predict_survival_function(rossi.iloc[:5], times=[10, 30]))


def test_weibull_and_km_match_lifelines(rossi):
    w = WeibullAFT().fit(rossi, "week", "arrest")
    ref = WeibullAFTFitter().fit(rossi, "week", "arrest")
    pd.testing.assert_frame_equal(w.summary, ref.summary)
    km = KaplanMeier().fit(rossi, "week", "arrest")
    kref = KaplanMeierFitter().fit(rossi["week"], rossi["arrest"])
    np.testing.assert_allclose(km.survival_function_.iloc[:, 0], kref.survival_function_.iloc[:, 0])
    assert km.predict([0.5, 52])[0] == 1.0
    assert km.predict(52)[0] == pytest.approx(kref.predict(52))


def test_time_varying_cox_matches_lifelines():
    rng = generator(3, "test.tv")
    n = 200
    rows = []
    for i in range(n):
        switch, end = rng.uniform(0.5, 2), rng.uniform(2.5, 5)
        x0 = int(rng.random() < 0.5)
        rows.append((i, 0.0, switch, 0, x0))
        rows.append((i, switch, end, int(rng.random() < 0.4), 1 - x0))
    df = pd.DataFrame(rows, columns=["id", "start", "stop", "event", "x"])
    ours = TimeVaryingCox().fit(df, "id", "start", "stop", "event")
    ref = CoxTimeVaryingFitter().fit(df, id_col="id", event_col="event", start_col="start", stop_col="stop")
    np.testing.assert_allclose(ours.params_, ref.params_)


def test_fitted_models_do_not_keep_training_data():
    def fitted_size(n):
        rng = generator(1, "test.pickle")
        df = pd.DataFrame({"x": rng.standard_normal(n), "t": np.round(rng.exponential(2, n), 1) + 0.1,
                           "e": (rng.random(n) < 0.7).astype(int)})
        sizes = []
        for m in (CoxPH().fit(df, "t", "e"), WeibullAFT().fit(df, "t", "e")):
            sizes.append(len(pickle.dumps(m)))
            for obj in (m, m._lifelines, getattr(m._lifelines, "_model", None)):
                for v in vars(obj).values() if obj is not None else ():
                    assert not (hasattr(v, "__len__") and not isinstance(v, str) and len(v) == n)
        return np.array(sizes)

    small, large = fitted_size(2_000), fitted_size(20_000)
    assert (large < 1.5 * small).all()  # durations on a 0.1 grid: results do not grow with n


def test_not_fitted_and_figures(rossi):
    with pytest.raises(NotFittedError):
        _ = CoxPH().summary
    with pytest.raises(NotFittedError):
        KaplanMeier().predict(1.0)
    cox = CoxPH().fit(rossi, "week", "arrest")
    fig = cox.plot_hazard_ratios()
    assert isinstance(fig, go.Figure) and list(fig.data[0].y) == list(cox.summary.index)
    assert isinstance(KaplanMeier().fit(rossi, "week", "arrest").plot_survival_function(), go.Figure)
    assert isinstance(WeibullAFT().fit(rossi, "week", "arrest").plot_coefficients(), go.Figure)


def test_cox_baseline_respects_delayed_entry():
    """lifelines 0.30.3 ignores entry in its Breslow risk sets; ours does not."""
    rng = generator(2, "test.entry")
    n, rate = 4000, 0.05  # constant hazard 0.05 per year: H(t) - H(s) = 0.05 (t - s)
    entry = rng.uniform(0, 10, n)
    t = entry + rng.exponential(1 / rate, n)
    end = entry + 10
    df = pd.DataFrame({"entry": entry, "duration": np.minimum(t, end), "event": (t <= end).astype(int),
                       "x": rng.standard_normal(n) * 0.01})
    cox = CoxPH().fit(df, "duration", "event", entry_col="entry")
    h = cox.baseline_cumulative_hazard_.iloc[:, 0]
    inc = np.interp(15.0, h.index, h) - np.interp(5.0, h.index, h)
    assert inc == pytest.approx(rate * 10, rel=0.15)  # Poisson error of ~ 200 events: 7%
    direct = breslow_left_truncated(df["duration"], df["event"], df["entry"], np.ones(n), [5.0, 15.0])
    assert direct[1] - direct[0] == pytest.approx(inc, rel=0.05)
