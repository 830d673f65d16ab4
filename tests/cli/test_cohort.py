"""``cvirisk cohort``: files by extension, same seed same bytes, conditions, exit status 2 on bad input.

Runs through :func:`cvirisk.cli.main`, the entry point of the ``cvirisk`` script.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cvirisk.cli import main as cli_main
from cvirisk.cohort import CohortSpec, generate_cohort


def _run(argv):
    return cli_main(["cohort", *argv])


RUNNERS = [pytest.param(_run, id="cvirisk-main")]


@pytest.mark.parametrize("run", RUNNERS)
def test_parquet_same_seed_same_bytes_and_csv(run, tmp_path, capsys):
    for name, seed in (("a.parquet", 3), ("b.parquet", 3), ("c.parquet", 4), ("d.csv", 3)):
        assert run(["--n", "2000", "--seed", str(seed), "--out", str(tmp_path / name), "--quiet"]) == 0
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert (tmp_path / "a.parquet").read_bytes() != (tmp_path / "c.parquet").read_bytes()
    expected = generate_cohort(2000, seed=3)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), expected)
    csv = pd.read_csv(tmp_path / "d.csv")
    assert list(csv.columns) == list(expected.columns) and len(csv) == 2000
    assert "2,000 persons written" in capsys.readouterr().err


@pytest.mark.parametrize("run", RUNNERS)
def test_conditions_and_overrides_reach_the_generator(run, tmp_path):
    out = tmp_path / "c.parquet"
    argv = ["--n", "500", "--seed", "2", "--out", str(out), "--age-min", "40", "--age-max", "60", "--sex", "male",
            "--smoking", "current,former", "--oversample-obese", "2", "--set", "cohort.bmi.sd_log=0.2"]
    assert run(argv) == 0
    from cvirisk.params import load_params

    spec = CohortSpec(age_min=40, age_max=60, sex="male", smoking=("current", "former"), oversample_obese=2)
    expected = generate_cohort(500, seed=2, params=load_params(overrides={"cohort.bmi.sd_log": 0.2}), spec=spec)
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected)


@pytest.mark.parametrize("run", RUNNERS)
@pytest.mark.parametrize("argv, expected", [
    (["--age", "95"], "age 95 is outside the age bands"),
    (["--age", "50", "--age-min", "40"], "not both"),
    (["--smoking", "current,sometimes"], "smoking: 'sometimes'"),
    (["--oversample-age", "1,2"], "one factor per age band (6)"),
    (["--set", "cohort.bmi.nonsense=1"], "unknown key cohort.bmi.nonsense"),
    (["--set", "cohort.family_history.share=1.5"], "cohort.family_history.share: probability must be in [0, 1]"),
    (["--set", "novalue"], "expected KEY=VALUE"),
    (["--params", "does-not-exist.yaml"], "no such parameter file"),
])  # fmt: skip
def test_bad_input_exits_2_with_one_line(run, tmp_path, capsys, argv, expected):
    out = tmp_path / "c.parquet"
    assert run(["--n", "10", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cvirisk cohort: error: ") and expected in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("argv", [["--n", "0", "--out", "x.parquet"], ["--n", "ten", "--out", "x.parquet"],
                                  ["--n", "10", "--out", "x.txt"], ["--n", "10"], ["--n", "5", "--out", "x.csv", "--sex", "other"]])
def test_bad_arguments_exit_2_with_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = _run(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert not list(tmp_path.iterdir())
