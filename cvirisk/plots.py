"""Plotly figures for progression, scenarios and teaching; each function returns a Figure.

Nothing here renders, writes files or imports streamlit: the dashboard and the notebooks
lay the figures out. Inputs are the tables of :mod:`cvirisk.analysis` and
:mod:`cvirisk.teaching` (long format), so every figure is a pure function of the event log.

Examples
--------
>>> import pandas as pd
>>> occ = pd.DataFrame({"age": [40, 40, 50, 50], "state": ["C0", "C1", "C0", "C1"],
...                     "share": [0.6, 0.4, 0.5, 0.5], "n": [10, 10, 10, 10]})
>>> [t.name for t in occupancy_figure(occ).data]
['C0', 'C1']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "CEAP_COLORS",
    "CALCIFICATION_COLORS",
    "calcification_duration_figure",
    "calcification_onset_figure",
    "cumulative_incidence_figure",
    "difference_figure",
    "differential_figure",
    "occupancy_figure",
    "scenario_comparison_figure",
    "timeline_figure",
]

#: One colour a CEAP class, light (C0) to dark red (C6); DEAD in grey.
CEAP_COLORS: dict[str, str] = {
    "C0": "#e8f1fa", "C1": "#b9d7ee", "C2": "#7fb2dc", "C3": "#f6d38b", "C4": "#ef9b4d",
    "C5": "#c9653a", "C6": "#8e1b1b", "DEAD": "#9a9a9a",
}  # fmt: skip
#: Calcification types (and "none") in the order the disease advances.
CALCIFICATION_COLORS: dict[str, str] = {
    "none": "#dcdcdc", "punctate": "#f2c14e", "trabecular": "#e07a2f", "reticular": "#8e1b1b",
}  # fmt: skip

_TEMPLATE = "plotly_white"


def occupancy_figure(occupancy: pd.DataFrame, *, title: str | None = "CEAP class by age") -> go.Figure:
    """Stacked shares of each CEAP class (and DEAD) over age or time.

    ``occupancy`` is :func:`cvirisk.analysis.state_occupancy` output: ``age`` (or ``time``),
    ``state``, ``share``.
    """
    axis = "age" if "age" in occupancy.columns else "time"
    fig = go.Figure()
    for state, part in occupancy.groupby("state", sort=False):
        part = part.sort_values(axis)
        fig.add_trace(go.Scatter(
            x=part[axis], y=part["share"], name=str(state), mode="lines", stackgroup="occupancy",
            line={"width": 0.5, "color": CEAP_COLORS.get(str(state))},
            hovertemplate=f"{state}: %{{y:.1%}} at {axis} %{{x}}<extra></extra>",
        ))  # fmt: skip
    fig.update_layout(title=title, template=_TEMPLATE, yaxis={"title": "share of persons", "tickformat": ".0%",
                                                              "range": [0, 1]},
                      xaxis_title="age (years)" if axis == "age" else "years since baseline", legend_title="class")
    return fig


def cumulative_incidence_figure(curves: Mapping[str, pd.DataFrame], *, title: str | None = "Cumulative incidence",
                                xtitle: str = "years since baseline") -> go.Figure:
    """One step line a complication; each frame has ``time`` and ``cif`` (Aalen-Johansen, death competing)."""
    fig = go.Figure()
    for name, frame in curves.items():
        x = np.concatenate([[0.0], frame["time"].to_numpy(float)])
        y = np.concatenate([[0.0], frame["cif"].to_numpy(float)])
        fig.add_trace(go.Scatter(x=x, y=y, name=str(name), mode="lines", line={"shape": "hv"},
                                 hovertemplate=f"{name}: %{{y:.2%}} by %{{x:.1f}} y<extra></extra>"))
    fig.update_layout(title=title, template=_TEMPLATE, xaxis_title=xtitle,
                      yaxis={"title": "cumulative incidence", "tickformat": ".1%", "rangemode": "tozero"})
    return fig


def calcification_duration_figure(table: pd.DataFrame, *, title: str | None = "Calcification type by disease duration"
                                  ) -> go.Figure:
    """Stacked bars of the share of each calcification type per duration bin.

    ``table`` is :func:`cvirisk.teaching.calcification_by_duration` output.
    """
    fig = go.Figure()
    for kind, part in table.groupby("type", sort=False, observed=True):
        fig.add_trace(go.Bar(
            x=part["duration"].astype(str), y=part["share"], name=str(kind), customdata=part[["n", "n_bin"]],
            marker_color=CALCIFICATION_COLORS.get(str(kind)),
            hovertemplate=f"{kind}: %{{y:.1%}} (%{{customdata[0]}} of %{{customdata[1]}})<extra></extra>",
        ))  # fmt: skip
    fig.update_layout(barmode="stack", title=title, template=_TEMPLATE, legend_title="calcification",
                      xaxis_title="years since the first C3+ class (at last observation)",
                      yaxis={"title": "share of persons with CVI", "tickformat": ".0%", "range": [0, 1]})
    return fig


def calcification_onset_figure(onsets: pd.DataFrame, *, title: str | None = "When each type appears") -> go.Figure:
    """Box plots of years since CVI onset at which each calcification type appeared.

    ``onsets`` is :func:`cvirisk.teaching.calcification_onsets` output.
    """
    fig = go.Figure()
    for kind in CALCIFICATION_COLORS:
        part = onsets[(onsets["type"] == kind) & onsets["years_since_cvi"].notna()]
        if kind == "none" or part.empty:
            continue
        fig.add_trace(go.Box(y=part["years_since_cvi"], name=kind, marker_color=CALCIFICATION_COLORS[kind],
                             boxmean=True))
    fig.update_layout(title=title, template=_TEMPLATE, showlegend=False,
                      yaxis_title="years since the first C3+ class", xaxis_title="calcification type")
    return fig


_MARKERS = {
    "valve_failure": "triangle-down", "recruitment": "triangle-up", "finding": "circle",
    "infection": "x", "dvt": "diamond", "pe": "diamond-tall", "lymphedema": "square",
    "calcification": "star", "periostitis": "hexagon", "diagnosis": "circle-open",
    "compression": "line-ns-open", "surgery": "cross", "death": "x-thin-open", "covariate": "circle-dot",
}  # fmt: skip


def timeline_figure(timeline: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """One person's life story: CEAP class as a step line over age, other events in lanes below.

    ``timeline`` is :func:`cvirisk.analysis.timeline` output (``age, t, event, detail``).
    """
    from plotly.subplots import make_subplots

    tl = timeline.sort_values("age", kind="stable")
    start, end = float(tl["age"].min()), float(tl["age"].max())
    ceap = tl[tl["event"] == "ceap"]
    ages = np.concatenate([[start], ceap["age"].to_numpy(float), [end]])
    classes = np.concatenate([[0], ceap["detail"].str[1:].astype(int).to_numpy(), [0]]).astype(float)
    classes[-1] = classes[-2]
    others = tl[~tl["event"].isin(["ceap", "entry", "exit"])]
    lanes = others["event"].nunique()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.5, 0.5], vertical_spacing=0.04)
    fig.add_trace(go.Scatter(x=ages, y=classes, mode="lines", name="CEAP class",
                             line={"shape": "hv", "width": 3, "color": "#1f4e79"},
                             hovertemplate="age %{x:.1f}: C%{y}<extra></extra>"), row=1, col=1)
    for kind, part in others.groupby("event", sort=False):
        fig.add_trace(go.Scatter(
            x=part["age"], y=[str(kind)] * len(part), mode="markers", name=str(kind),
            marker={"symbol": _MARKERS.get(str(kind), "circle"), "size": 10},
            text=[f"{kind} {d}".strip() for d in part["detail"]],
            hovertemplate="age %{x:.1f}: %{text}<extra></extra>",
        ), row=2, col=1)  # fmt: skip
    baseline = tl.loc[tl["event"] == "entry", "age"].max()
    if np.isfinite(baseline):
        fig.add_vline(x=float(baseline), line_dash="dot", line_color="grey", annotation_text="baseline", row=1, col=1)
        fig.add_vline(x=float(baseline), line_dash="dot", line_color="grey", row=2, col=1)
    fig.update_yaxes(title_text="CEAP class", tickvals=list(range(7)), ticktext=[f"C{i}" for i in range(7)],
                     range=[-0.3, 6.5], row=1, col=1)
    fig.update_yaxes(title_text="events", type="category", tickmode="linear", dtick=1, row=2, col=1)
    fig.update_xaxes(title_text="age (years)", row=2, col=1)
    fig.update_layout(title=title, template=_TEMPLATE, height=360 + 28 * max(lanes, 1), showlegend=False)
    return fig


def scenario_comparison_figure(table: pd.DataFrame, *, title: str | None = "Baseline and scenario") -> go.Figure:
    """Side-by-side bars with intervals, one group per outcome.

    ``table`` has columns ``outcome``, ``arm`` (e.g. baseline / scenario), ``estimate``,
    ``lower``, ``upper``.
    """
    fig = go.Figure()
    colors = {"baseline": "#7f8c8d", "scenario": "#1f77b4"}
    for arm, part in table.groupby("arm", sort=False):
        est = part["estimate"].to_numpy(float)
        fig.add_trace(go.Bar(
            x=part["outcome"], y=est, name=str(arm), marker_color=colors.get(str(arm)),
            error_y={"type": "data", "symmetric": False, "array": part["upper"].to_numpy(float) - est,
                     "arrayminus": est - part["lower"].to_numpy(float)},
        ))  # fmt: skip
    fig.update_layout(barmode="group", title=title, template=_TEMPLATE, yaxis_title="value",
                      legend_title="arm")
    return fig


def difference_figure(table: pd.DataFrame, *, title: str | None = "Scenario against baseline (paired)",
                      xtitle: str = "relative change (%)") -> go.Figure:
    """Point estimates with intervals, one row an outcome, around a dashed line at zero.

    ``table`` has columns ``outcome``, ``estimate``, ``lower``, ``upper``.
    """
    est = table["estimate"].to_numpy(float)
    fig = go.Figure(go.Scatter(
        x=est, y=table["outcome"], mode="markers", marker={"size": 10, "color": "#1f77b4"},
        error_x={"type": "data", "symmetric": False, "array": table["upper"].to_numpy(float) - est,
                 "arrayminus": est - table["lower"].to_numpy(float)},
        hovertemplate="%{y}: %{x:.2f}<extra></extra>", name="difference",
    ))  # fmt: skip
    fig.add_vline(x=0.0, line_dash="dash", line_color="grey")
    fig.update_layout(title=title, template=_TEMPLATE, xaxis_title=xtitle, yaxis={"autorange": "reversed"})
    return fig


def differential_figure(ranked: pd.DataFrame, *, title: str | None = "How well each diagnosis fits") -> go.Figure:
    """Horizontal bars: features fitting each condition of the differential, out of those assessed.

    ``ranked`` is :func:`cvirisk.teaching.rank_differential` output.
    """
    r = ranked.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=r["matches"], y=r["name"], orientation="h", customdata=r[["fits", "conflicts"]].fillna(""),
        marker_color=["#1f77b4" if i == len(r) - 1 else "#a6bddb" for i in range(len(r))],
        hovertemplate="%{y}<br>fits: %{customdata[0]}<br>against: %{customdata[1]}<extra></extra>",
    ))  # fmt: skip
    assessed = int(ranked["assessed"].max()) if len(ranked) else 0
    fig.update_layout(title=title, template=_TEMPLATE, margin={"l": 10},
                      xaxis={"title": f"features that fit (of {assessed} assessed)", "range": [0, max(assessed, 1)],
                             "dtick": 1})
    return fig
