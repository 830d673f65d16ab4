"""A table of broken parameter files: each fails through the command line with exit status 2
and one line on stderr naming the file and the key.

The command is run through :func:`cvirisk.cli.main` and in a real ``python -m cvirisk`` process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from cvirisk.cli import main as cli_main

# name -> (YAML overlay, text the one-line message must contain: the key path and the reason)
BROKEN = {
    "unknown_key": ("cohort:\n  bmi:\n    mean_at_50_male: 27.0\n",
                    "cohort.bmi.mean_at_50_male: unknown key"),
    "negative_rate": ("natural_history:\n  transitions:\n    dvt:\n      rate_per_year: -0.001\n",
                      "natural_history.transitions.dvt: rate_per_year must be >= 0"),
    "range_low_above_high": ("natural_history:\n  transitions:\n    dvt:\n      rate_per_year: "
                             "{value: 0.0007, source: test, calibrate: {low: 0.002, high: 0.0002}}\n",
                             "natural_history.transitions.dvt.rate_per_year.calibrate: range low 0.002 > high 0.0002"),
    "probabilities_not_summing_to_1": ("cohort:\n  parity:\n    distribution: [0.3, 0.3, 0.3, 0.3, 0.3]\n",
                                       "cohort.parity: distribution: probabilities sum to 1.5, not 1"),
    "smoking_row_not_summing_to_1": ("cohort:\n  smoking:\n    male: [[0.5, 0.5, 0.5], [0.4, 0.45, 0.15], "
                                     "[0.38, 0.4, 0.22], [0.35, 0.33, 0.32], [0.36, 0.22, 0.42], [0.36, 0.14, 0.5]]\n",
                                     "cohort.smoking: male row 0: probabilities sum to 1.5"),
    "wrong_type": ("cohort:\n  bmi:\n    sd_log: sixteen\n",
                   "cohort.bmi.sd_log.value: Input should be a valid number"),
    "boolean_for_a_number": ("cohort:\n  work:\n    share: yes\n",
                             "cohort.work.share.value: expected a number, got a boolean"),
    "non_psd_correlation": ("cohort:\n  correlation:\n    matrix: [[1.0, 0.9, 0.9, 0.0], [0.9, 1.0, -0.9, 0.0], "
                            "[0.9, -0.9, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]\n",
                            "cohort.correlation: matrix must be positive definite"),
    "unordered_age_bands": ("cohort:\n  age_bands:\n    lower: [18, 40, 30, 50, 60, 70]\n    upper: [40, 30, 50, 60, 70, 80]\n",
                            "cohort.age_bands: band 1: range low 40.0 >= high 30.0"),
    "not_yaml": ("cohort: [unclosed\n", "not valid YAML at line"),
}  # fmt: skip


@pytest.fixture(params=sorted(BROKEN))
def broken(request, tmp_path):
    text, expected = BROKEN[request.param]
    path = tmp_path / f"{request.param}.yaml"
    path.write_text(text)
    return path, expected


def _check(code, err, path, expected, out):
    lines = err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1, err
    assert lines[0].startswith("cvirisk cohort: error: ")
    assert f"{path.name}: " in lines[0] and expected in lines[0], lines[0]
    assert "Traceback" not in err
    assert not out.exists()


def _argv(path, out):
    return ["--n", "10", "--seed", "1", "--out", str(out), "--params", str(path)]


def test_broken_file_through_the_cohort_command(broken, tmp_path, capsys):
    path, expected = broken
    out = tmp_path / "c.parquet"
    code = cli_main(["cohort", *_argv(path, out)])
    _check(code, capsys.readouterr().err, path, expected, out)


def test_broken_file_in_a_real_process(tmp_path):
    text, expected = BROKEN["negative_rate"]
    path = tmp_path / "negative_rate.yaml"
    path.write_text(text)
    out = tmp_path / "c.parquet"
    run = subprocess.run([sys.executable, "-m", "cvirisk", "cohort", *_argv(path, out)],
                         capture_output=True, text=True, timeout=120)
    _check(run.returncode, run.stderr, path, expected, out)
