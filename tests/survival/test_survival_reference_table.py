"""The comparison table in docs/survival/comparison.md: every row agrees, and the file is what the script writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_survival_reference.py"

pytest.importorskip("sksurv")
pytest.importorskip("statsmodels")


def _script():
    spec = importlib.util.spec_from_file_location("bench_survival_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_row_agrees_and_the_committed_table_is_current():
    bench = _script()
    table = bench.comparison()
    assert len(table) >= 40
    assert table["agrees"].all(), table.loc[~table["agrees"]].to_string()
    assert bench.DOC.read_text() == bench.markdown(table), "rerun: python benchmarks/bench_survival_reference.py --write"
