"""cvirisk's survival estimates against independent references on public data: the comparison table.

Each row is one estimate: method, data set, quantity, the cvirisk value, the reference value,
where the reference comes from and the absolute difference. References are computed in the
same run by statsmodels, scikit-survival or lifelines, or -- for the Fine-Gray model, which
none of them has -- by a direct evaluation of Fine & Gray's weighted partial likelihood
written out in this script. Rows where cvirisk only wraps the reference library are marked
"(wrapped)": they check the plumbing, not the estimator.

Usage::

    python benchmarks/bench_survival_reference.py            # print the table
    python benchmarks/bench_survival_reference.py --write    # also write docs/survival/comparison.md

The table is deterministic (no random numbers, no timings), so the committed file can be
compared with a fresh run (tests/survival/test_survival_reference_table.py does).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "survival" / "comparison.md"
#: A difference below this is "equal to print precision" (4 significant digits of values near 1).
PRINT_PRECISION = 5e-5

warnings.filterwarnings("ignore")


def _rossi() -> pd.DataFrame:
    from cvirisk.data import load_rossi

    return load_rossi()


def _whas500() -> pd.DataFrame:
    from sksurv.datasets import load_whas500

    x, y = load_whas500()
    return pd.DataFrame({"lenfol": y["lenfol"], "fstat": y["fstat"].astype(int), "age": x["age"], "bmi": x["bmi"],
                         "hr": x["hr"], "sysbp": x["sysbp"], "gender": x["gender"].astype(int)})


def _flchain_age() -> pd.DataFrame:
    """flchain on the age scale: entry at the age of the sample, exit at the age of death or censoring."""
    from sksurv.datasets import load_flchain

    x, y = load_flchain()
    df = pd.DataFrame({"age_in": x["age"].astype(float), "age_out": x["age"] + y["futime"] / 365.25,
                       "death": y["death"].astype(int), "female": (x["sex"].astype(str) == "F").astype(float),
                       "kappa": x["kappa"], "lambda": x["lambda"]})
    return df.loc[df["age_out"] > df["age_in"]].reset_index(drop=True)


def _row(method, data, quantity, ours, ref, source):
    return {"method": method, "data": data, "quantity": quantity, "cvirisk": float(ours), "reference": float(ref),
            "source": source, "difference": abs(float(ours) - float(ref))}


def cox_rows() -> list[dict]:
    import statsmodels.api as sm
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    from cvirisk.survival.fitters import CoxPH

    rows = []
    df = _rossi()
    covs = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    ours = CoxPH().fit(df, "week", "arrest")
    ref = sm.PHReg(df["week"], df[covs], status=df["arrest"], ties="efron").fit()
    for name, value in zip(covs, ref.params, strict=True):
        rows.append(_row("Cox (Efron ties)", "rossi", f"coef {name}", ours.params_[name], value, "statsmodels PHReg"))
    sk = CoxPHSurvivalAnalysis(ties="efron").fit(df[covs], Surv.from_arrays(df["arrest"] == 1, df["week"]))
    for horizon in (20.0, 45.5):  # an event week and a horizon between event weeks
        fn = sk.predict_survival_function(df[covs].iloc[:1])[0]
        rows.append(_row("Cox risk 1 - S(t|x), Breslow baseline", "rossi", f"person 1, week {horizon:g}",
                         ours.predict_risk(df.iloc[:1], horizon)[0], 1 - fn(horizon),
                         "scikit-survival CoxPHSurvivalAnalysis"))
    w = _whas500()
    wc = ["age", "bmi", "hr", "sysbp", "gender"]
    ours = CoxPH().fit(w, "lenfol", "fstat")
    ref = sm.PHReg(w["lenfol"], w[wc], status=w["fstat"], ties="efron").fit()
    for name, value in zip(wc, ref.params, strict=True):
        rows.append(_row("Cox (Efron ties)", "whas500", f"coef {name}", ours.params_[name], value, "statsmodels PHReg"))
    fl = _flchain_age()
    fc = ["female", "kappa", "lambda"]
    ours = CoxPH().fit(fl, "age_out", "death", entry_col="age_in")
    ref = sm.PHReg(fl["age_out"], fl[fc], status=fl["death"], entry=fl["age_in"], ties="efron").fit()
    for name, value in zip(fc, ref.params, strict=True):
        rows.append(_row("Cox, delayed entry", "flchain (age scale)", f"coef {name}", ours.params_[name], value,
                         "statsmodels PHReg(entry=)"))
    # the left-truncated Breslow baseline, at zero covariates, against statsmodels' (Breslow) baseline
    sm_b = sm.PHReg(fl["age_out"], fl[fc], status=fl["death"], entry=fl["age_in"], ties="breslow").fit()
    ours_b = CoxPH().fit(fl, "age_out", "death", entry_col="age_in")
    times, cumhaz, _ = sm_b.baseline_cumulative_hazard[0]
    for age in (80.0, 90.0):
        # statsmodels stores H0 just before each event time (its value at times[j] sums the events
        # before times[j]), so H0(age) is the value at the first event time after the age
        k = np.searchsorted(times, age, side="right")
        # statsmodels fixes the Breslow coefficients; recompute ours with them for a like-for-like baseline
        from cvirisk.survival.fitters import breslow_left_truncated

        rel = np.exp(fl[fc].to_numpy() @ sm_b.params)
        h = breslow_left_truncated(fl["age_out"], fl["death"], fl["age_in"], rel, [age])[0]
        rows.append(_row("Breslow baseline, delayed entry", "flchain (age scale)", f"H0(age {age:g})", h,
                         cumhaz[k], "statsmodels PHReg baseline (left limits, shifted)"))
    del ours_b
    return rows


def km_rows() -> list[dict]:
    from sksurv.nonparametric import kaplan_meier_estimator
    from statsmodels.duration.survfunc import SurvfuncRight

    from cvirisk.data import load_veteran
    from cvirisk.survival.fitters import KaplanMeier

    rows = []
    v = load_veteran()
    t_sk, s_sk, (lo_sk, hi_sk) = kaplan_meier_estimator(v["status"] == 1, v["time"], conf_type="log-log")
    ours = KaplanMeier().fit(v, "time", "status")
    for day in (100.0, 250.0):
        k = np.searchsorted(t_sk, day, side="right") - 1
        s = ours.summary.iloc[np.searchsorted(ours.summary.index, day, side="right") - 1]
        rows.append(_row("Kaplan-Meier", "veteran", f"S({day:g} days)", s["survival"], s_sk[k], "scikit-survival"))
        rows.append(_row("KM interval, log(-log)", "veteran", f"lower 95% at {day:g}", s["lower"], lo_sk[k],
                         "scikit-survival conf_type='log-log'"))
    sm = SurvfuncRight(v["time"], v["status"])
    log_ci = KaplanMeier(ci="log").fit(v, "time", "status").summary
    for day in (100.0, 250.0):
        k = np.searchsorted(sm.surv_times, day, side="right") - 1
        s, se = sm.surv_prob[k], sm.surv_prob_se[k]
        ours_row = log_ci.iloc[np.searchsorted(log_ci.index, day, side="right") - 1]
        rows.append(_row("KM interval, log (R's default)", "veteran", f"lower 95% at {day:g}", ours_row["lower"],
                         s * np.exp(-1.959963984540054 * se / s), "statsmodels Greenwood SE, log scale"))
    fl = _flchain_age()
    ours = KaplanMeier().fit(fl, "age_out", "death", entry_col="age_in")
    sm = SurvfuncRight(fl["age_out"], fl["death"], entry=fl["age_in"])
    for age in (85.0, 95.0):
        k = np.searchsorted(sm.surv_times, age, side="right") - 1
        rows.append(_row("Kaplan-Meier, delayed entry", "flchain (age scale)", f"S({age:g}) from the first entry",
                         ours.predict([age])[0], sm.surv_prob[k], "statsmodels SurvfuncRight(entry=)"))
    return rows


def competing_rows() -> list[dict]:
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    from cvirisk.data import load_bmt
    from cvirisk.survival.competing import AalenJohansen, FineGray

    rows = []
    b = load_bmt()
    times, cif = cumulative_incidence_competing_risks(b["status"].to_numpy(), b["ftime"].to_numpy(float))
    for cause in (1, 2):
        aj = AalenJohansen().fit(b, "ftime", "status", cause)
        for month in (0.0, 12.0, 60.0):
            k = np.searchsorted(times, month, side="right") - 1
            rows.append(_row("Aalen-Johansen (events at time 0)", "bmt", f"CIF cause {cause} at {month:g}",
                             aj.predict([month])[0], cif[cause][k], "scikit-survival"))
    for cause in (1, 2):
        fg = FineGray().fit(b, "ftime", "status", cause, covariates=["dis"])
        ref = _fine_gray_direct(b["ftime"].to_numpy(float), b["status"].to_numpy(), b[["dis"]].to_numpy(float), cause)
        rows.append(_row("Fine-Gray (Breslow ties, as cmprsk crr)", "bmt", f"coef dis, cause {cause}",
                         fg.params_["dis"], ref[0], "direct weighted partial likelihood (this script)"))
    return rows


def cmprsk_printout_rows() -> list[dict]:
    """cvirisk against the numbers R printed for cmprsk's test data (cvirisk/data/cmprsk_printout.yaml)."""
    from cvirisk.data import cmprsk_printout, load_cmprsk_example
    from cvirisk.survival.competing import AalenJohansen, FineGray

    printout = cmprsk_printout()
    source = "R printout: " + printout["source"]
    df = load_cmprsk_example()
    rows = []
    first = printout["cuminc"][0]  # cuminc(ss, cc), no groups
    for cause, printed in first["estimates"].items():
        aj = AalenJohansen().fit(df, first["time"], "cc", event_of_interest=int(cause))
        for t in (1, 3):
            rows.append(_row("Aalen-Johansen (as cmprsk cuminc)", "cmprsk test data", f"CIF cause {cause} at {t}",
                             aj.predict([float(t)])[0], printed[t - 1], source))
    complete = df.dropna(subset=["cv1"]).astype({"cv1": float})
    for entry in printout["crr"]:
        fg = FineGray().fit(complete, "ss", "cc", entry["failcode"], covariates=entry["covariates"])
        fields = zip(entry["covariates"], entry["coefficients"], entry["standard_errors"], strict=True)
        for name, coef, se in fields:
            label = f"{entry['call']}: {name}"
            rows.append(_row("Fine-Gray (as cmprsk crr)", "cmprsk test data", f"{label} coef", fg.params_[name], coef,
                             source))
            rows.append(_row("Fine-Gray, robust SE (as crr)", "cmprsk test data", f"{label} se",
                             fg.standard_errors_[name], se, source))
    return rows


