"""Common random numbers: paired intervals are much narrower, results reproduce, untouched persons match."""

from __future__ import annotations

import pandas as pd
import pytest

from cvirisk.scenarios import compare, compile_scenario, load_scenario
from cvirisk.sim import simulate


@pytest.fixture(scope="module")
def paired_and_independent(unlimited):
    kw = {"params": unlimited, "n": 2000, "seed": 11, "replications": 5, "years": 20, "engine": "fast"}
    paired = compare(["smoking_down_third", "weight_reduction"], **kw)
    independent = compare(["smoking_down_third", "weight_reduction"], scenario_seed=12, **kw)
    return paired, independent


@pytest.mark.parametrize(("scenario", "outcome"), [("smoking_down_third", "deaths"),
                                                   ("weight_reduction", "cvi_incident")])
def test_paired_interval_is_at_least_three_times_narrower(paired_and_independent, scenario, outcome):
    paired, independent = (r.table.set_index(["scenario", "outcome"]).loc[(scenario, outcome)]
                           for r in paired_and_independent)
    width_p = paired["upper"] - paired["lower"]
    width_i = independent["upper"] - independent["lower"]
    assert paired_and_independent[0].manifest["common_random_numbers"]
    assert not paired_and_independent[1].manifest["common_random_numbers"]
    assert 3 * width_p < width_i, (width_p, width_i)


def test_same_seed_same_comparison_bytes(unlimited, paired_and_independent):
    again = compare(["smoking_down_third", "weight_reduction"], params=unlimited, n=2000, seed=11, replications=5,
                    years=20, engine="fast")
    assert again.table.to_csv(index=False) == paired_and_independent[0].table.to_csv(index=False)
    assert again.replications.to_csv(index=False) == paired_and_independent[0].replications.to_csv(index=False)


@pytest.mark.parametrize("name", ["smoking_down_third", "weight_reduction", "fewer_sedentary_jobs"])
def test_persons_untouched_by_a_driver_intervention_have_identical_logs(unlimited, cohort3k, name):
    comp = compile_scenario(load_scenario(name), unlimited, cohort3k, seed=4, replication=1)
    assert 0 < comp.touched.sum() < len(cohort3k)
    base = simulate(cohort3k, params=unlimited, seed=4, replication=1, years=20, engine="fast").events
    scen = simulate(comp.cohort, params=comp.params, seed=4, replication=1, years=20, engine="fast").events
    untouched = set(cohort3k.loc[~comp.touched, "person_id"])
    pd.testing.assert_frame_equal(_plain(base[base["person_id"].isin(untouched)]),
                                  _plain(scen[scen["person_id"].isin(untouched)]))
    # the touched persons' histories before baseline are untouched too
    pd.testing.assert_frame_equal(_plain(base[~base["person_id"].isin(untouched) & (base["t"] < 0)]),
                                  _plain(scen[~scen["person_id"].isin(untouched) & (scen["t"] < 0)]))


def _plain(ev: pd.DataFrame) -> pd.DataFrame:
    out = ev.reset_index(drop=True)
    return out.assign(event=out["event"].astype(str), detail=out["detail"].astype(str))
