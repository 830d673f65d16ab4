"""The report table, its notes for targets not met, and the figure."""

import numpy as np
import pandas as pd

from cvirisk.calibration import load_targets, report_figure, report_table
from cvirisk.calibration.distance import target_distance, within
from cvirisk.calibration.report import report_markdown


def _evaluated(factor: float) -> pd.DataFrame:
    t = load_targets()
    sim = t["value"] * factor
    rows = {"simulated": sim, "sim_low": sim * 0.95, "sim_high": sim * 1.05, "sim_detail": ""}
    out = t.assign(**rows)
    w = [within(s, v, lo, hi) for s, v, lo, hi in zip(out["simulated"], out["value"], out["low"], out["high"], strict=True)]
    out["within"] = [a for a, _ in w]
    out["rule"] = [b for _, b in w]
    out["distance"] = [target_distance(s, v, lo, hi) for s, v, lo, hi in zip(out["simulated"], out["value"], out["low"], out["high"], strict=True)]
    return out


def test_table_at_the_targets_is_all_within_with_roles():
    rep = report_table(_evaluated(1.0))
    assert len(rep) == 34
    assert rep["within"].str.startswith("yes").all()
    assert (rep["distance"] == 0).all()
    assert set(rep["role"]) == {"fitted", "checked", "input"}
    assert rep.set_index("target_id").loc["compression_healing_hr", "note"].startswith("input, not calibrated")
    assert not rep["note"].str.contains("NOT MET").any()


def test_targets_not_met_say_why():
    rep = report_table(_evaluated(1.5)).set_index("target_id")
    assert rep.loc["vte_incidence_85_up", "within"] == "no (within 20% of value)"
    assert "NOT MET: the DVT age slope is fixed" in rep.loc["vte_incidence_85_up", "note"]
    md = report_markdown(rep.reset_index(), command="cvirisk calibrate --report-only", meta={"seed": 1})
    assert "## Targets not met, and why" in md and "**vte_incidence_85_up**" in md


def test_figure_draws_targets_and_simulated_values():
    fig = report_figure(report_table(_evaluated(1.1)))
    assert len(fig.data) == 2 and len(fig.data[1].x) == 34
    assert np.allclose(np.asarray(fig.data[1].x, float), 1.1)
    assert fig.layout.xaxis.type == "log"
