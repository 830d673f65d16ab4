"""``cvirisk scenario``: files written, same seed same bytes, PSA outputs, exit status 2 on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cvirisk.cli import main

INF = ["--set", "care.surgery_operations_per_year_per_100000=.inf"]


def _run(tmp_path, name, *extra):
    out = tmp_path / name
    argv = ["scenario", "--scenario", "smoking_down_third", "--n", "1500", "--replications", "2", "--seed", "4",
            "--years", "10", "--out", str(out), "--quiet", *INF, *extra]
    return main(argv), out


def test_writes_comparison_and_reproduces_bytes(tmp_path, capsys):
    custom = tmp_path / "quit_all.yaml"
    custom.write_text("name: quit_all\ninterventions:\n  - {type: smoking_cessation, share: 1.0, at_year: 1}\n")
    code, a = _run(tmp_path, "a", "--scenario", str(custom))
    assert code == 0
    code, b = _run(tmp_path, "b", "--scenario", str(custom))
    assert code == 0
    for name in ("comparison.csv", "replications.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    table = pd.read_csv(a / "comparison.csv")
    assert set(table["scenario"]) == {"smoking_down_third", "quit_all"}
    assert {"outcome", "baseline", "scenario_value", "difference", "lower", "upper"} <= set(table.columns)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["engine"] == ["fast"] and len(manifest["baseline"]["params_hash"]) == 16
    files = {s["name"]: s["sha256_16"] for s in manifest["scenarios"]}
    assert len(files["quit_all"]) == 16 and len(files["smoking_down_third"]) == 16
    assert "written to" in capsys.readouterr().err
    for name in ("comparison_dictionary.csv", "cost_effectiveness.csv", "report.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def _self_contained(path) -> str:
    """The page embeds plotly.js (no <script src=...>, nothing fetched), so it renders offline."""
    html = path.read_text(encoding="utf-8")
    assert "<script src=" not in html and "Plotly.newPlot" in html
    assert "function(t,e){" in html or "plotly.js v" in html.lower()  # the library itself is inline
    return html


def test_dictionary_units_and_cost_effectiveness(tmp_path):
    """Every column and every outcome of comparison.csv is defined, with a unit; CE table and report."""
    code, out = _run(tmp_path, "ce", "--wtp", "15000", "--wtp", "30000")
    assert code == 0
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    dictionary = pd.read_csv(out / "comparison_dictionary.csv", keep_default_na=False)
    cols = dictionary[dictionary["kind"] == "column"]
    outcomes = dictionary[dictionary["kind"] == "outcome"].set_index("name")
    assert list(cols["name"]) == list(table.columns)
    assert set(table["outcome"]) == set(outcomes.index)
    assert (outcomes["unit"] != "").all() and (outcomes["definition"].str.len() > 20).all()
    units = table.drop_duplicates("outcome").set_index("outcome")["unit"]
    assert (units == outcomes.loc[units.index, "unit"]).all()
    assert {"qalys_per_person", "costs_per_person", "net_monetary_benefit_at_15000", "icer"} <= set(table["outcome"])
    ce = pd.read_csv(out / "cost_effectiveness.csv")
    assert sorted(ce["wtp"]) == [15_000.0, 30_000.0]
    assert {"delta_costs", "delta_qalys", "icer", "quadrant", "nmb", "nmb_lower", "nmb_upper", "decision"} <= set(ce)
    html = _self_contained(out / "report.html")
    assert "Cost-effectiveness" in html and "net_monetary_benefit_at_30000" in html


def test_psa_outputs(tmp_path):
    code, out = _run(tmp_path, "psa", "--psa-draws", "2", "--tornado-outcome", "deaths", "--n", "500")
    assert code == 0
    for name in ("psa_draws.csv", "psa_summary.csv", "psa_correlations.csv", "tornado.csv", "tornado.html",
                 "ce_plane.csv", "ceac.csv"):  # fmt: skip
        assert (out / name).stat().st_size > 0
    assert sorted(pd.read_csv(out / "psa_draws.csv")["draw"].unique()) == [0, 1, 2]
    assert json.loads((out / "manifest.json").read_text())["psa"]["draws"] == 2
    assert sorted(pd.read_csv(out / "ce_plane.csv")["draw"].unique()) == [0, 1, 2]
    curve = pd.read_csv(out / "ceac.csv")
    assert set(curve["option"]) == {"baseline", "smoking_down_third"}
    assert np.allclose(curve.groupby("wtp")["probability"].sum(), 1.0)
    # a clinical tornado leaves out the prices and utilities (their swing there is exactly 0)
    assert not pd.read_csv(out / "tornado.csv")["parameter"].str.startswith("economics.").any()
    _self_contained(out / "tornado.html")
    html = _self_contained(out / "report.html")
    assert html.count("Plotly.newPlot") == 4  # CE plane of replications and of draws, CEAC, tornado


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\ninterventions:\n  - {type: smoking_cessation, share: 2}\n", "interventions.0.smoking_cessation.share"),
        ("name: x\ninterventions:\n  - {type: rate, key: care.nope, multiply: 2}\n", "care.nope: unknown parameter"),
        ("name: x\ninterventions:\n  - {type: referral, min_class: 4, extra: 1}\n", "extra"),
    ],
)
def test_bad_scenario_file_exit_2_one_line(tmp_path, capsys, text, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    code = main(["scenario", "--scenario", str(bad), "--n", "100", "--out", str(tmp_path / "o"), *INF])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(bad) in err and needle in err
    assert not (tmp_path / "o" / "comparison.csv").exists()


def test_other_bad_input_exit_2(tmp_path, capsys):
    assert main(["scenario", "--scenario", "nope", "--n", "100", "--out", str(tmp_path / "o")]) == 2
    assert "no such scenario" in capsys.readouterr().err
    code = main(["scenario", "--scenario", "earlier_referral", "--n", "100", "--tornado-outcome", "joy",
                 "--out", str(tmp_path / "o")])
    assert code == 2 and "joy" in capsys.readouterr().err


def test_baseline_overlay_is_hashed_in_the_manifest(tmp_path, capsys):
    overlay = tmp_path / "base.yaml"
    overlay.write_text("care:\n  compression_adherence: 0.6\n  surgery_operations_per_year_per_100000: .inf\n")
    out = tmp_path / "o"
    code = main(["scenario", "--scenario", "compression_adherence_doubled", "--baseline", str(overlay), "--n", "800",
                 "--replications", "2", "--years", "5", "--out", str(out), "--quiet"])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baseline"]["file"] == str(overlay) and len(manifest["baseline"]["sha256_16"]) == 16
    assert manifest["scenarios"][0]["interventions"] == [{"type": "compression_adherence", "multiply": 2.0}]
    overlay.write_text("care:\n  no_such_key: 1\n")
    assert main(["scenario", "--scenario", "earlier_referral", "--baseline", str(overlay), "--n", "100",
                 "--out", str(tmp_path / "p")]) == 2
    assert "no_such_key" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("economics.discount_rate_costs_per_year=1.5", "discount_rate_costs_per_year must be in [0, 1)"),
        ("economics.utilities.open_ulcer=1.2", "a utility must be at most 1"),
        ("economics.costs.surgery=-5", "surgery must be >= 0"),
    ],
)
def test_bad_economics_parameter_exit_2_one_line(tmp_path, capsys, setting, needle):
    code = main(["scenario", "--scenario", "earlier_referral", "--n", "100", "--set", setting,
                 "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and needle in err and "economics" in err


def test_bad_wtp_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse's own refusal
        main(["scenario", "--scenario", "earlier_referral", "--n", "100", "--wtp", "-3", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "--wtp" in err and "must be positive" in err
