"""A self-contained HTML report of a scenario comparison: tables, cost-effectiveness, figures.

plotly.js is embedded once in the page (``include_plotlyjs=True`` on the first figure), so the
report renders with no network. :func:`figures_html` does the same for any list of figures.

Examples
--------
>>> import plotly.graph_objects as go
>>> html = figures_html([go.Figure(), go.Figure()], "t")
>>> "<script src=" in html, html.count("Plotly.newPlot") == 2
(False, True)
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["figures_html", "report_html", "CEAC_WTP"]

#: Willingness to pay per QALY at which acceptability curves are drawn: 0 to 100,000 by 2,000.
CEAC_WTP: tuple[float, ...] = tuple(float(x) for x in np.arange(0, 100_001, 2_000))


def _figure_divs(figs: Sequence[go.Figure], prefix: str) -> list[str]:
    return [f.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"{prefix}-{i}")
            for i, f in enumerate(figs)]  # fmt: skip


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{_html.escape(title)}</title>\n"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:90%}"
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>\n"
            f"{body}\n</body></html>\n")  # fmt: skip


def figures_html(figs: Sequence[go.Figure], title: str) -> str:
    """A standalone page of ``figs`` with plotly.js embedded (no network needed)."""
    return _page(
        title, f"<h1>{_html.escape(title)}</h1>\n" + "\n".join(_figure_divs(figs, "figure"))
    )


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda x: f"{x:.6g}", na_rep="", border=0)


def report_html(
    table: pd.DataFrame,
    dictionary: pd.DataFrame,
    manifest: dict,
    ce: pd.DataFrame,
    plane: pd.DataFrame | None = None,
    curve: pd.DataFrame | None = None,
    tornado: Sequence[go.Figure] = (),
    money: str = "",
    replications: pd.DataFrame | None = None,
) -> str:
    """The scenario report: what was run, cost-effectiveness, every outcome with its unit and
    interval, the data dictionary, the CE plane of the replications (``replications``:
    :attr:`Comparison.replications`) and, with a PSA, the CE plane of the draws, the CEAC and the
    tornado."""
    from cvirisk.scenarios.economics import ce_plane
    from cvirisk.scenarios.plots import ce_plane_figure, ceac_figure

    econ = manifest.get("economics", {})
    parts = ["<h1>Scenarios against the baseline</h1>",
             f"<p>Seed {manifest.get('seed')}, {manifest.get('replications')} replication(s) of "
             f"{manifest.get('n')} persons over {manifest.get('years')} years, engine "
             f"{', '.join(manifest.get('engine', []))}; common random numbers: "
             f"{manifest.get('common_random_numbers')}. Differences are scenario - baseline, paired within "
             "each replication, with t intervals over replications. Costs in "
             f"{_html.escape(money)}; costs and QALYs per person, discounted from baseline "
             f"({_html.escape(econ.get('discounting', ''))}) at {econ.get('discount_rate_costs_per_year')} (costs) "
             f"and {econ.get('discount_rate_effects_per_year')} (effects) a year. The ICER has no interval: read "
             "the net monetary benefit's, and its decision (uncertain while the interval crosses 0).</p>",
             "<h2>Cost-effectiveness</h2>", _table(ce)]  # fmt: skip
    figs: list[go.Figure] = []
    wtp = float(ce["wtp"].iloc[0]) if len(ce) else None
    if replications is not None and len(replications):
        by_rep = ce_plane(replications.assign(draw=replications["replication"] + 1))
        figs.append(
            ce_plane_figure(
                by_rep,
                wtp,
                money=money,
                points="replications",
                title="Cost-effectiveness plane (replications: first-order uncertainty)",
            )
        )
    if plane is not None and len(plane):
        figs.append(ce_plane_figure(plane, wtp, money=money))
    if curve is not None and len(curve):
        figs.append(ceac_figure(curve, money=money))
    figs.extend(tornado)
    if figs:
        parts.append("<h2>Figures</h2>")
        parts.extend(_figure_divs(figs, "figure"))
    parts += [
        "<h2>Every outcome</h2>",
        _table(table),
        "<h2>Data dictionary</h2>",
        _table(dictionary),
    ]
    return _page("cvirisk scenario report", "\n".join(parts))
