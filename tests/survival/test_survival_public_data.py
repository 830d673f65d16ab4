"""Regression tests of issue 15, each on the public data set (or simulation) that exposed it.

References are computed at test time by independent libraries (scikit-survival, lifelines,
statsmodels) or by a direct implementation of the published estimator, never by the code
under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from cvirisk.data import load_bmt, load_rossi, load_veteran
from cvirisk.random import generator
from cvirisk.survival.competing import AalenJohansen, FineGray
from cvirisk.survival.fitters import CoxPH, KaplanMeier
from cvirisk.survival.metrics import calibration
from cvirisk.survival.pwexp import PiecewiseExponential


def test_aalen_johansen_counts_events_at_time_zero_bmt():
    """bmt has two events at ftime = 0; the curve must be finite and equal scikit-survival's."""
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    df = load_bmt()
    assert (df["ftime"] == 0).sum() == 2
    times, cif = cumulative_incidence_competing_risks(df["status"].to_numpy(), df["ftime"].to_numpy(float))
    for cause in (1, 2):
        aj = AalenJohansen().fit(df, "ftime", "status", event_of_interest=cause)
        got = aj.predict(times)
        assert np.isfinite(aj.summary.to_numpy()).all()
        np.testing.assert_allclose(got, cif[cause], atol=1e-12)
    with pytest.raises(Exception, match="event of interest 99"):
        AalenJohansen().fit(df, "ftime", "status", event_of_interest=99)


