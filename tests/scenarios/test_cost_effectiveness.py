"""Cost-effectiveness: ICER, net monetary benefit, CE plane and acceptability curves on known numbers,
then in a paired comparison and a PSA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cvirisk.scenarios.economics import (
    ce_plane,
    ceac,
    cost_effectiveness,
    icer_rows,
    nmb_name,
    nmb_rows,
)


def _reps(costs_b, costs_s, qalys_b, qalys_s, name="s"):
    rows = []
    for r, (cb, cs, qb, qs) in enumerate(zip(costs_b, costs_s, qalys_b, qalys_s, strict=True)):
        rows += [{"scenario": name, "replication": r, "outcome": "costs_per_person", "baseline": cb,
                  "scenario_value": cs, "difference": cs - cb},
                 {"scenario": name, "replication": r, "outcome": "qalys_per_person", "baseline": qb,
                  "scenario_value": qs, "difference": qs - qb}]  # fmt: skip
    return pd.DataFrame(rows)


def test_nmb_icer_and_decision_on_known_numbers():
    from cvirisk.scenarios.comparison import summarise

    # incremental costs 100, 120, 140 (mean 120); incremental QALYs 0.010, 0.012, 0.008 (mean 0.010)
    reps = _reps([1000, 1000, 1000], [1100, 1120, 1140], [10, 10, 10], [10.010, 10.012, 10.008])
    nmb = nmb_rows(reps, [20_000, 5_000])
    # NMB difference = wtp * dQ - dC, replication by replication
    assert nmb[nmb["outcome"] == nmb_name(20_000)]["difference"].to_numpy() == pytest.approx(
        [100.0, 120.0, 20.0]
    )
    assert nmb[nmb["outcome"] == nmb_name(5_000)]["difference"].to_numpy() == pytest.approx(
        [-50.0, -60.0, -100.0]
    )
    table = summarise(pd.concat([reps, nmb], ignore_index=True))
    icer = icer_rows(table)
    assert icer["difference"].iloc[0] == pytest.approx(120.0 / 0.010)  # 12,000 per QALY
    assert icer["quadrant"].iloc[0] == "more costly, more effective"
    ce = cost_effectiveness(table, [20_000, 5_000]).set_index("wtp")
    assert ce.loc[20_000.0, "nmb"] == pytest.approx(80.0) and ce.loc[
        20_000.0, "icer"
    ] == pytest.approx(12_000.0)
    # t interval of (100, 120, 20): sd 52.9, half-width t(0.975, 2) * sd / sqrt(3) = 131.4 -> crosses 0
    assert ce.loc[20_000.0, "nmb_lower"] == pytest.approx(
        80 - 4.302653 * np.std([100, 120, 20], ddof=1) / math.sqrt(3)
    )
    assert ce.loc[20_000.0, "decision"] == "uncertain"
    # at 5,000 per QALY every replication loses: NMB -70 with an interval below 0
    assert (
        ce.loc[5_000.0, "nmb"] == pytest.approx(-70.0)
        and ce.loc[5_000.0, "decision"] == "not cost-effective"
    )


def test_no_qaly_difference_gives_no_icer():
    from cvirisk.scenarios.comparison import summarise

    table = summarise(_reps([10, 10], [5, 6], [1, 1], [1, 1]))
    row = icer_rows(table).iloc[0]
    assert math.isnan(row["difference"]) and row["quadrant"] == "dominant"


def test_ce_plane_and_ceac_on_known_draws():
    # PSA means for 4 draws (draw 0 = base parameters) of two scenarios
    rows = []
    for d, (qb, cb, qa, ca, qc, cc) in enumerate(
        [
            (10, 0, 10.01, 100, 10.02, 500),
            (10, 0, 10.01, 50, 10.02, 500),
            (10, 0, 10.00, 100, 10.02, 300),
            (10, 0, 10.01, 300, 10.01, 100),
        ]
    ):
        for name, q, c in (("a", qa, ca), ("c", qc, cc)):
            rows += [{"draw": d, "scenario": name, "outcome": "qalys_per_person", "baseline": qb, "scenario_value": q,
                      "difference": q - qb},
                     {"draw": d, "scenario": name, "outcome": "costs_per_person", "baseline": cb, "scenario_value": c,
                      "difference": c - cb},
                     {"draw": d, "scenario": name, "outcome": "dvt", "baseline": 1.0, "scenario_value": 1.0,
                      "difference": 0.0}]  # fmt: skip
    plane = ce_plane(pd.DataFrame(rows))
    a = plane[plane["scenario"] == "a"].set_index("draw")
    assert a["delta_costs"].tolist() == [100, 50, 100, 300] and a["delta_qalys"].round(
        9
    ).tolist() == [0.01, 0.01, 0, 0.01]
    curve = ceac(plane, [0.0, 20_000.0, 40_000.0]).pivot(
        index="wtp", columns="option", values="probability"
    )
    # draws 1..3; NMB = wtp * (q - 10) - c per option (baseline: 0)
    # wtp 0: the baseline costs nothing: it wins every draw
    assert curve.loc[0.0].to_dict() == {"a": 0.0, "baseline": 1.0, "c": 0.0}
    # wtp 20,000: draw 1 a=150, c=-100 -> a; draw 2 a=-100, c=100 -> c; draw 3 a=-100, c=100 -> c
    assert curve.loc[20_000.0].to_dict() == pytest.approx({"a": 1 / 3, "baseline": 0.0, "c": 2 / 3})
    # wtp 40,000: draw 1 a=350, c=300 -> a; draw 2 a=-100, c=500 -> c; draw 3 a=100, c=300 -> c
    assert curve.loc[40_000.0].to_dict() == pytest.approx({"a": 1 / 3, "baseline": 0.0, "c": 2 / 3})
    assert np.allclose(curve.sum(axis=1), 1.0)


def test_comparison_reports_qalys_costs_nmb_and_icer(unlimited):
    """In a real paired comparison the NMB rows are wtp * dQALYs - dcosts replication by replication,
    and every outcome has a unit."""
    from cvirisk.scenarios import compare

    res = compare(
        ["smoking_down_third"],
        params=unlimited,
        n=600,
        replications=3,
        years=8,
        seed=2,
        wtp=[25_000],
    )
    reps = res.replications.set_index(["replication", "outcome"])
    for r in range(3):
        expect = (
            25_000 * reps.loc[(r, "qalys_per_person"), "difference"]
            - reps.loc[(r, "costs_per_person"), "difference"]
        )
        assert reps.loc[(r, nmb_name(25_000)), "difference"] == pytest.approx(expect, rel=1e-12)
    t = res.table.set_index("outcome")
    assert t.loc["costs_per_person", "unit"] == "GBP (2023 prices) per person"
    assert t.loc["icer", "unit"] == "GBP (2023 prices) per QALY" and t.loc["icer", "quadrant"] != ""
    assert (res.table["unit"] != "").all()
    assert (
        t.loc["qalys_per_person", "baseline"]
        < t.loc["qalys_per_person_undiscounted", "baseline"]
        < 8.0
    )
    assert res.manifest["willingness_to_pay_per_qaly"] == [25_000.0]


def test_psa_draws_carry_economics_and_move_costs(unlimited):
    """Economic parameters are drawn in the PSA (gamma costs, beta utilities) and move costs and QALYs."""
    from cvirisk.scenarios.psa import run_psa, sample_draws, uncertain_parameters

    unc = uncertain_parameters(unlimited)
    assert unc["economics.costs.surgery"]["distribution"] == "gamma"
    assert unc["economics.utilities.open_ulcer"]["distribution"] == "beta"
    draws = sample_draws(
        unlimited, 30, seed=1, keys=["economics.costs.surgery", "economics.utilities.C2"]
    )
    assert all(
        d["economics.costs.surgery"] > 0 and 0 < d["economics.utilities.C2"] < 1 for d in draws
    )
    psa = run_psa(["smoking_down_third"], unlimited, 2, seed=3, n=200, years=3)
    plane = ce_plane(psa.draws)
    assert sorted(plane["draw"]) == [0, 1, 2]
    costs = psa.draws[psa.draws["outcome"] == "costs_per_person"].set_index("draw")["baseline"]
    assert costs.nunique() == 3  # each parameter draw prices (and simulates) its own way