def _fine_gray_direct(time, cause, x, k):
    """Fine & Gray (1999) weighted partial likelihood, Breslow ties, maximised by scipy (censoring KM by lifelines)."""
    from lifelines import KaplanMeierFitter
    from scipy.optimize import minimize

    sf = KaplanMeierFitter().fit(time, cause == 0).survival_function_.iloc[:, 0]

    def g_before(t):
        i = np.searchsorted(sf.index.to_numpy(), t, side="left") - 1
        return np.where(i >= 0, sf.to_numpy()[np.clip(i, 0, None)], 1.0)

    tk = np.unique(time[cause == k])
    w = np.array([np.where(time >= t, 1.0, np.where((cause != 0) & (cause != k) & (time < t),
                                                     g_before(t) / g_before(time), 0.0)) for t in tk])
    d = np.array([(time == t) & (cause == k) for t in tk], float)

    def negll(beta):
        eta = x @ beta
        return -float(((d @ eta) - d.sum(axis=1) * np.log(w @ np.exp(eta))).sum())

    return minimize(negll, np.zeros(x.shape[1]), method="BFGS", options={"gtol": 1e-10}).x


def pwexp_rows() -> list[dict]:
    import statsmodels.api as sm
    from lifelines import WeibullAFTFitter

    from cvirisk.survival.fitters import WeibullAFT
    from cvirisk.survival.pwexp import PiecewiseExponential

    rows = []
    df = _rossi()
    covs = ["fin", "age", "prio"]
    m = PiecewiseExponential(breakpoints=[10.0, 20.0, 30.0, 40.0]).fit(df, "week", "arrest", covariates=covs)
    # reference: one row per person and interval (no aggregation), Poisson GLM with offset
    edges = np.array([0.0, 10, 20, 30, 40, np.inf])
    recs = []
    for _, r in df.iterrows():
        for j in range(5):
            lo, hi = edges[j], min(edges[j + 1], r["week"])
            if hi > lo:
                recs.append([j, hi - lo, int(r["arrest"] == 1 and r["week"] <= edges[j + 1]), *r[covs]])
    pp = pd.DataFrame(recs, columns=["j", "exposure", "d", *covs])
    design = pd.concat([pd.get_dummies(pp["j"], prefix="int").astype(float), pp[covs]], axis=1)
    glm = sm.GLM(pp["d"], design, family=sm.families.Poisson(), offset=np.log(pp["exposure"])).fit()
    for name in covs:
        rows.append(_row("piecewise exponential", "rossi", f"coef {name}", m.params_[name], glm.params[name],
                         "statsmodels GLM, person-period rows"))
    survival_ll = glm.llf + float((pp["d"] * 0).sum()) - float((pp["d"] * np.log(pp["exposure"])).sum())
    rows.append(_row("piecewise exponential", "rossi", "log-likelihood", m.log_likelihood_, survival_ll,
                     "statsmodels GLM llf - sum(d log exposure)"))
    w = WeibullAFT().fit(df, "week", "arrest", covariates=covs)
    ref = WeibullAFTFitter().fit(df[["week", "arrest", *covs]], "week", "arrest")
    for name in covs:
        rows.append(_row("Weibull AFT (wrapped)", "rossi", f"coef lambda_ {name}", w.params_[("lambda_", name)],
                         ref.params_[("lambda_", name)], "lifelines WeibullAFTFitter"))
    return rows


