"""``cvirisk calibrate --bayes`` and ``--sobol``: bad input is one line and exit 2; a tiny run writes the report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import cvirisk.cli as cli


@pytest.fixture(autouse=True)
def only_calibrate(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("calibrate",))


def test_unknown_free_parameter_exits_2_with_one_line(tmp_path, capsys):
    code = cli.main(["calibrate", "--bayes", "--free", "natural_history.transitions.nope.rate_per_year", "--quiet",
                     "--db", str(tmp_path / "x.db"), "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert (
        code == 2
        and err.count("\n") == 1
        and "nope.rate_per_year" in err
        and "Traceback" not in err
    )


def test_unknown_sobol_target_exits_2_with_one_line(tmp_path, capsys):
    code = cli.main(["calibrate", "--sobol", "bonn9", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "bonn9" in err


def test_bad_fraction_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["calibrate", "--bayes", "--min-acceptance", "2", "--out", str(tmp_path)])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_a_tiny_bayesian_calibration_writes_posterior_report_and_checks(tmp_path, capsys):
    out, db = tmp_path / "bayes", tmp_path / "abc.db"
    args = ["calibrate", "--bayes", "--population", "6", "--generations", "1", "--abc-n", "150", "--draws", "12",
            "--ppc-draws", "2", "--workers", "1", "--free", "natural_history.transitions.dvt.rate_per_year",
            "--seed", "5", "--quiet", "--db", str(db), "--out", str(out)]  # fmt: skip
    assert cli.main(args) == 0
    md = (out / "report.md").read_text()
    assert (
        md.splitlines()[4]
        .strip()
        .startswith("cvirisk calibrate --bayes --population 6 --generations 1")
    )
    post = out / "posterior"
    draws = pd.read_csv(post / "draws.csv")
    assert (
        list(draws.columns) == ["draw", "natural_history.transitions.dvt.rate_per_year"]
        and len(draws) == 12
    )
    prov = json.loads((post / "provenance.json").read_text())
    assert (
        prov["seed"] == 5
        and prov["config"]["population_size"] == 6
        and prov["total_evaluations"] >= 6
    )
    ppc = pd.read_csv(out / "ppc.csv")
    assert {"vte_incidence_65_74", "bonn1_c0_all"} <= set(ppc["target_id"]) and ppc[
        "covered"
    ].dtype == bool
    assert (out / "figures.html").read_text().count("plotly") > 10
    # the same command again resumes from the database and writes the same draws
    assert cli.main(args) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "posterior" / "draws.csv"), draws)
