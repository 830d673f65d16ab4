"""AppTest (no browser) of the Calibration page: the shipped posterior's predictive checks."""

from __future__ import annotations

import pytest
from dash_helpers import figure

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_calibration_page_shows_the_shipped_predictive_checks(open_page):
    from cvirisk.calibration.diagnostics import load_ppc

    summary, draws = load_ppc()
    at = open_page("Calibration")
    fit = summary[summary["fitted"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Fitted targets covered"] == f"{int(fit['covered'].sum())} of {len(fit)}"
    ppc = figure(at, "ppc")
    assert ppc["layout"]["title"]["text"].startswith("Posterior predictive checks")
    labels = [y for tr in ppc["data"] if tr.get("type") == "bar" for y in tr["y"]]
    assert len(labels) == len(summary) and any(lab.startswith("bonn1_c0_all") for lab in labels)
    target = summary["target_id"].iloc[-1]
    at.selectbox(key="ppc_target").select(target).run()
    assert not at.exception
    assert figure(at, "ppc_one")["layout"]["title"]["text"].startswith(target)
    assert len(at.dataframe) >= 1
