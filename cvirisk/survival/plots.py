"""Plotly figures for survival results; each function returns a ``plotly.graph_objects.Figure``.

Nothing here renders or writes files; the dashboard and the CLI lay figures out.

Examples
--------
>>> import pandas as pd
>>> fig = forest_figure(pd.DataFrame({"coef": [0.1], "coef lower 95%": [0.0], "coef upper 95%": [0.2]},
...                                  index=["x"]))
>>> fig.layout.xaxis.type
'log'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "baseline_hazard_figure",
    "calibration_figure",
    "forest_figure",
    "metric_by_horizon_figure",
    "schoenfeld_figure",
    "step_curve_figure",
]


def step_curve_figure(curves: Mapping[str, pd.DataFrame], column: str, *, ytitle: str,
                      xtitle: str = "time", title: str | None = None) -> go.Figure:
    """Step curves with shaded intervals; each frame has ``column``, ``lower``, ``upper`` by time."""
    fig = go.Figure()
    for name, frame in curves.items():
        x = frame.index.to_numpy(float)
        fig.add_trace(go.Scatter(x=x, y=frame["upper"], mode="lines", line={"width": 0, "shape": "hv"},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=frame["lower"], mode="lines", line={"width": 0, "shape": "hv"},
                                 fill="tonexty", fillcolor="rgba(31,119,180,0.2)", showlegend=False,
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=frame[column], mode="lines", name=str(name), line={"shape": "hv"}))
    fig.update_layout(title=title, xaxis_title=xtitle, yaxis_title=ytitle, yaxis_range=[0, 1.02],
                      template="plotly_white")
    return fig


def forest_figure(summary: pd.DataFrame, *, title: str | None = None, exponentiate: bool = True,
                  xtitle: str = "hazard ratio exp(coef)") -> go.Figure:
    """Estimates with 95% (or the summary's level) intervals, one row a covariate, log x axis."""
    lower = next(c for c in summary.columns if c.startswith("coef lower"))
    upper = next(c for c in summary.columns if c.startswith("coef upper"))
    labels = [" ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in summary.index]
    f = np.exp if exponentiate else (lambda v: v)
    est, lo, hi = f(summary["coef"].to_numpy(float)), f(summary[lower].to_numpy(float)), f(summary[upper].to_numpy(float))
    fig = go.Figure(go.Scatter(
        x=est, y=labels, mode="markers",
        error_x={"type": "data", "symmetric": False, "array": hi - est, "arrayminus": est - lo},
        hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.add_vline(x=1.0 if exponentiate else 0.0, line_dash="dash", line_color="grey")
    fig.update_layout(title=title, xaxis_title=xtitle, template="plotly_white",
                      yaxis={"autorange": "reversed"})
    if exponentiate:
        fig.update_xaxes(type="log")
    return fig


def baseline_hazard_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Piecewise-constant baseline hazard (``start, stop, hazard`` per interval)."""
    stop = table["stop"].to_numpy(float).copy()
    finite = np.isfinite(stop)
    if not finite.all():
        last = table["start"].to_numpy(float)[-1]
        width = np.nanmedian(np.diff(table["start"].to_numpy(float))) if len(table) > 1 else 1.0
        stop[~finite] = last + width
    x = np.concatenate([table["start"].to_numpy(float), stop[-1:]])
    y = np.concatenate([table["hazard"].to_numpy(float), table["hazard"].to_numpy(float)[-1:]])
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", line={"shape": "hv"}, name="baseline hazard"))
    fig.update_layout(title=title, xaxis_title="time", yaxis_title="hazard per unit time", template="plotly_white")
    return fig


def calibration_figure(curves: Mapping[float, pd.DataFrame], *, title: str | None = None) -> go.Figure:
    """Observed against predicted risk per horizon (``predicted``, ``observed`` columns), with the diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dash", "color": "grey"},
                             name="perfect calibration"))
    for horizon, frame in curves.items():
        f = frame.sort_values("predicted")
        fig.add_trace(go.Scatter(x=f["predicted"], y=f["observed"], mode="lines", name=f"horizon {horizon:g}"))
    fig.update_layout(title=title, xaxis_title="predicted risk", yaxis_title="observed risk",
                      template="plotly_white")
    return fig


def metric_by_horizon_figure(table: pd.DataFrame, metrics: tuple[str, ...], *, title: str | None = None) -> go.Figure:
    """Lines of evaluation metrics (columns of ``table``) against the horizon (its index)."""
    fig = go.Figure()
    for m in metrics:
        if m in table:
            fig.add_trace(go.Scatter(x=table.index.to_numpy(float), y=table[m], mode="lines+markers", name=m))
    fig.update_layout(title=title, xaxis_title="horizon", yaxis_title="value", template="plotly_white")
    return fig


def schoenfeld_figure(residuals: pd.DataFrame, params: pd.Series, *, title: str | None = None) -> go.Figure:
    """Scaled Schoenfeld residuals (plus the coefficient) against the rank of event time, one panel a covariate.

    ``residuals`` has one column a covariate and a ``time`` column. A flat cloud around the
    coefficient (dashed) is what proportional hazards look like; a trend is a hazard ratio
    that changes over time.
    """
    from plotly.subplots import make_subplots

    names = [c for c in residuals.columns if c != "time"]
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, subplot_titles=[str(n) for n in names])
    rank = np.arange(1, len(residuals) + 1)
    for i, name in enumerate(names, start=1):
        y = residuals[name].to_numpy(float) + float(params[name])
        fig.add_trace(go.Scatter(x=rank, y=y, mode="markers", marker={"size": 4}, name=str(name),
                                 showlegend=False), row=i, col=1)
        fig.add_hline(y=float(params[name]), line_dash="dash", line_color="grey", row=i, col=1)
    fig.update_layout(title=title, template="plotly_white", height=max(300, 220 * len(names)))
    fig.update_xaxes(title_text="rank of event time", row=len(names), col=1)
    return fig