def _competing(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Constant cause-specific hazards 0.10 exp(0.7 x) and 0.15, censoring 0.05: the true CIF is known."""
    rng = generator(seed, "test.competing.calibration")
    x = rng.standard_normal(n)
    h1, h2 = 0.10 * np.exp(0.7 * x), np.full(n, 0.15)
    t_event = rng.exponential(1.0 / (h1 + h2))
    cause = np.where(rng.random(n) < h1 / (h1 + h2), 1, 2)
    censor = np.minimum(rng.exponential(1 / 0.05, n), 10.0)
    time = np.minimum(t_event, censor)
    status = np.where(t_event <= censor, cause, 0)
    return pd.DataFrame({"time": time, "status": status, "x": x}), h1 / (h1 + h2) * (1 - np.exp(-5 * (h1 + h2)))


def test_calibration_with_competing_risks_compares_cumulative_incidences():
    """Correct predictions (the true CIF at 5 years) must show a small ICI, not 0.1.

    Tolerance: with n = 4000 and about 1,200 cause-1 events, the smoothed observed curve
    has a standard error of a few hundredths at most; the old comparison with
    1 - exp(-cause-specific cumulative hazard) gave 0.10 on data like these.
    """
    df, true_risk = _competing(4000, 3)
    res = calibration(df["time"].to_numpy(), df["status"].to_numpy(), true_risk, 5.0)
    assert res["ici"] < 0.03
    censored_view = calibration(df["time"].to_numpy(), np.where(df["status"] == 1, 1, 0), true_risk, 5.0)
    assert censored_view["ici"] > 0.06  # the wrong comparison the fix replaced


def test_pwexp_log_likelihood_is_the_survival_likelihood_rossi():
    """Adding a noise covariate can only raise a maximised likelihood; the value is independent of cells."""
    df = load_rossi()
    base = PiecewiseExponential(n_intervals=6).fit(df, "week", "arrest")
    noisy = df.assign(noise=generator(7, "test.noise").standard_normal(len(df)))
    more = PiecewiseExponential(n_intervals=6).fit(noisy, "week", "arrest")
    assert more.log_likelihood_ >= base.log_likelihood_
    # the same value summed person by person: sum(d log h) - sum(H)
    b = base.baseline_hazards_
    x = df[base.covariates_].to_numpy(float) @ base.params_.to_numpy()
    edges = np.concatenate([b["start"].to_numpy(), [np.inf]])
    lo = np.maximum(0.0, edges[None, :-1])
    hi = np.minimum(df["week"].to_numpy(float)[:, None], edges[None, 1:])
    cum = (np.clip(hi - lo, 0, None) * b["hazard"].to_numpy()[None, :]).sum(axis=1) * np.exp(x)
    k = np.searchsorted(base.breakpoints_, df["week"].to_numpy(float), side="left")
    ll = float((df["arrest"] * (np.log(b["hazard"].to_numpy()[k]) + x)).sum() - cum.sum())
    assert base.log_likelihood_ == pytest.approx(ll, rel=1e-8)


def test_cox_risk_is_a_step_function_between_event_times_rossi_months():
    """Rossi grouped to months: at a horizon between event months the risk equals the last step's."""
    df = load_rossi()
    df = df.assign(month=np.ceil(df["week"] / 4.345)).drop(columns="week")
    cox = CoxPH().fit(df, "month", "arrest")
    at_step, between = cox.predict_risk(df, 4.0), cox.predict_risk(df, 4.5)
    np.testing.assert_allclose(between, at_step, rtol=1e-12)
    # and at an event time it equals lifelines' own prediction there
    from lifelines import CoxPHFitter

    ref = 1 - CoxPHFitter().fit(df, "month", "arrest").predict_survival_function(df, times=[4.0]).to_numpy()[0]
    np.testing.assert_allclose(at_step, ref, rtol=1e-9)


def _crr_breslow(time, cause, x, k=1):
    """Fine & Gray (1999) weighted partial likelihood written out directly (Breslow ties, as cmprsk's crr).

    Censoring weights from lifelines' Kaplan-Meier of the censoring times. Independent of
    cvirisk's data-set construction and of lifelines' Cox fitter.
    """
    from lifelines import KaplanMeierFitter

    km = KaplanMeierFitter().fit(time, cause == 0)
    sf = km.survival_function_.iloc[:, 0]

    def g_before(t):
        idx = np.searchsorted(sf.index.to_numpy(), t, side="left") - 1
        return np.where(idx >= 0, sf.to_numpy()[np.clip(idx, 0, None)], 1.0)

    tk = np.unique(time[cause == k])
    w = np.zeros((len(tk), len(time)))
    for j, t in enumerate(tk):
        w[j] = np.where(time >= t, 1.0, 0.0)
        comp = (cause != 0) & (cause != k) & (time < t)
        w[j, comp] = g_before(t) / g_before(time[comp])
    d = np.array([(time == t) & (cause == k) for t in tk], float)

    def negll(beta):
        eta = x @ beta
        return -float(((d @ eta) - d.sum(axis=1) * np.log(w @ np.exp(eta))).sum())

    return minimize(negll, np.zeros(x.shape[1]), method="BFGS", options={"gtol": 1e-10}).x


def test_fine_gray_equals_the_direct_estimating_equation_bmt_with_ties():
    """bmt (integer months, tied times, events at 0): the same Breslow-tie estimate as the direct formula."""
    df = load_bmt()
    for cause in (1, 2):
        fg = FineGray().fit(df, "ftime", "status", cause, covariates=["dis"])
        ref = _crr_breslow(df["ftime"].to_numpy(float), df["status"].to_numpy(), df[["dis"]].to_numpy(float), cause)
        np.testing.assert_allclose(fg.params_.to_numpy(), ref, atol=1e-5)


def test_fine_gray_equals_lifelines_weighted_cox_on_the_expanded_data_without_ties():
    """R's finegray + coxph route, done with lifelines: the same coefficients when no times tie."""
    from lifelines import CoxPHFitter

    from cvirisk.survival.competing import finegray_table

    df, _ = _competing(300, 11)
    df["z"] = (generator(12, "test.fg.z").random(len(df)) < 0.4).astype(float)
    fg = FineGray().fit(df, "time", "status", 1, covariates=["x", "z"])
    table = finegray_table(df["time"].to_numpy(), df["status"].to_numpy(), 1)
    data = df[["x", "z"]].to_numpy()[table["row"].to_numpy()]
    expanded = pd.DataFrame(data, columns=["x", "z"]).assign(
        start=table["start"], stop=table["stop"], event=table["event"], w=table["weight"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CoxPHFitter().fit(expanded, "stop", "event", entry_col="start", weights_col="w")
    np.testing.assert_allclose(fg.params_.to_numpy(), ref.params_.to_numpy(), atol=1e-6)


@pytest.mark.parametrize(("data", "atol"), [("simulated", 1e-9), ("bmt", 5e-4)])
def test_fine_gray_baseline_is_the_aalen_johansen_curve_with_no_covariate_effect(data, atol):
    """With the coefficient shrunk to zero, the product-limit of the weighted subdistribution
    hazard increments is the Aalen-Johansen cumulative incidence: exactly without tied times;
    on bmt within 5e-4, because the censoring Kaplan-Meier keeps persons with an event at a
    tied time in its risk set (R's survfit convention, which cmprsk's crr uses)."""
    df = (_competing(300, 5)[0].rename(columns={"time": "ftime"}) if data == "simulated" else load_bmt())
    df = df.assign(noise=0.0)
    df.loc[::2, "noise"] = 1.0
    fg = FineGray(penalizer=1e9).fit(df, "ftime", "status", 1, covariates=["noise"])
    assert abs(fg.params_["noise"]) < 1e-6
    h = fg.baseline_cumulative_hazard_
    product_limit = 1 - np.cumprod(1 - np.diff(np.concatenate([[0.0], h.to_numpy()])))
    aj = AalenJohansen().fit(df, "ftime", "status", 1)
    np.testing.assert_allclose(product_limit, aj.predict(h.index.to_numpy()), atol=atol)
    np.testing.assert_allclose(fg.predict_cumulative_incidence(df.iloc[:1], h.index)[:, 0],
                               aj.predict(h.index.to_numpy()), atol=0.01)


def test_kaplan_meier_interval_scales_from_statsmodels_greenwood_errors():
    """R's default (conf.type = "log") and lifelines' log(-log), built from statsmodels' Greenwood SE."""
    from scipy import stats
    from statsmodels.duration.survfunc import SurvfuncRight

    df = load_veteran()
    sm = SurvfuncRight(df["time"], df["status"])
    surv, se = sm.surv_prob, sm.surv_prob_se
    z = stats.norm.isf(0.025)
    ok = (surv > 0) & (surv < 1)
    s, se = surv[ok], se[ok]
    expected = {
        "log": (s * np.exp(-z * se / s), np.minimum(1, s * np.exp(z * se / s))),
        "log-log": (s ** np.exp(z * se / (s * np.abs(np.log(s)))), s ** np.exp(-z * se / (s * np.abs(np.log(s))))),
        "plain": (np.maximum(0, s - z * se), np.minimum(1, s + z * se)),
    }
    for ci, (lo, hi) in expected.items():
        got = KaplanMeier(ci=ci).fit(df, "time", "status").summary.loc[sm.surv_times[ok]]
        np.testing.assert_allclose(got["lower"].to_numpy(), lo, atol=1e-6)
        np.testing.assert_allclose(got["upper"].to_numpy(), hi, atol=1e-6)


def test_text_covariates_through_a_formula_veteran():
    """celltype and trt are text: encoded with a reference level, the Cox fit equals lifelines' formula fit."""
    from lifelines import CoxPHFitter

    from cvirisk.io.cohort_file import CohortColumns
    from cvirisk.survival.cohort_fit import fit_model

    df = load_veteran()
    res = fit_model(df, CohortColumns("time", "status"), "cox",
                    formula="karno + C(celltype, contr.treatment('squamous')) + trt", ph_test=False)
    ref = CoxPHFitter().fit(df, "time", "status", formula="karno + C(celltype, contr.treatment('squamous')) + trt")
    np.testing.assert_allclose(res.model.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-6)
    risk = res.predict_risk(pd.DataFrame({"karno": [60.0], "celltype": ["adeno"], "trt": ["test"]}), 100.0)
    assert 0 < risk[0] < 1


def test_convergence_controls_reach_lifelines():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = CoxPH(step_size=0.1).fit(load_rossi(), "week", "arrest")
    b = CoxPH().fit(load_rossi(), "week", "arrest")
    np.testing.assert_allclose(a.params_.to_numpy(), b.params_.to_numpy(), atol=1e-4)
    from cvirisk.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning):
        CoxPH(max_steps=1).fit(load_rossi(), "week", "arrest")


def test_cohort_fit_predictions_equal_lifelines_after_the_ph_test_rossi():
    """fit_model runs the PH test after the fit; the model's coefficients and risks must not change."""
    from lifelines import CoxPHFitter

    from cvirisk.io.cohort_file import CohortColumns
    from cvirisk.survival.cohort_fit import fit_model

    df = load_rossi()[["week", "arrest", "fin", "age", "prio"]]
    res = fit_model(df, CohortColumns("week", "arrest", covariates=("fin", "age", "prio")), "cox")
    assert res.checks is not None
    ref = CoxPHFitter().fit(df, "week", "arrest")
    np.testing.assert_allclose(res.model.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-9)
    expected = 1 - ref.predict_survival_function(df, times=[40.0]).to_numpy()[0]  # week 40 is an event time
    np.testing.assert_allclose(res.predict_risk(df, 40.0), expected, rtol=1e-9)


def test_optimism_corrected_validation_and_risk_intervals():
    """Bootstrap validation lowers the apparent C of a model with six useless covariates (seeded:
    20 refits); a person's bootstrap risk interval covers the risk of the data-generating model
    (hazard 0.1 then 0.2 a year, HR 2 for x)."""
    from cvirisk.io.cohort_file import CohortColumns
    from cvirisk.survival.cohort_fit import evaluate_fit, fit_model, risk_interval
    from cvirisk.survival.recovery import simulate_piecewise

    noise = [f"n{i}" for i in range(6)]  # six covariates without effect: the apparent fit is optimistic
    df = simulate_piecewise(300, {"x": np.log(2.0), **dict.fromkeys(noise, 0.0)}, generator(21, "test.optimism"),
                            kinds=dict.fromkeys(noise, "normal"))
    res = fit_model(df, CohortColumns("duration", "event", covariates=("x", *noise)), "cox", ph_test=False)
    ev = evaluate_fit(res, df, [1.0, 2.0], bootstrap=20, seed=4)
    assert ev["bootstrap_used"] == 20
    assert (ev["optimism"]["harrell_c"] > 0).all()
    assert (ev["corrected"]["harrell_c"] < ev["metrics"]["harrell_c"]).all()
    person = pd.DataFrame({"x": [1.0], **{c: [0.0] for c in noise}})
    band = risk_interval(res, df, person, 2.0, n_boot=100, seed=5)
    truth = 1 - np.exp(-2.0 * (0.1 * 1 + 0.2 * 1))  # H0(2) = 0.1 + 0.2 (simulate_piecewise's rates), HR 2
    assert band.loc[0, "lower"] <= band.loc[0, "risk"] <= band.loc[0, "upper"]
    assert band.loc[0, "lower"] <= truth <= band.loc[0, "upper"]
