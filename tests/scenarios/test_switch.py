"""``parameters_from: baseline``: histories as in the baseline arm, the scenario's parameters in follow-up."""

from __future__ import annotations

import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.params import load_params
from cvirisk.scenarios import compare, compile_scenario, load_scenario, scenario_from_dict
from cvirisk.scenarios.switch import simulate_from_baseline
from cvirisk.sim import simulate


def _from_baseline(name: str):
    data = load_scenario(name).model_dump()
    return scenario_from_dict({**data, "name": f"{name}_from_baseline", "parameters_from": "baseline"})


def _plain(ev: pd.DataFrame) -> pd.DataFrame:
    out = ev.reset_index(drop=True)
    return out.assign(event=out["event"].astype(str), detail=out["detail"].astype(str))


def test_same_parameters_give_the_plain_simulation(unlimited, cohort3k):
    a = simulate(cohort3k, params=unlimited, seed=6, years=15, engine="fast")
    b = simulate_from_baseline(cohort3k, unlimited, unlimited, seed=6, years=15)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_histories_are_untouched_and_follow_up_changes(unlimited, cohort3k):
    comp = compile_scenario(_from_baseline("earlier_referral"), unlimited, cohort3k, seed=6)
    base = simulate(cohort3k, params=unlimited, seed=6, years=15, engine="fast").events
    scen = simulate_from_baseline(comp.cohort, unlimited, comp.params, seed=6, years=15).events
    pd.testing.assert_frame_equal(_plain(base[base["t"] < 0]), _plain(scen[scen["t"] < 0]))
    whole = simulate(comp.cohort, params=comp.params, seed=6, years=15, engine="fast").events
    assert not _plain(whole[whole["t"] < 0]).equals(_plain(base[base["t"] < 0]))  # the default rewrites history
    done = lambda ev: int(((ev["event"] == "surgery") & ev["detail"].astype(str).str.startswith("done")  # noqa: E731
                           & (ev["t"] >= 0)).sum())
    assert done(scen) > done(base)


def test_compression_from_baseline_lowers_ulcer_years(unlimited):
    tab = compare([_from_baseline("compression_adherence_doubled")], params=unlimited, n=2000, seed=1,
                  replications=4, years=20, engine="fast").table.set_index("outcome")
    assert tab.loc["ulcer_years", "upper"] < 0
    assert tab.loc["cvi_incident", "difference"] == 0  # compression starts at C3: first C3 cannot move


def test_needs_unlimited_capacity(params, cohort3k):
    with pytest.raises(InputError, match="unlimited surgical capacity"):
        compare([_from_baseline("earlier_referral")], params=load_params(), cohort=cohort3k.head(50), replications=1,
                years=2)
