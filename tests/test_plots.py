"""Figure builders of cvirisk.plots: the traces they draw from analysis tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cvirisk import plots


def test_occupancy_stacks_one_trace_a_state():
    occ = pd.DataFrame({"age": [40, 40, 50, 50], "state": ["C0", "DEAD", "C0", "DEAD"], "share": [0.9, 0.1, 0.7, 0.3]})
    fig = plots.occupancy_figure(occ)
    assert [t.name for t in fig.data] == ["C0", "DEAD"] and {t.stackgroup for t in fig.data} == {"occupancy"}


def test_cumulative_incidence_starts_at_zero():
    fig = plots.cumulative_incidence_figure({"dvt": pd.DataFrame({"time": [1.0, 2.0], "cif": [0.1, 0.2]})})
    assert list(fig.data[0].x) == [0.0, 1.0, 2.0] and list(fig.data[0].y) == [0.0, 0.1, 0.2]


def test_timeline_has_a_ceap_line_and_event_lanes():
    tl = pd.DataFrame({"age": [18.0, 30.0, 40.0, 45.0, 50.0], "t": [-32.0, -20.0, -10.0, -5.0, 0.0],
                       "event": ["entry", "ceap", "dvt", "ceap", "exit"],
                       "detail": ["history_start", "C2", "nonfatal", "C3", "end_of_follow_up"]})
    fig = plots.timeline_figure(tl, title="p")
    assert [t.name.split(":")[0] for t in fig.data] == ["CEAP class", "deep venous thrombosis"]
    assert list(fig.data[0].y) == [0, 2, 3, 3]
    assert fig.layout.showlegend and list(fig.data[1].y) == ["deep venous thrombosis"]  # a plain lane name


def test_timeline_draws_each_leg_of_the_per_leg_log():
    tl = pd.DataFrame({"age": [18.0, 30.0, 40.0, 45.0, 50.0], "t": [-32.0, -20.0, -10.0, -5.0, 0.0],
                       "leg": ["", "left", "right", "left", ""], "event": ["entry", "ceap", "ceap", "ceap", "exit"],
                       "detail": ["history_start", "C2", "C4b", "C6r", "end_of_follow_up"],
                       "value": [float("nan")] * 5})
    fig = plots.timeline_figure(tl)
    assert [t.name for t in fig.data] == ["CEAP class, left leg", "CEAP class, right leg"]
    assert list(fig.data[0].y) == [0, 2, 6, 6] and list(fig.data[1].y) == [0, 4, 4]


def test_differential_figure_marks_every_tied_condition():
    from cvirisk import teaching

    fig = plots.differential_figure(teaching.rank_differential(morphology="sheet-like"))
    dark = [c == "#1f77b4" for c in fig.data[0].marker.color]
    assert sum(dark) == 2 and "tie" in fig.layout.title.text
    one = plots.differential_figure(teaching.rank_differential(morphology="punctate"))
    assert sum(c == "#1f77b4" for c in one.data[0].marker.color) == 1 and "tie" not in one.layout.title.text


def test_scenario_figures_carry_intervals():
    table = pd.DataFrame({"outcome": ["a", "a"], "arm": ["baseline", "scenario"], "estimate": [1.0, 2.0],
                          "lower": [0.5, 1.5], "upper": [1.5, 2.5]})
    fig = plots.scenario_comparison_figure(table)
    assert [t.name for t in fig.data] == ["baseline", "scenario"] and list(fig.data[1].error_y.array) == [0.5]
    diff = plots.difference_figure(pd.DataFrame({"outcome": ["a"], "estimate": [-1.0], "lower": [-2.0], "upper": [0.5]}))
    assert list(diff.data[0].error_x.array) == [1.5] and list(diff.data[0].error_x.arrayminus) == [1.0]


@pytest.mark.parametrize("pattern", sorted(plots.PATTERN_REGION))
def test_schematic_patterns_are_seeded(pattern):
    a = plots.calcification_pattern_figure(pattern, seed=4, periostitis=True)
    b = plots.calcification_pattern_figure(pattern, seed=4, periostitis=True)
    assert a.to_json() == b.to_json()
    names = [t.name for t in a.data]
    assert pattern in names and "stasis periostitis" in names


def test_radiograph_panels_are_aligned_on_one_scale():
    panels = [{"pattern": None, "title": "none"}, {"pattern": "punctate"}, {"pattern": "reticular", "periostitis": True}]
    fig = plots.radiograph_panels_figure(panels, seed=1)
    lay = fig.layout
    xs = [lay[f"xaxis{i if i > 1 else ''}"] for i in (1, 2, 3)]
    ys = [lay[f"yaxis{i if i > 1 else ''}"] for i in (1, 2, 3)]
    assert len({tuple(a.range) for a in xs}) == 1 and len({tuple(a.range) for a in ys}) == 1
    assert len({tuple(a.domain) for a in ys}) == 1  # same top and bottom
    widths = {round(a.domain[1] - a.domain[0], 9) for a in xs}
    assert len(widths) == 1  # same width, so the same scale
    assert [y.scaleanchor for y in ys] == ["x", "x2", "x3"]


def test_figure_export_html_is_self_contained(tmp_path):
    fig = plots.calcification_pattern_figure("punctate")
    plots.write_figure(fig, tmp_path / "f.html")
    html = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js itself is inside
    assert not re.search(r"<script[^>]+src=", html)  # no script fetched from elsewhere
    with pytest.raises(ValueError, match="unknown figure format"):
        plots.figure_bytes(fig, "gif")


@pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium")
def test_figure_export_png_and_svg_through_kaleido(tmp_path):
    pytest.importorskip("kaleido")
    fig = plots.calcification_pattern_figure("reticular", periostitis=True)
    png = plots.figure_bytes(fig, "png", width=400, height=300, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 400 and int.from_bytes(png[20:24], "big") == 300
    svg = plots.figure_bytes(fig, "svg", width=400, height=300)
    assert svg.lstrip().startswith(b"<svg") and b"</svg>" in svg


def test_schematic_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="unknown pattern"):
        plots.calcification_pattern_figure("starry")
