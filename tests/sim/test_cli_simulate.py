"""``cvirisk simulate``: writes the three files, same bytes for the same arguments, exit 2 on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cvirisk.cli import main as _cvirisk_main
from cvirisk.sim.testing import uniform_cohort


def main(argv):
    return _cvirisk_main(["simulate", *argv])


def test_generated_cohort_run_writes_three_files(tmp_path, capsys):
    assert main(["--n", "40", "--seed", "3", "--years", "2", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["--n", "40", "--seed", "3", "--years", "2", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    for name in ("events.parquet", "persons.parquet", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert (manifest["n"], manifest["seed"], manifest["years"]) == (40, 3, 2.0)
    assert "40 persons" in capsys.readouterr().err


def test_cohort_file_and_overrides(tmp_path):
    path = tmp_path / "cohort.csv"
    uniform_cohort(20, age=70.0).to_csv(path, index=False)
    out = tmp_path / "run"
    rc = main(["--cohort", str(path), "--years", "1", "--out", str(out), "--quiet",
               "--set", "care.compression_adherence=0.9"])  # fmt: skip
    assert rc == 0
    ev = pd.read_parquet(out / "events.parquet")
    assert ev["person_id"].nunique() == 20


@pytest.mark.parametrize(
    "argv",
    [
        ["--n", "0"],
        ["--n", "5", "--years", "-1"],
        ["--n", "5", "--set", "care.duplex_sensitivity=2"],
        ["--n", "5", "--set", "no.such.key=1"],
        ["--cohort", "/no/such/file.parquet"],
        ["--n", "5", "--engine", "turbo"],
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main([*argv, "--out", str(tmp_path / "x"), "--quiet"]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_cohort_file_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    uniform_cohort(3).drop(columns=["bmi"]).to_csv(path, index=False)
    assert main(["--cohort", str(path), "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "bmi" in capsys.readouterr().err


def test_large_run_options_stream_units_and_collect(tmp_path, capsys):
    out = tmp_path / "big"
    args = ["--n", "300", "--seed", "4", "--years", "2", "--engine", "fast", "--surgery-approximation",
            "unlimited", "--chunk-size", "100", "--workers", "1", "--out", str(out), "--quiet"]
    assert main(args) == 0
    units = sorted(p.parent.name for p in (out / "units").rglob("summary.json"))
    assert units == ["chunk=0", "chunk=1", "chunk=2"]
    assert (out / "collected").is_dir()
