"""``cvirisk calibrate``: bad input is one line and exit 2; --report-only writes the report."""

import pytest

import cvirisk.cli as cli


@pytest.fixture(autouse=True)
def only_calibrate(monkeypatch):
    # the other commands are tested elsewhere (and may be mid-way in this tree)
    monkeypatch.setattr(cli, "COMMANDS", ("calibrate",))


def test_missing_targets_column_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "targets.csv"
    bad.write_text("target_id,quantity,population,value,low,high,unit,note\nx,share,all,1,,,percent,\n")
    code = cli.main(["calibrate", "--report-only", "--targets", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "missing column source" in err and "Traceback" not in err


def test_bad_argument_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["calibrate", "--n", "-5", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_report_only_writes_a_reproducible_report(tmp_path, capsys):
    out = tmp_path / "rep"
    args = ["calibrate", "--report-only", "--n", "1200", "--seed", "2", "--confirm-seeds", "3", "--quiet", "--out", str(out)]
    assert cli.main(args) == 0
    md = (out / "report.md").read_text()
    cmd = f"cvirisk calibrate --report-only --n 1200 --seed 2 --confirm-seeds 3 --out {out}"
    assert cmd in md.splitlines()[4]
    for name in ("report.csv", "figure.json", "figure.html"):
        assert (out / name).stat().st_size > 0
    import pandas as pd

    rep = pd.read_csv(out / "report.csv")
    assert list(rep.columns[:11]) == ["target_id", "quantity", "role", "target", "low", "high", "unit",
                                      "simulated", "sim_low", "sim_high", "distance"]  # fmt: skip
    assert len(rep) == 34
    assert "## Monte Carlo confirmation" in md and "- seed 3: fitted targets within" in md
    first = md
    assert cli.main(args) == 0
    assert (out / "report.md").read_text() == first  # same command, same bytes
