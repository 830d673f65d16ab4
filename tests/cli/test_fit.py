"""``cvirisk fit``: the shipped rossi data gives lifelines' coefficients; bad input is exit 2 and one line.

The command runs through ``cvirisk.cli.main`` (the real error handling) with the registry
limited to ``fit``, so the test does not depend on the other commands.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter

import cvirisk.cli as cli
from cvirisk.data import dataset_path, load_rossi


@pytest.fixture
def run(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("fit",))

    def _run(*argv: str) -> tuple[int, str, str]:
        try:
            status = cli.main(["fit", *map(str, argv)])
        except SystemExit as exc:  # argparse errors
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err

    return _run


ROSSI = str(dataset_path("rossi"))


def test_rossi_cox_same_coefficients_as_lifelines(run, tmp_path):
    status, out, err = run(ROSSI, "--duration", "week", "--event", "arrest", "--model", "cox", "--out", tmp_path)
    assert status == 0, err
    got = pd.read_csv(tmp_path / "summary.csv").set_index("covariate")
    ref = CoxPHFitter().fit(load_rossi(), "week", "arrest").summary  # Efron ties, lifelines' default
    assert got.columns.tolist() == ref.columns.tolist()
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-9)
    assert {"hazard_ratios.html", "report.md", "report.json"} <= {p.name for p in tmp_path.iterdir()}
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["rows_used"] == 432 and report["events"] == 114


def test_rossi_other_models(run, tmp_path):
    args = (ROSSI, "--duration", "week", "--event", "arrest")
    assert run(*args, "--model", "weibull", "--covariates", "fin,age,prio", "--out", tmp_path / "w")[0] == 0
    got = pd.read_csv(tmp_path / "w" / "summary.csv").set_index(["param", "covariate"])
    ref = WeibullAFTFitter().fit(load_rossi()[["week", "arrest", "fin", "age", "prio"]], "week", "arrest").summary
    np.testing.assert_allclose(got["coef"].to_numpy(), ref["coef"].to_numpy(), rtol=1e-6)
    assert run(*args, "--model", "km", "--strata", "fin", "--out", tmp_path / "k")[0] == 0
    km = pd.read_csv(tmp_path / "k" / "summary.csv")
    ref = KaplanMeierFitter().fit(load_rossi().query("fin == 1")["week"], load_rossi().query("fin == 1")["arrest"])
    np.testing.assert_allclose(km.loc[km["group"] == "fin=1", "survival"], ref.survival_function_.iloc[:, 0])
    assert run(*args, "--model", "pwexp", "--intervals", "5", "--out", tmp_path / "p")[0] == 0
    assert (tmp_path / "p" / "baseline_hazard.html").exists()
    assert run(*args, "--model", "cox", "--strata", "wexp", "--covariates", "fin,prio", "--out", tmp_path / "s")[0] == 0
    assert pd.read_csv(tmp_path / "s" / "summary.csv")["covariate"].tolist() == ["fin", "prio"]


def test_aj_and_mapping_and_entry(run, tmp_path):
    df = pd.DataFrame({"futime": [1.0, 2, 3, 4, 5, 6], "status": [1, 2, 1, 0, 2, 1], "start": [0, 0, 0.5, 1, 0, 0]})
    df.to_parquet(tmp_path / "c.parquet", index=False)
    status, _, err = run(tmp_path / "c.parquet", "--duration", "time", "--event", "status", "--entry", "start",
                         "--map", "futime=time", "--model", "aj", "--out", tmp_path / "o")
    assert status == 0, err
    assert "cumulative_incidence" in pd.read_csv(tmp_path / "o" / "summary.csv").columns


def test_excluded_rows_are_counted_in_the_report(run, tmp_path):
    df = load_rossi()
    df.loc[[3, 10], "age"] = np.nan
    df.to_csv(tmp_path / "r.csv", index=False)
    status, _, _ = run(tmp_path / "r.csv", "--duration", "week", "--event", "arrest", "--model", "cox",
                       "--drop-missing", "--out", tmp_path / "o")
    assert status == 0
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["rows_excluded"] == {"age": 2} and report["rows_used"] == 430
    assert "rows excluded by --drop-missing: 2 (age: 2)" in (tmp_path / "o" / "report.md").read_text()


def _bad(tmp_path, name, df=None, text=None):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    else:
        df.to_csv(path, index=False)
    return path


BASE = pd.DataFrame({"id": [1, 2, 3, 4, 5], "time": [1.0, 2, 3, 4, 5], "event": [1, 0, 1, 1, 0],
                     "x": [0.1, 0.5, 0.2, 0.9, 0.4], "entry": [0.0, 0, 0, 1, 0]})


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda: BASE.drop(columns="time"), (), "column 'time' not found"),
        (lambda: BASE.astype({"time": object}).assign(time=[1.0, 2, "soon", 4, 5]), (),
         "column 'time': non-numeric value in rows 3 (1 row)"),
        (lambda: BASE.assign(time=[1.0, -2, 3, 4, 5]), (), "column 'time': negative duration in rows 2 (1 row)"),
        (lambda: BASE.assign(time=[1.0, None, 3, 4, 5]), (), "column 'time': missing duration in rows 2 (1 row)"),
        (lambda: BASE.assign(event=[1, 0, 3, 1, 0]), (), "column 'event': event not 0/1 in rows 3 (1 row)"),
        (lambda: BASE.assign(entry=[0.0, 0, 9, 1, 0]), ("--entry", "entry"),
         "column 'entry': entry after exit ('time') in rows 3 (1 row)"),
        (lambda: BASE.assign(id=[1, 1, 3, 4, 5]), ("--id", "id"), "column 'id': duplicate ids in rows 1, 2 (2 rows)"),
        (lambda: BASE.assign(event=[0, 0, 1, 0, 0]), (), "column 'event': only 1 event"),
        (lambda: BASE.assign(x=1.0), (), "covariate 'x' has no variance"),
        (lambda: "empty", (), "the file is empty"),
        (lambda: "header", (), "the file has no data rows"),
        (lambda: BASE, ("--covariates", "nope"), "column 'nope' not found"),
        (lambda: BASE, ("--map", "nonsense"), "--map 'nonsense': expected OLD=NEW"),
    ],
)
def test_bad_input_exit_2_one_line(run, tmp_path, make, extra, message):
    made = make()
    if isinstance(made, str):
        path = _bad(tmp_path, "c.csv", text="" if made == "empty" else "time,event,x\n")
    else:
        path = _bad(tmp_path, "c.csv", df=made)
    status, out, err = run(path, "--duration", "time", "--event", "event", "--covariates", "x", *extra,
                           "--model", "cox", "--out", tmp_path / "o")
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    prefix = "cvirisk fit: error: " + ("" if message.startswith("--") else "c.csv: ")
    assert err.startswith(prefix) and message in err, err
    assert not (tmp_path / "o" / "summary.csv").exists()


def test_model_specific_errors(run, tmp_path):
    path = _bad(tmp_path, "c.csv", df=BASE.assign(time=[0.0, 2, 3, 4, 5]))
    status, _, err = run(path, "--duration", "time", "--event", "event", "--covariates", "x", "--model", "weibull",
                         "--out", tmp_path / "o")
    assert status == 2 and "zero duration" in err
    status, _, err = run(path, "--duration", "time", "--event", "event", "--covariates", "x", "--model", "pwexp",
                         "--strata", "id", "--out", tmp_path / "o")
    assert status == 2 and "--strata is supported by km, aj and cox" in err
    status, _, err = run(path, "--duration", "time", "--event", "event", "--covariates", "x", "--model", "km",
                         "--out", tmp_path / "o")
    assert status == 2 and "--model km takes no covariates" in err
    status, _, err = run(path, "--duration", "time", "--event", "event", "--model", "magic", "--out", tmp_path)
    assert status == 2 and "invalid choice" in err


def _age_cohort(n=6000, seed=31):
    from cvirisk.random import generator

    rng = generator(seed, "test.cli.overlay")
    age0 = rng.uniform(30, 70, n)
    female = (rng.random(n) < 0.5).astype(float)
    bmi5 = rng.standard_normal(n)
    target = rng.exponential(size=n) * np.exp(-(np.log(1.3) * female + np.log(1.25) * bmi5))
    rate, slope = 0.004, 0.07  # illustrative Gompertz baseline at 50 and log slope
    age_event = 50 + np.log(target * slope / rate + np.exp(slope * (age0 - 50))) / slope
    end = age0 + 15
    return pd.DataFrame({"age_in": age0, "age_out": np.minimum(age_event, end),
                         "dvt": (age_event <= end).astype(int), "female": female, "bmi5": bmi5})


def test_overlay_drives_the_simulator_parameters(run, tmp_path):
    params = pytest.importorskip("cvirisk.params")
    _age_cohort().to_csv(tmp_path / "c.csv", index=False)
    status, _, err = run(tmp_path / "c.csv", "--duration", "age_out", "--event", "dvt", "--entry", "age_in",
                         "--model", "pwexp", "--breakpoints", ",".join(str(a) for a in range(35, 85, 5)),
                         "--overlay", "dvt", "--rename", "bmi5=bmi_per_5", "--time-scale", "age", "--out", tmp_path / "o")
    assert status == 0, err
    loaded = params.load_params(tmp_path / "o" / "params_overlay.yaml")
    overlay = json.loads((tmp_path / "o" / "overlay.json").read_text())
    for key, value in overlay.items():
        assert params.get_value(loaded, key.removesuffix(".value")) == pytest.approx(value)
    summary = pd.read_csv(tmp_path / "o" / "summary.csv").set_index("covariate")
    hr = params.get_value(loaded, "natural_history.transitions.dvt.hazard_ratios.bmi_per_5")
    assert hr == pytest.approx(np.exp(summary.loc["bmi5", "coef"]), rel=1e-5)
    assert abs(np.log(hr) - np.log(1.25)) < 3 * summary.loc["bmi5", "se(coef)"]  # true value within 3 SE
    assert params.get_value(loaded, "natural_history.transitions.dvt.rate_per_year") == pytest.approx(0.004, rel=0.3)


def test_overlay_errors(run, tmp_path):
    _age_cohort(800).to_csv(tmp_path / "c.csv", index=False)
    base = (tmp_path / "c.csv", "--duration", "age_out", "--event", "dvt", "--entry", "age_in", "--out", tmp_path / "o")
    status, _, err = run(*base, "--model", "cox", "--overlay", "dvt")
    assert status == 2 and "'bmi5' are not hazard-ratio features" in err
    status, _, err = run(*base, "--model", "weibull", "--overlay", "dvt")
    assert status == 2 and "--overlay needs hazard ratios" in err
    status, _, err = run(*base, "--model", "cox", "--overlay", "warp_drive", "--rename", "bmi5=bmi_per_5")
    assert status == 2 and "unknown transition 'warp_drive'" in err


# --- issue 15: the bad cases of the analyst's survival toolkit, through the command line ---------

BMT = str(dataset_path("bmt"))
VETERAN = str(dataset_path("veteran"))


def test_aj_with_events_at_time_zero_bmt_gives_finite_curves(run, tmp_path):
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    for extra in ((), ("--strata", "dis")):
        out = tmp_path / f"o{len(extra)}"
        status, _, err = run(BMT, "--duration", "ftime", "--event", "status", "--model", "aj", *extra, "--out", out)
        assert status == 0, err
        summary = pd.read_csv(out / "summary.csv")
        assert np.isfinite(summary[["cumulative_incidence", "lower", "upper"]].to_numpy()).all()
    df = pd.read_csv(BMT)
    times, cif = cumulative_incidence_competing_risks(df["status"].to_numpy(), df["ftime"].to_numpy(float))
    whole = pd.read_csv(tmp_path / "o0" / "summary.csv")
    step = np.searchsorted(whole["timeline"].to_numpy(), times, side="right") - 1  # the curve as a step function
    np.testing.assert_allclose(whole["cumulative_incidence"].to_numpy()[step], cif[1], atol=1e-12)


def test_fine_gray_model_on_bmt(run, tmp_path):
    status, _, err = run(BMT, "--duration", "ftime", "--event", "status", "--model", "fg", "--covariates", "dis",
                         "--event-of-interest", "2", "--out", tmp_path)
    assert status == 0, err
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("covariate")
    assert summary.loc["dis", "coef"] < 0  # AML relapses less than ALL in these data
    report = json.loads((tmp_path / "report.json").read_text())
    assert any("subdistribution" in n for n in report["notes"])


def test_entry_equal_to_exit_is_exit_2_for_every_model(run, tmp_path):
    df = BASE.assign(entry=[0.0, 2.0, 0, 1, 0])  # row 2 enters when it leaves
    path = _bad(tmp_path, "c.csv", df=df)
    for model in ("cox", "weibull", "km", "pwexp"):
        covs = ("--covariates", "x") if model != "km" else ()
        status, _, err = run(path, "--duration", "time", "--event", "event", "--entry", "entry", *covs,
                             "--model", model, "--out", tmp_path / model)
        assert status == 2 and err.count("\n") == 1, err
        assert "column 'entry': entry equal to exit ('time'; a row must be observed for some time) in rows 2" in err
        assert not (tmp_path / model).exists()


def test_text_covariates_and_formula_veteran(run, tmp_path):
    status, _, err = run(VETERAN, "--duration", "time", "--event", "status", "--covariates", "karno,celltype,trt",
                         "--model", "cox", "--out", tmp_path / "a")
    assert status == 0, err
    names = pd.read_csv(tmp_path / "a" / "summary.csv")["covariate"].tolist()
    assert names == ["karno", "celltype[T.large]", "celltype[T.smallcell]", "celltype[T.squamous]", "trt[T.test]"]
    status, _, err = run(VETERAN, "--duration", "time", "--event", "status", "--model", "cox", "--formula",
                         "karno + C(celltype, contr.treatment('squamous')) + bs(age, df=3)", "--out", tmp_path / "b")
    assert status == 0, err
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["formula"].startswith("karno + C(celltype") and len(report["covariates"]) == 7
    assert (tmp_path / "b" / "ph_test.csv").exists() and (tmp_path / "b" / "schoenfeld.html").exists()


def test_id_like_columns_are_left_out_and_checked(run, tmp_path):
    df = load_rossi().assign(person_id=np.arange(1, 433))
    df.to_csv(tmp_path / "r.csv", index=False)
    status, _, err = run(tmp_path / "r.csv", "--duration", "week", "--event", "arrest", "--model", "cox",
                         "--out", tmp_path / "o")
    assert status == 0, err
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert "person_id" not in report["covariates"]
    df.loc[5, "person_id"] = 1
    df.to_csv(tmp_path / "r.csv", index=False)
    status, _, err = run(tmp_path / "r.csv", "--duration", "week", "--event", "arrest", "--model", "cox",
                         "--out", tmp_path / "p")
    assert status == 2 and "column 'person_id': duplicate ids in rows 1, 6 (2 rows)" in err


def test_overlay_rename_checks_units_and_warns_of_age_confounding(run, tmp_path):
    rng = np.random.default_rng(5)
    n = 600
    bmi = rng.normal(27, 4, n)
    df = pd.DataFrame({"t": rng.exponential(5, n), "e": (rng.random(n) < 0.7).astype(int), "bmi": bmi,
                       "bmi5": (bmi - 25) / 5})
    df.to_csv(tmp_path / "c.csv", index=False)
    base = (tmp_path / "c.csv", "--duration", "t", "--event", "e", "--model", "cox", "--overlay", "dvt")
    status, _, err = run(*base, "--covariates", "bmi", "--rename", "bmi=bmi_per_5", "--out", tmp_path / "a")
    assert status == 2 and "covariate 'bmi (as bmi_per_5)' has values outside -4 to 8" in err
    assert not (tmp_path / "a").exists()
    status, _, err = run(*base, "--covariates", "bmi5", "--rename", "bmi5=bmi_per_5", "--out", tmp_path / "b")
    assert status == 0, err
    assert "warning: the fit for 'dvt' is on time since baseline with no age covariate" in err
    assert "WARNING: the fit for 'dvt'" in (tmp_path / "b" / "report.md").read_text()


# --- issue 16 (a): argument checks of cvirisk fit, before any work ------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--duration", "time", "--event", "time", "--model", "km"),
         "column 'time' is given as both duration and event"),
        (("--duration", "time", "--event", "event", "--model", "pwexp", "--covariates", "x", "--intervals", "-3"),
         "--intervals -3: must be a whole number of at least 1"),
        (("--duration", "time", "--event", "event", "--model", "pwexp", "--covariates", "x", "--intervals", "0"),
         "--intervals 0: must be a whole number of at least 1"),
        (("--duration", "time", "--event", "event", "--model", "aj", "--event-of-interest", "99"),
         "--event-of-interest 99: no row of column 'event' has that cause (causes present: 1)"),
        (("--duration", "time", "--event", "event", "--model", "aj", "--event-of-interest", "0"),
         "--event-of-interest 0: causes are coded 1, 2, ..."),
        (("--duration", "time", "--event", "event", "--model", "cox", "--covariates", "x", "--step-size", "2"),
         "--step-size 2.0: must be in (0, 1]"),
        (("--duration", "time", "--event", "event", "--model", "cox", "--covariates", "x", "--penalizer", "-1"),
         "--penalizer -1.0: must be 0 or more"),
        (("--duration", "time", "--event", "event", "--model", "cox", "--formula", "x + nope"), "--formula"),
    ],
)
def test_fit_arguments_exit_2_one_line_nothing_written(run, tmp_path, args, message):
    path = _bad(tmp_path, "c.csv", df=BASE)
    status, out, err = run(path, *args, "--out", tmp_path / "o")
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and message in err, err
    assert not (tmp_path / "o").exists()


def test_validate_writes_apparent_and_optimism_corrected_figures(run, tmp_path):
    status, _, err = run(ROSSI, "--duration", "week", "--event", "arrest", "--covariates", "fin,age,prio",
                         "--model", "cox", "--validate", "10", "--horizons", "20,40", "--seed", "3",
                         "--out", tmp_path / "a")
    assert status == 0, err
    table = pd.read_csv(tmp_path / "a" / "validation.csv")
    assert set(table["horizon"]) == {20.0, 40.0} and {"apparent", "optimism", "corrected"} <= set(table.columns)
    np.testing.assert_allclose(table["corrected"], table["apparent"] - table["optimism"])
    run(ROSSI, "--duration", "week", "--event", "arrest", "--covariates", "fin,age,prio", "--model", "cox",
        "--validate", "10", "--horizons", "20,40", "--seed", "3", "--out", tmp_path / "b")
    assert (tmp_path / "a" / "validation.csv").read_bytes() == (tmp_path / "b" / "validation.csv").read_bytes()
    status, _, err = run(ROSSI, "--duration", "week", "--event", "arrest", "--model", "km", "--validate", "5",
                         "--out", tmp_path / "c")
    assert status == 2 and "--validate needs a model with covariates" in err and not (tmp_path / "c").exists()


def test_collinear_covariates_and_convergence_controls(run, tmp_path):
    df = load_rossi().assign(prio2=lambda d: 2 * d["prio"])
    df.to_csv(tmp_path / "c.csv", index=False)
    status, _, err = run(tmp_path / "c.csv", "--duration", "week", "--event", "arrest", "--model", "cox",
                         "--out", tmp_path / "a")
    assert status == 2 and err.count("\n") == 1
    assert "c.csv: covariates: 'prio2' is a linear combination of the other covariates" in err
    status, _, err = run(ROSSI, "--duration", "week", "--event", "arrest", "--model", "cox", "--step-size", "0.5",
                         "--max-steps", "200", "--penalizer", "0.01", "--out", tmp_path / "b")
    assert status == 0, err
    ref = CoxPHFitter(penalizer=0.01).fit(load_rossi(), "week", "arrest")
    got = pd.read_csv(tmp_path / "b" / "summary.csv").set_index("covariate")["coef"]
    np.testing.assert_allclose(got.to_numpy(), ref.params_.to_numpy(), atol=1e-4)
