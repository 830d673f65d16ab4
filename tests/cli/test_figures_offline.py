"""Figures written by cvirisk render with no network: plotly.js is embedded, never fetched from a CDN."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "cvirisk"


def _plotlyjs_arguments():
    """Every ``include_plotlyjs=...`` keyword in the package, with where it is."""
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "include_plotlyjs":
                        yield f"{path.relative_to(ROOT.parent)}:{node.lineno}", kw.value


def test_no_figure_fetches_plotly_from_the_network():
    found = list(_plotlyjs_arguments())
    assert found, "the scan found no figure writers: it is looking in the wrong place"
    for where, value in found:
        # True embeds the library; a boolean expression embeds it once per page (False after the first)
        if isinstance(value, ast.Constant):
            assert value.value is True or value.value is False, (
                f"{where}: include_plotlyjs={value.value!r} needs a network"
            )
        else:
            assert not isinstance(value, ast.JoinedStr), f"{where}: include_plotlyjs from a string"


@pytest.mark.parametrize("bad", ['"cdn"', '"https://cdn.plot.ly/plotly-2.35.2.min.js"'])
def test_the_scan_sees_a_cdn(tmp_path, bad):
    tree = ast.parse(f"fig.write_html('x.html', include_plotlyjs={bad})")
    kw = tree.body[0].value.keywords[0]
    assert isinstance(kw.value, ast.Constant) and kw.value.value not in (True, False)
