"""docs/outcomes.md is generated from the outcome registry and kept current."""

from __future__ import annotations

from pathlib import Path

from cvirisk.outcomes.docs import main

ROOT = Path(__file__).resolve().parents[2]


def test_committed_document_is_current():
    assert main(["--check", "--out", str(ROOT / "docs" / "outcomes.md")]) == 0, (
        "run: python -m cvirisk.outcomes.docs"
    )


def test_check_sees_a_stale_document(tmp_path):
    out = tmp_path / "outcomes.md"
    assert main(["--out", str(out)]) == 0
    assert main(["--check", "--out", str(out)]) == 0
    out.write_text(out.read_text().replace("person-years", "person-days", 1))
    assert main(["--check", "--out", str(out)]) == 1
