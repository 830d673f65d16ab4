"""The committed calibration report describes the shipped default parameters."""

from __future__ import annotations

import re
from pathlib import Path

import cvirisk

REPORT = Path(__file__).resolve().parents[2] / "reports" / "calibration" / "report.md"


def test_report_was_made_from_the_shipped_defaults():
    text = REPORT.read_text()
    recorded = re.search(r"parameters hash: `([0-9a-f]{16})`", text).group(1)
    assert recorded == cvirisk.params_hash(cvirisk.load_params()), (
        "the shipped parameters changed since the calibration report was made; "
        "rerun the command at the top of reports/calibration/report.md"
    )


def test_report_names_the_command_that_reproduces_it():
    assert re.search(r"^\s+cvirisk calibrate --report-only .*--out reports/calibration$", REPORT.read_text(), re.M)
