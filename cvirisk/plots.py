"""Plotly figures for progression, scenarios and teaching; each function returns a Figure.

Nothing here renders, writes files or imports streamlit: the dashboard and the notebooks
lay the figures out. Inputs are the tables of :mod:`cvirisk.outcomes` and
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
    "MARK_GLYPHS",
    "calcification_duration_figure",
    "calcification_onset_figure",
    "calcification_pattern_figure",
    "cumulative_incidence_figure",
    "difference_figure",
    "differential_figure",
    "figure_bytes",
    "occupancy_by_sex_figure",
    "occupancy_figure",
    "radiograph_panels_figure",
    "scenario_comparison_figure",
    "timeline_figure",
    "write_figure",
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

    ``occupancy`` is :func:`cvirisk.outcomes.state_occupancy` output: ``age`` (or ``time``),
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


def occupancy_by_sex_figure(tables: Mapping[str, pd.DataFrame], *, names: Mapping[str, str] | None = None,
                            title: str | None = "CEAP class of the worse leg by age and sex") -> go.Figure:
    """Stacked CEAP occupancy by age, one panel a group (e.g. ``{"female": occ, "male": occ}``).

    Each table is :func:`cvirisk.outcomes.state_occupancy` output over age. ``names`` maps a
    state to a plain name shown in the legend (``{"C3": "edema"}``); one legend serves all
    panels. Hover shows the share and the number of persons at that age.
    """
    from plotly.subplots import make_subplots

    names = dict(names or {})
    groups = list(tables)
    fig = make_subplots(rows=1, cols=len(groups), shared_yaxes=True, subplot_titles=groups, horizontal_spacing=0.04)
    for j, group in enumerate(groups, start=1):
        occ = tables[group]
        for state, part in occ.groupby("state", sort=False):
            part = part.sort_values("age")
            label = f"{state}: {names[str(state)]}" if str(state) in names else str(state)
            fig.add_trace(go.Scatter(
                x=part["age"], y=part["share"], name=label, legendgroup=str(state), showlegend=j == 1,
                mode="lines", stackgroup=f"occ{j}", line={"width": 0.5, "color": CEAP_COLORS.get(str(state))},
                fillcolor=CEAP_COLORS.get(str(state)),
                customdata=part[["n"]] if "n" in part else None,
                hovertemplate=f"{group}, {label}: %{{y:.1%}} at age %{{x}}"
                              + (" (of %{customdata[0]} persons)" if "n" in part else "") + "<extra></extra>",
            ), row=1, col=j)  # fmt: skip
        fig.update_xaxes(title_text="age (years)", row=1, col=j)
    fig.update_yaxes(title_text="share of persons", tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_layout(title=title, template=_TEMPLATE, legend_title="CEAP class (worse leg)", height=460,
                      legend={"traceorder": "normal"})
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


#: A text glyph for each plotly marker symbol used in life stories, so tables and text can show the mark.
MARK_GLYPHS: dict[str, str] = {
    "triangle-right": "▶", "triangle-left": "◀", "circle-dot": "◉", "triangle-down": "▼", "triangle-up": "▲",
    "line-ew-open": "─", "circle": "●", "x": "✖", "diamond": "◆", "diamond-tall": "♦", "square": "■",
    "star": "★", "square-open": "□", "hexagon": "⬢", "circle-open": "○", "line-ns-open": "│", "cross": "✚",
    "x-thin-open": "×",
}  # fmt: skip


def _event_kinds() -> dict[str, dict]:
    from cvirisk.teaching import event_kinds

    return event_kinds()


_LEG_COLORS = {"": "#1f4e79", "left": "#1f4e79", "right": "#c0392b"}


def timeline_figure(timeline: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """One person's life story: CEAP class as a step line over age, other events in labelled lanes below.

    ``timeline`` has ``age, event, detail`` and, on the per-leg log, ``leg``
    (:func:`cvirisk.outcomes.timeline` output, or a person's rows of the event log). Each leg
    gets its own CEAP line (the older log: one line, the worse leg); lanes and legend use the
    plain labels and marks of the teaching content, and the hover text says leg and detail.
    """
    from plotly.subplots import make_subplots

    from cvirisk.outcomes.details import read_event_details

    d = read_event_details(timeline.assign(person_id=timeline.get("person_id", 0)))
    d = d.sort_values("age", kind="stable")
    kinds = _event_kinds()
    start, end = float(d["age"].min()), float(d["age"].max())
    ceap = d[d["event"] == "ceap"]
    others = d[~d["event"].isin(["ceap", "entry", "exit"])]
    lanes = others["event"].nunique()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.45, 0.55], vertical_spacing=0.05)
    legs = sorted(set(ceap["leg"])) or [""]
    for leg in legs:
        part = ceap[ceap["leg"] == leg]
        ages = np.concatenate([[start], part["age"].to_numpy(float), [end]])
        classes = np.concatenate([[0], part["ceap_class"].to_numpy(float), [0]])
        classes[-1] = classes[-2]
        labels = ["C0", *part["word"], part["word"].iloc[-1] if len(part) else "C0"]
        name = "CEAP class" if not leg else f"CEAP class, {leg} leg"
        fig.add_trace(go.Scatter(x=ages, y=classes, mode="lines", name=name, text=labels, legendgroup="ceap",
                                 line={"shape": "hv", "width": 3, "color": _LEG_COLORS.get(leg, "#1f4e79"),
                                       "dash": "dot" if leg == "right" else "solid"},
                                 hovertemplate=f"{name}: %{{text}} from age %{{x:.1f}}<extra></extra>"), row=1, col=1)
    lane_names = []
    for kind, part in others.groupby("event", sort=False):
        spec = kinds.get(str(kind), {"label": str(kind), "mark": "circle", "explanation": ""})
        lane_names.append(spec["label"])
        where = [f" ({leg} leg)" if leg else "" for leg in part["leg"]]
        fig.add_trace(go.Scatter(
            x=part["age"], y=[spec["label"]] * len(part), mode="markers", name=f"{spec['label']}: {spec['explanation']}",
            marker={"symbol": spec["mark"], "size": 11, "line": {"width": 1.5}},
            text=[f"{spec['label']}{w}: {dt}".rstrip(": ") for w, dt in zip(where, part["word"], strict=True)],
            hovertemplate="age %{x:.1f}: %{text}<extra></extra>",
        ), row=2, col=1)  # fmt: skip
    baseline = d.loc[(d["event"] == "entry") & (d["base"] == "baseline"), "age"]
    if len(baseline):
        b = float(baseline.iloc[0])
        fig.add_vline(x=b, line_dash="dot", line_color="grey", annotation_text="baseline", row=1, col=1)
        fig.add_vline(x=b, line_dash="dot", line_color="grey", row=2, col=1)
    fig.update_yaxes(title_text="CEAP class", tickvals=list(range(7)), ticktext=[f"C{i}" for i in range(7)],
                     range=[-0.3, 6.5], row=1, col=1)
    fig.update_yaxes(title_text="", type="category", categoryorder="array", categoryarray=lane_names[::-1],
                     row=2, col=1)
    fig.update_xaxes(title_text="age (years)", row=2, col=1)
    fig.update_layout(title=title, template=_TEMPLATE, height=420 + 34 * max(lanes, 1) + 22 * (lanes + len(legs)),
                      showlegend=True, margin={"l": 10, "r": 10},
                      legend={"orientation": "v", "yanchor": "top", "y": -0.08, "x": 0, "font": {"size": 11},
                              "title": {"text": "Legend"}})
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

    ``ranked`` is :func:`cvirisk.teaching.rank_differential` output. Every condition of rank 1
    is drawn dark (a tie shows several dark bars and says so in the title); nothing is dark
    when no feature was assessed.
    """
    r = ranked.iloc[::-1]
    assessed = int(ranked["assessed"].max()) if len(ranked) else 0
    top = (r["rank"] == 1).to_numpy() & (assessed > 0)
    fig = go.Figure(go.Bar(
        x=r["matches"], y=r["name"], orientation="h", customdata=r[["fits", "conflicts"]].fillna(""),
        marker_color=["#1f77b4" if t else "#a6bddb" for t in top],
        hovertemplate="%{y}<br>fits: %{customdata[0]}<br>against: %{customdata[1]}<extra></extra>",
    ))  # fmt: skip
    if int(top.sum()) > 1:
        title = f"{title or ''} (tie: {int(top.sum())} conditions fit equally well)".strip()
    fig.update_layout(title=title, template=_TEMPLATE, margin={"l": 10},
                      xaxis={"title": f"features that fit (of {assessed} assessed)", "range": [0, max(assessed, 1)],
                             "dtick": 1})
    return fig


# ---------------------------------------------------------------- schematic radiographs (teaching)

#: Where each pattern sits by default on the limb schematic.
PATTERN_REGION = {"punctate": "distal", "trabecular": "distal", "reticular": "distal",
                  "sheet-like": "proximal", "cloud-like": "proximal", "rim-like": "proximal",
                  "round with lucent centre": "distal", "tram-track": "distal",
                  "amorphous lumps": "periarticular"}  # fmt: skip
#: Height range of each region on the schematic limb (ankle at 0, knee at 20, hip at 40).
_REGIONS = {"distal": (2.0, 17.0), "proximal": (23.0, 38.0), "periarticular": (16.5, 23.5)}
_LIMB_LENGTH = 40.0
_XRAY = {"background": "#111111", "soft": "#3a3a3a", "bone": "#b8b8b8", "calcium": "#f4f4f4"}


def _limb_edges(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skin edges of the schematic limb (ankle at y=0, hip at y=40): it widens toward the hip."""
    half = 2.4 + 2.1 * (y / _LIMB_LENGTH)
    return 5.0 - half, 5.0 + half


def _in_region(rng: np.random.Generator, n: int, region: str, inset: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = _REGIONS[region]
    y = rng.uniform(lo, hi, n)
    left, right = _limb_edges(y)
    x = rng.uniform(left + inset, right - inset)
    return x, y


def _draw_limb(fig: go.Figure, pattern: str | None, region: str, periostitis: bool, rng: np.random.Generator,
               **cell) -> None:
    """Add one schematic limb (soft tissue, bone, the pattern, periostitis) to ``fig`` (at ``row``/``col``)."""
    y = np.linspace(0, _LIMB_LENGTH, 60)
    left, right = _limb_edges(y)
    fig.add_trace(go.Scatter(x=np.concatenate([left, right[::-1], left[:1]]), y=np.concatenate([y, y[::-1], y[:1]]),
                             fill="toself", fillcolor=_XRAY["soft"], line={"color": "#555555", "width": 1},
                             hoverinfo="skip", showlegend=False, name="soft tissue"), **cell)
    # one long bone shaft, narrower distally (tibia) than proximally (femur)
    bone_half = 0.55 + 0.35 * (y / _LIMB_LENGTH)
    fig.add_trace(go.Scatter(x=np.concatenate([5 - bone_half, (5 + bone_half)[::-1]]), y=np.concatenate([y, y[::-1]]),
                             fill="toself", fillcolor=_XRAY["bone"], line={"width": 0}, hoverinfo="skip",
                             showlegend=False, name="bone"), **cell)
    calcium = {"color": _XRAY["calcium"]}
    lo, hi = _REGIONS[region]
    if pattern is None:
        pass
    elif pattern == "punctate":
        x, yy = _in_region(rng, 70, region)
        fig.add_trace(go.Scatter(x=x, y=yy, mode="markers", marker={**calcium, "size": 4}, name="punctate"), **cell)
    elif pattern == "trabecular":
        xs, ys = [], []
        x0, y0 = _in_region(rng, 30, region)
        for a, b in zip(x0, y0, strict=True):
            angle, length = rng.uniform(0, np.pi), rng.uniform(0.7, 1.6)
            xs += [a, a + length * np.cos(angle) * 0.6, None]
            ys += [b, b + length * np.sin(angle), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={**calcium, "width": 2.5}, name="trabecular"), **cell)
    elif pattern == "reticular":
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
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={**calcium, "width": 1.5}, name="reticular"), **cell)
    elif pattern == "sheet-like":
        for k in range(3):
            cx, cy = _in_region(rng, 1, region, inset=1.2)
            t = np.linspace(0, 2 * np.pi, 24)
            rx, ry = rng.uniform(0.8, 1.4), rng.uniform(1.8, 3.0)
            wobble = 1 + 0.15 * rng.standard_normal(len(t))
            fig.add_trace(go.Scatter(x=cx + rx * np.cos(t) * wobble, y=cy + ry * np.sin(t) * wobble, fill="toself",
                                     fillcolor="rgba(244,244,244,0.75)", line={"width": 0}, name="sheet-like",
                                     showlegend=k == 0), **cell)
    elif pattern == "round with lucent centre":  # phleboliths: small rings along a vein beside the bone
        yy = rng.uniform(lo, hi, 9)
        xx = 5.0 + 1.6 + 0.25 * np.sin(yy / 2.0)
        t = np.linspace(0, 2 * np.pi, 20)
        xs, ys = [], []
        for a, b in zip(xx, yy, strict=True):
            xs += list(a + 0.32 * np.cos(t)) + [None]
            ys += list(b + 0.45 * np.sin(t)) + [None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={**calcium, "width": 2.5},
                                 name="round with lucent centre"), **cell)
    elif pattern == "tram-track":  # medial arterial calcification: two broken parallel lines along an artery
        yy = np.linspace(lo, hi, 80)
        centre = 5.0 - 1.5 + 0.2 * np.sin(yy / 3.0)
        keep = rng.uniform(size=len(yy)) < 0.8
        for side in (-0.22, 0.22):
            xs = np.where(keep, centre + side, np.nan)
            fig.add_trace(go.Scatter(x=xs, y=yy, mode="lines", line={**calcium, "width": 2}, name="tram-track",
                                     connectgaps=False, showlegend=side > 0), **cell)
    elif pattern == "amorphous lumps":  # lobulated chalky masses around the joint
        for k in range(4):
            cx = 5.0 + rng.choice([-1, 1]) * rng.uniform(1.4, 2.6)
            cy = rng.uniform(lo + 1, hi - 1)
            t = np.linspace(0, 2 * np.pi, 30)
            r = 0.55 + 0.15 * np.sin(5 * t + rng.uniform(0, 6))
            fig.add_trace(go.Scatter(x=cx + r * np.cos(t), y=cy + 1.3 * r * np.sin(t), fill="toself",
                                     fillcolor="rgba(244,244,244,0.9)", line={"width": 0}, name="amorphous lumps",
                                     showlegend=k == 0), **cell)
    else:  # a soft-tissue mass: a cloud early, a shell of bone at its rim when mature
        cy = (lo + hi) / 2
        l_, r_ = _limb_edges(np.array([cy]))
        cx, rx, ry = (r_[0] + 5.0) / 2 + 0.6, 1.1, 3.2
        if pattern == "cloud-like":
            px = rng.normal(cx, rx / 2, 400)
            py = rng.normal(cy, ry / 2, 400)
            fig.add_trace(go.Scatter(x=px, y=py, mode="markers", marker={**calcium, "size": 3, "opacity": 0.35},
                                     name="cloud-like"), **cell)
        else:
            t = np.linspace(0, 2 * np.pi, 80)
            fig.add_trace(go.Scatter(x=cx + rx * np.cos(t), y=cy + ry * np.sin(t), mode="lines",
                                     line={**calcium, "width": 5}, name="rim-like"), **cell)
    if periostitis:
        yy = np.linspace(3, 16, 120)
        half = 0.55 + 0.35 * (yy / _LIMB_LENGTH)
        wave = 0.3 + 0.2 * np.sin(yy * 2.4)
        for side in (-1, 1):
            fig.add_trace(go.Scatter(x=5 + side * (half + wave), y=yy, mode="lines", line={"color": "#ffffff",
                                     "width": 3}, name="stasis periostitis", showlegend=side == 1), **cell)


def _xray_axes() -> tuple[dict, dict]:
    return ({"visible": False, "range": [-0.2, 10.2], "fixedrange": True},
            {"visible": False, "range": [-3.0, 43.0], "fixedrange": True})


def calcification_pattern_figure(pattern: str, *, region: str | None = None, periostitis: bool = False,
                                 seed: int = 0, title: str | None = None) -> go.Figure:
    """A schematic frontal radiograph of a limb showing one calcification pattern.

    A drawing for teaching, not an image of a patient: ``punctate`` dots, ``trabecular`` bars and
    a ``reticular`` net (chronic venous insufficiency); ``sheet-like`` plates (calcinosis
    universalis; also mature heterotopic ossification); a ``cloud-like`` haze and a ``rim-like``
    shell in a soft-tissue mass (myositis ossificans); ``round with lucent centre`` rings in a
    vein (phleboliths); ``tram-track`` lines along an artery (medial calcification); ``amorphous
    lumps`` around the knee (metastatic calcification). ``region`` is ``distal``, ``proximal``
    or ``periarticular`` (default: where the pattern usually lies); ``periostitis`` adds the
    wavy periosteal reaction of venous stasis along the distal shaft. ``seed`` fixes the drawing.
    """
    return radiograph_panels_figure([{"pattern": pattern, "region": region, "periostitis": periostitis,
                                      "title": title or f"{pattern} ({region or PATTERN_REGION.get(pattern, '')})"
                                                        " - schematic"}], seed=seed, height=520)


def radiograph_panels_figure(panels: list[Mapping], *, seed: int = 0, height: int = 520,
                             title: str | None = None) -> go.Figure:
    """Schematic radiographs side by side, drawn to the same scale and aligned on one baseline.

    Each panel is a mapping with ``pattern`` (a key of :data:`PATTERN_REGION`, or None for a
    limb without calcification), optional ``region``, ``periostitis`` and ``title`` (e.g.
    :func:`cvirisk.teaching.story.radiograph_panels` output). All panels share one figure, so
    they line up whatever text surrounds them.
    """
    from plotly.subplots import make_subplots

    if not panels:
        raise ValueError("no panels to draw")
    for p in panels:
        pat = p.get("pattern")
        if pat is not None and pat not in PATTERN_REGION:
            raise ValueError(f"unknown pattern {pat!r}; one of {', '.join(PATTERN_REGION)}")
        reg = p.get("region") or (PATTERN_REGION[pat] if pat else "distal")
        if reg not in _REGIONS:
            raise ValueError(f"region must be one of {', '.join(_REGIONS)}")
    n = len(panels)
    fig = make_subplots(rows=1, cols=n, horizontal_spacing=0.02 if n > 1 else 0.0,
                        subplot_titles=[str(p.get("title") or "") for p in panels])
    rng = np.random.default_rng(seed)
    for j, p in enumerate(panels, start=1):
        pat = p.get("pattern")
        reg = p.get("region") or (PATTERN_REGION[pat] if pat else "distal")
        _draw_limb(fig, pat, reg, bool(p.get("periostitis", False)), rng, row=1, col=j)
        xa, ya = _xray_axes()
        fig.update_xaxes(**xa, constrain="domain", row=1, col=j)
        fig.update_yaxes(**ya, scaleanchor="x" if j == 1 else f"x{j}", scaleratio=0.55, constrain="domain",
                         row=1, col=j)
        fig.add_annotation(x=5.0, y=-0.5, text="ankle", showarrow=False, font={"color": "#bbbbbb", "size": 11},
                           yanchor="top", row=1, col=j)
        fig.add_annotation(x=5.0, y=40.5, text="hip", showarrow=False, font={"color": "#bbbbbb", "size": 11},
                           yanchor="bottom", row=1, col=j)
    fig.update_annotations(font_color="#dddddd")
    fig.update_layout(title={"text": title, "font": {"color": "#dddddd"}} if title else None,
                      paper_bgcolor=_XRAY["background"], plot_bgcolor=_XRAY["background"], font={"color": "#dddddd"},
                      height=height, margin={"l": 10, "r": 10, "t": 60 if title else 40, "b": 10}, showlegend=False)
    return fig


# ---------------------------------------------------------------- export for slides


def figure_bytes(fig: go.Figure, fmt: str, *, width: int = 1200, height: int | None = None, scale: float = 2.0
                 ) -> bytes:
    """A figure as ``png`` or ``svg`` bytes (kaleido, which drives a local Chromium) or self-contained ``html``.

    The HTML embeds plotly.js, so it opens offline on any slide laptop. PNG and SVG need the
    ``kaleido`` package (>= 1.0) and a Chromium/Chrome it can find (Debian: ``/usr/bin/chromium``;
    set ``BROWSER_PATH`` to point elsewhere).
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown figure format {fmt!r}; use png, svg or html")
    h = height or int(fig.layout.height or 500)
    return fig.to_image(format=fmt, width=width, height=h, scale=scale if fmt == "png" else 1)


def write_figure(fig: go.Figure, path, **kwargs) -> None:
    """Write a figure for slides; the format follows the suffix (``.png``, ``.svg``, ``.html``)."""
    from pathlib import Path

    path = Path(path)
    path.write_bytes(figure_bytes(fig, path.suffix, **kwargs))
