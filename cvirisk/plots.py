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
    "calcification_pattern_figure",
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


# ---------------------------------------------------------------- schematic radiographs (teaching)

#: Where each pattern sits by default on the limb schematic (the seed note's distribution).
PATTERN_REGION = {"punctate": "distal", "trabecular": "distal", "reticular": "distal",
                  "sheet-like": "proximal", "cloud-like": "proximal", "rim-like": "proximal"}  # fmt: skip
_LIMB_LENGTH = 40.0
_XRAY = {"background": "#111111", "soft": "#3a3a3a", "bone": "#b8b8b8", "calcium": "#f4f4f4"}


def _limb_edges(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skin edges of the schematic limb (ankle at y=0, hip at y=40): it widens toward the hip."""
    half = 2.4 + 2.1 * (y / _LIMB_LENGTH)
    return 5.0 - half, 5.0 + half


def _in_region(rng: np.random.Generator, n: int, region: str, inset: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = (2.0, 17.0) if region == "distal" else (23.0, 38.0)
    y = rng.uniform(lo, hi, n)
    left, right = _limb_edges(y)
    x = rng.uniform(left + inset, right - inset)
    return x, y


def calcification_pattern_figure(pattern: str, *, region: str | None = None, periostitis: bool = False,
                                 seed: int = 0, title: str | None = None) -> go.Figure:
    """A schematic frontal radiograph of a limb showing one calcification pattern.

    A drawing for teaching, not an image of a patient: ``punctate`` dots, ``trabecular`` bars and
    a ``reticular`` net (chronic venous insufficiency); ``sheet-like`` plates (calcinosis
    universalis; also mature heterotopic ossification); a ``cloud-like`` haze and a ``rim-like``
    shell in a soft-tissue mass (myositis ossificans). ``region`` is ``distal`` or ``proximal``
    (default: where the pattern usually lies); ``periostitis`` adds the wavy periosteal reaction
    of venous stasis along the distal shaft. ``seed`` fixes the drawing.
    """
    if pattern not in PATTERN_REGION:
        raise ValueError(f"unknown pattern {pattern!r}; one of {', '.join(PATTERN_REGION)}")
    region = region or PATTERN_REGION[pattern]
    if region not in ("distal", "proximal"):
        raise ValueError("region must be 'distal' or 'proximal'")
    rng = np.random.default_rng(seed)
    fig = go.Figure()
    y = np.linspace(0, _LIMB_LENGTH, 60)
    left, right = _limb_edges(y)
    fig.add_trace(go.Scatter(x=np.concatenate([left, right[::-1], left[:1]]), y=np.concatenate([y, y[::-1], y[:1]]),
                             fill="toself", fillcolor=_XRAY["soft"], line={"color": "#555555", "width": 1},
                             hoverinfo="skip", showlegend=False, name="soft tissue"))
    # one long bone shaft, narrower distally (tibia) than proximally (femur)
    bone_half = 0.55 + 0.35 * (y / _LIMB_LENGTH)
    fig.add_trace(go.Scatter(x=np.concatenate([5 - bone_half, (5 + bone_half)[::-1]]), y=np.concatenate([y, y[::-1]]),
                             fill="toself", fillcolor=_XRAY["bone"], line={"width": 0}, hoverinfo="skip",
                             showlegend=False, name="bone"))
    calcium = {"color": _XRAY["calcium"]}
    if pattern == "punctate":
        x, yy = _in_region(rng, 70, region)
        fig.add_trace(go.Scatter(x=x, y=yy, mode="markers", marker={**calcium, "size": 4}, name="punctate"))
    elif pattern == "trabecular":
        xs, ys = [], []
        x0, y0 = _in_region(rng, 30, region)
        for a, b in zip(x0, y0, strict=True):
            angle, length = rng.uniform(0, np.pi), rng.uniform(0.7, 1.6)
            xs += [a, a + length * np.cos(angle) * 0.6, None]
            ys += [b, b + length * np.sin(angle), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={**calcium, "width": 2.5}, name="trabecular"))
    elif pattern == "reticular":
        lo, hi = (2.0, 17.0) if region == "distal" else (23.0, 38.0)
        gy = np.arange(lo, hi, 1.3)
        xs, ys = [], []
        nodes = {}
        for i, yv in enumerate(gy):
            l_, r_ = _limb_edges(np.array([yv]))
            gx = np.arange(l_[0] + 0.4, r_[0] - 0.3, 0.9)
            for j, xv in enumerate(gx):
                nodes[(i, j)] = (xv + rng.uniform(-0.3, 0.3), yv + rng.uniform(-0.4, 0.4))
        for (i, j), (a, b) in nodes.items():
            for nb in ((i, j + 1), (i + 1, j)):
                if nb in nodes and rng.uniform() < 0.8:
                    xs += [a, nodes[nb][0], None]
                    ys += [b, nodes[nb][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={**calcium, "width": 1.5}, name="reticular"))
    elif pattern == "sheet-like":
        for k in range(3):
            cx, cy = _in_region(rng, 1, region, inset=1.2)
            t = np.linspace(0, 2 * np.pi, 24)
            rx, ry = rng.uniform(0.8, 1.4), rng.uniform(2.5, 4.0)
            wobble = 1 + 0.15 * rng.standard_normal(len(t))
            fig.add_trace(go.Scatter(x=cx + rx * np.cos(t) * wobble, y=cy + ry * np.sin(t) * wobble, fill="toself",
                                     fillcolor="rgba(244,244,244,0.75)", line={"width": 0}, name="sheet-like",
                                     showlegend=k == 0))
    else:  # a soft-tissue mass: a cloud early, a shell of bone at its rim when mature
        cy = 30.0 if region == "proximal" else 10.0
        l_, r_ = _limb_edges(np.array([cy]))
        cx, rx, ry = (r_[0] + 5.0) / 2 + 0.6, 1.1, 3.2
        if pattern == "cloud-like":
            px = rng.normal(cx, rx / 2, 400)
            py = rng.normal(cy, ry / 2, 400)
            fig.add_trace(go.Scatter(x=px, y=py, mode="markers", marker={**calcium, "size": 3, "opacity": 0.35},
                                     name="cloud-like"))
        else:
            t = np.linspace(0, 2 * np.pi, 80)
            fig.add_trace(go.Scatter(x=cx + rx * np.cos(t), y=cy + ry * np.sin(t), mode="lines",
                                     line={**calcium, "width": 5}, name="rim-like"))
    if periostitis:
        yy = np.linspace(3, 16, 120)
        half = 0.55 + 0.35 * (yy / _LIMB_LENGTH)
        wave = 0.3 + 0.2 * np.sin(yy * 2.4)
        for side in (-1, 1):
            fig.add_trace(go.Scatter(x=5 + side * (half + wave), y=yy, mode="lines", line={"color": "#ffffff",
                                     "width": 3}, name="stasis periostitis", showlegend=side == 1))
    fig.add_annotation(x=5.0, y=-0.3, text="distal (ankle)", showarrow=False, font={"color": "#bbbbbb"}, yanchor="top")
    fig.add_annotation(x=5.0, y=40.3, text="proximal (hip)", showarrow=False, font={"color": "#bbbbbb"},
                       yanchor="bottom")
    fig.update_layout(title={"text": title or f"{pattern} ({region}) - schematic", "font": {"color": "#dddddd"}},
                      paper_bgcolor=_XRAY["background"], plot_bgcolor=_XRAY["background"], font={"color": "#dddddd"},
                      height=520, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False,
                      xaxis={"visible": False, "range": [-0.2, 10.2], "constrain": "domain"},
                      yaxis={"visible": False, "range": [-3.0, 43.0], "scaleanchor": "x", "scaleratio": 0.55,
                             "constrain": "domain"})
    return fig
