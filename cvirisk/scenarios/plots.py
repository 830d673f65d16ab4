"""Plotly figures of scenario results: the tornado of a one-way analysis, PSA differences.

Examples
--------
>>> import pandas as pd
>>> ow = pd.DataFrame({"scenario": ["s", "s"], "outcome": ["dvt", "dvt"], "parameter": ["a.b", "c.d"],
...     "low_value": [1.0, 0.1], "high_value": [2.0, 0.3], "base": [-5.0, -5.0],
...     "at_low": [-8.0, -5.5], "at_high": [-2.0, -4.0], "swing": [6.0, 1.5]})
>>> fig = tornado_figure(ow, "s", "dvt")
>>> list(fig.data[0].y)
['c.d', 'a.b']
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["tornado_figure", "psa_difference_figure", "comparison_differences", "ce_plane_figure", "ceac_figure"]

_TEMPLATE = "plotly_white"


def _short(key: str) -> str:
    return key.replace("natural_history.transitions.", "").replace("hazard_ratios.", "HR ")


def tornado_figure(one_way: pd.DataFrame, scenario: str, outcome: str, *, top: int = 15,
                   title: str | None = None) -> go.Figure:
    """Horizontal bars from the difference at each parameter's low end to its high end.

    ``one_way`` is :func:`cvirisk.scenarios.psa.one_way` output; the widest swing is on top and
    a dashed line marks the difference at base parameters.
    """
    part = one_way[(one_way["scenario"] == scenario) & (one_way["outcome"] == outcome)]
    part = part.sort_values("swing", ascending=False, kind="stable").head(top).iloc[::-1]
    if part.empty:
        raise ValueError(f"no one-way results for scenario {scenario!r} and outcome {outcome!r}")
    base = float(part["base"].iloc[0])
    fig = go.Figure()
    for end, color in (("low", "#4c78a8"), ("high", "#e45756")):
        vals = part[f"at_{end}"].astype(float)
        fig.add_trace(go.Bar(
            y=part["parameter"].tolist(), x=(vals - base).tolist(), base=[base] * len(part), orientation="h",
            name=f"parameter at {end} end", marker_color=color,
            customdata=list(zip(part[f"{end}_value"], vals, strict=True)),
            hovertemplate="%{y}: value %{customdata[0]:.4g} -> difference %{customdata[1]:.4g}<extra></extra>",
        ))  # fmt: skip
    fig.add_vline(x=base, line_dash="dash", line_color="grey")
    fig.update_yaxes(ticktext=[_short(p) for p in part["parameter"]], tickvals=part["parameter"].tolist())
    fig.update_layout(barmode="overlay", template=_TEMPLATE, height=160 + 28 * len(part),
                      title=title or f"{scenario}: {outcome} difference, one-way sensitivity",
                      xaxis_title=f"{outcome}: scenario - baseline", legend_title="")
    return fig


def comparison_differences(table: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """A comparison table's rows of one scenario as ``outcome, estimate, lower, upper``.

    Feed it to :func:`cvirisk.plots.difference_figure`.
    """
    part = table[table["scenario"] == scenario]
    return pd.DataFrame({"outcome": part["outcome"].to_numpy(), "estimate": part["difference"].to_numpy(float),
                         "lower": part["lower"].to_numpy(float), "upper": part["upper"].to_numpy(float)})


def psa_difference_figure(draws: pd.DataFrame, scenario: str, outcome: str, parameter: str,
                          *, title: str | None = None) -> go.Figure:
    """PSA draws: the outcome difference against one parameter's drawn value (draw 0 highlighted)."""
    part = draws[(draws["scenario"] == scenario) & (draws["outcome"] == outcome)]
    base = part[part["draw"] == 0]
    rest = part[part["draw"] > 0]
    fig = go.Figure([
        go.Scatter(x=rest[parameter], y=rest["difference"], mode="markers", name="draws", marker_color="#4c78a8"),
        go.Scatter(x=base[parameter], y=base["difference"], mode="markers", name="base parameters",
                   marker={"color": "#e45756", "size": 12, "symbol": "diamond"}),
    ])  # fmt: skip
    fig.update_layout(template=_TEMPLATE, title=title or f"{scenario}: {outcome} difference by {_short(parameter)}",
                      xaxis_title=_short(parameter), yaxis_title=f"{outcome}: scenario - baseline")
    return fig


def ce_plane_figure(plane: pd.DataFrame, wtp: float | None = None, *, money: str = "",
                    title: str | None = None, points: str = "draws") -> go.Figure:
    """The cost-effectiveness plane: incremental QALYs (x) and costs (y) per person of each PSA draw.

    ``plane`` is :func:`cvirisk.scenarios.economics.ce_plane` output; draw 0 (base parameters) is
    a diamond; with ``wtp`` a dashed line of slope ``wtp`` marks the threshold (draws below it
    are cost-effective at that willingness to pay).
    """
    fig = go.Figure()
    colors = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d")
    for k, (name, g) in enumerate(plane.groupby("scenario", sort=False)):
        rest, base = g[g["draw"] > 0], g[g["draw"] == 0]
        c = colors[k % len(colors)]
        fig.add_trace(go.Scatter(x=rest["delta_qalys"], y=rest["delta_costs"], mode="markers", name=f"{name}: {points}",
                                 marker={"color": c, "opacity": 0.6}))  # fmt: skip
        fig.add_trace(go.Scatter(x=base["delta_qalys"], y=base["delta_costs"], mode="markers",
                                 name=f"{name}: base parameters",
                                 marker={"color": c, "size": 13, "symbol": "diamond", "line": {"width": 1}}))  # fmt: skip
    fig.add_hline(y=0, line_color="grey")
    fig.add_vline(x=0, line_color="grey")
    if wtp is not None and len(plane):
        span = float(plane["delta_qalys"].abs().max()) or 1e-3
        fig.add_trace(go.Scatter(x=[-span, span], y=[-wtp * span, wtp * span], mode="lines", line={"dash": "dash",
                                 "color": "grey"}, name=f"willingness to pay {wtp:,.0f} per QALY"))  # fmt: skip
    unit = f" ({money})" if money else ""
    fig.update_layout(template=_TEMPLATE, title=title or "Cost-effectiveness plane (PSA draws)",
                      xaxis_title="incremental QALYs per person", yaxis_title=f"incremental costs per person{unit}")
    return fig


def ceac_figure(curve: pd.DataFrame, *, money: str = "", title: str | None = None) -> go.Figure:
    """Cost-effectiveness acceptability curves (:func:`cvirisk.scenarios.economics.ceac` output)."""
    fig = go.Figure([go.Scatter(x=g["wtp"], y=g["probability"], mode="lines+markers", name=str(opt))
                     for opt, g in curve.groupby("option", sort=False)])  # fmt: skip
    unit = f" ({money})" if money else ""
    fig.update_layout(template=_TEMPLATE, title=title or "Cost-effectiveness acceptability curve",
                      xaxis_title=f"willingness to pay per QALY{unit}",
                      yaxis_title="probability of the highest net monetary benefit", yaxis_range=[0, 1])
    return fig
