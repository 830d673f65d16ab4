"""The shipped dataset loader and a tiny run of the pwexp benchmark (so it does not rot)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cvirisk.data import DATASETS, dataset_path, load_rossi


def test_rossi_is_shipped_with_its_source():
    df = load_rossi()
    assert df.shape == (432, 9) and int(df["arrest"].sum()) == 114
    assert dataset_path("rossi").name == "rossi.csv"
    assert "Rossi" in DATASETS["rossi"][1]
    with pytest.raises(KeyError, match="unknown dataset"):
        dataset_path("iris")


def test_benchmark_runs_small(capsys):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pwexp.py"
    spec = importlib.util.spec_from_file_location("bench_pwexp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "3000", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "speed-up cox/pwexp" in out and "inside each other's 95% intervals: yes" in out
