"""The shipped example cohort is exactly what ``synthetic/make_cohorts.py`` regenerates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from cvirisk.cohort import example_cohort, generate_cohort

ROOT = Path(__file__).resolve().parents[2]


def test_make_cohorts_check_finds_the_shipped_files_byte_identical():
    run = subprocess.run([sys.executable, str(ROOT / "synthetic" / "make_cohorts.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "example_cohort: up to date" in run.stdout


def test_example_cohort_loader(params):
    df = example_cohort()
    pd.testing.assert_frame_equal(df, generate_cohort(5_000, seed=2026, params=params))
