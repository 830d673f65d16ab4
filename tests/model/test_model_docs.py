"""docs/model.md is generated from the declared model and kept current."""

from __future__ import annotations

from pathlib import Path

from cvirisk.model.docs import main, render
from cvirisk.params import load_params, with_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_model_document_is_current():
    assert main(["--check", "--out", str(ROOT / "docs" / "model.md")]) == 0, "run: python -m cvirisk.model.docs"


def test_the_document_moves_with_a_number_and_names_every_transition(tmp_path):
    params = load_params()
    text = render(params)
    for tid in params.natural_history.transitions:
        assert f"### `{tid}`" in text
    changed = with_overrides(params, {"natural_history.transitions.edema_onset.rate_per_year": 0.5})
    assert render(changed) != text
    out = tmp_path / "model.md"
    out.write_text(render(changed))
    assert main(["--check", "--out", str(out)]) == 1