def metric_rows() -> list[dict]:
    from sksurv.metrics import concordance_index_censored

    from cvirisk.survival import metrics as M
    from cvirisk.survival.fitters import CoxPH

    w = _whas500()
    model = CoxPH().fit(w, "lenfol", "fstat")
    t, s = w["lenfol"].to_numpy(float), w["fstat"].to_numpy()
    rows = []
    for h in (365.0, 1000.0):
        r = model.predict_risk(w, h)
        rows.append(_row("Harrell's C (lifelines)", "whas500", f"C at {h:g} days",
                         M.harrell_c(np.minimum(t, h), np.where(t <= h, s, 0), r),
                         concordance_index_censored((t <= h) & (s == 1), np.minimum(t, h), r)[0], "scikit-survival"))
        rows.append(_row("Uno's C (wrapped)", "whas500", f"tau {h:g} days", M.uno_c(t, s, r, h),
                         _sk("concordance_index_ipcw", t, s, r, h), "scikit-survival"))
        rows.append(_row("Brier score, IPCW (wrapped)", "whas500", f"at {h:g} days", M.brier_score(t, s, r, h),
                         _sk("brier_score", t, s, r, h), "scikit-survival"))
    return rows


def _sk(name, t, s, r, h):
    import sksurv.metrics as skm
    from sksurv.util import Surv

    y = Surv.from_arrays(s == 1, t)
    if name == "concordance_index_ipcw":
        return skm.concordance_index_ipcw(y, y, r, tau=h)[0]
    return skm.brier_score(y, y, (1 - r)[:, None], [h])[1][0]


