"""Figure builders of cvirisk.plots: the traces they draw from analysis tables."""

from __future__ import annotations

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
    assert [t.name for t in fig.data] == ["CEAP class", "dvt"]
    assert list(fig.data[0].y) == [0, 2, 3, 3]


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


def test_schematic_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="unknown pattern"):
        plots.calcification_pattern_figure("starry")