def comparison() -> pd.DataFrame:
    rows = cox_rows() + km_rows() + competing_rows() + cmprsk_printout_rows() + pwexp_rows() + metric_rows()
    out = pd.DataFrame(rows)
    out["agrees"] = out["difference"] < PRINT_PRECISION
    return out


def markdown(table: pd.DataFrame) -> str:
    import lifelines
    import sksurv
    import statsmodels

    lines = [
        "# Survival estimates against independent references",
        "",
        "Generated by `python benchmarks/bench_survival_reference.py --write`; do not edit by hand.",
        f"References computed in the same run: statsmodels {statsmodels.__version__}, scikit-survival "
        f"{sksurv.__version__}, lifelines {lifelines.__version__}. Data: rossi (lifelines), veteran and bmt "
        "(shipped in cvirisk/data from scikit-survival), whas500 and flchain (scikit-survival, loaded at run "
        "time). \"(wrapped)\" rows check plumbing around the reference library itself.",
        "",
        f"Agreement means an absolute difference below {PRINT_PRECISION:g} (print precision of 4 decimals).",
        "",
        "| method | data | quantity | cvirisk | reference | source | difference | agrees |",
        "|---|---|---|---:|---:|---|---:|:---:|",
    ]
    for r in table.itertuples(index=False):
        lines.append(f"| {r.method} | {r.data} | {r.quantity} | {r.cvirisk:.6g} | {r.reference:.6g} | {r.source} | "
                     f"{r.difference:.1e} | {'yes' if r.agrees else 'NO'} |")
    lines += [
        "",
        "## Not in the table",
        "",
        "- The \"cmprsk test data\" rows compare with numbers R printed: cmprsk's saved test output",
        "  (tests/test.Rout.save, R 1.2.1, 2001), whose script draws its data with `set.seed(2)`. The data are",
        "  re-drawn by `synthetic/make_cmprsk_example.py` (R 1.2.1's default generators, implemented anew);",
        "  every printed `cuminc` estimate is reproduced to 7 digits, which shows they are R's data",
        "  (tests/survival/test_survival_cmprsk_printout.py). The printed `crr` figures have 3-4 significant",
        "  digits; the coefficients and crr's robust (sandwich) standard errors agree to all of them.",
        "- The bmt Fine-Gray rows are checked against a direct evaluation of Fine & Gray's estimating equation",
        "  with Breslow ties (crr's ties) and censoring weights `G(t-)/G(T-)` from a Kaplan-Meier that keeps",
        "  tied events at risk (R's `survfit` convention, which crr uses). R's `finegray` + `coxph` (Efron ties)",
        "  gives slightly different coefficients on bmt's tied months; without ties the two agree",
        "  (tests/survival/test_survival_public_data.py).",
        "- A published `coxph` printout on rossi (Fox & Weisberg's appendix) was not found as quotable text.",
        "- Calibration (ICI, E50, E90) has no library reference; it is checked on simulated data with a known",
        "  true risk (tests/survival/test_survival_public_data.py).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    table = comparison()
    pd.set_option("display.width", 200)
    print(table[["method", "data", "quantity", "cvirisk", "reference", "difference", "agrees"]].to_string(index=False))
    if args.write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(markdown(table))
        print(f"wrote {DOC}")
    bad = int((~table["agrees"]).sum())
    print(f"{len(table) - bad} of {len(table)} rows agree to print precision")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
