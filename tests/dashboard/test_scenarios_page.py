"""The Scenarios page shows the library's numbers: AppTest against cvirisk.scenarios for the same seed.

Small runs (a few hundred persons, a few years, two replications) keep each test to seconds;
the numbers are compared exactly: the page may only relabel them.
"""

from __future__ import annotations

import io
import json
import math
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from dash_helpers import APP, decode, figure

import cvirisk
from cvirisk import outcomes as vocabulary
from cvirisk.scenarios import compare, precision, scenario_from_dict

sys.path.insert(0, str(APP.parent))

import views.scenarios as page  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SMALL = {
    "n": 500,
    "years": 5,
    "auto_replications": False,
    "replications": 2,
    "intervention": page.CUSTOM,
}


def shown(at) -> pd.DataFrame:
    """The page's comparison table (the first table with the column "95% low")."""
    for d in at.dataframe:
        value = d.value.data if hasattr(d.value, "data") else d.value
        if "95% low" in value.columns:
            return value
    raise AssertionError("no comparison table shown")


def library_table(scenario, n=500, years=5, replications=2, seed=1) -> pd.DataFrame:
    res = compare([scenario], params=cvirisk.load_params(), n=n, seed=seed, replications=replications,
                  years=years, engine="fast")  # fmt: skip
    return res.table.set_index("outcome")


def assert_same_numbers(table: pd.DataFrame, lib: pd.DataFrame) -> None:
    """Every registered outcome: the page's five numbers are the library's, bit for bit."""
    t = table.set_index("outcome")
    assert list(t.index) == [o for o in lib.index if o in set(vocabulary.names())]
    pairs = {"baseline": "baseline", "scenario": "scenario_value", "difference": "difference",
             "95% low": "lower", "95% high": "upper"}  # fmt: skip
    for col, lib_col in pairs.items():
        np.testing.assert_array_equal(t[col].to_numpy(float), lib.loc[t.index, lib_col].to_numpy(float),
                                      err_msg=col)  # fmt: skip


def test_dashboard_numbers_equal_the_library_for_the_same_seed(open_page):
    at = open_page("Scenarios", **SMALL)
    at.slider(key="smoking_cessation").set_value(0.5).run()
    assert not at.exception and not at.error
    table = shown(at)
    lib = library_table(scenario_from_dict({"name": "custom", "description": "dashboard controls", "interventions": [
        {"type": "smoking_cessation", "share": 0.5, "at_year": 0.0}]}))  # fmt: skip
    assert lib["difference"].abs().sum() > 0  # the intervention changed something
    assert_same_numbers(table, lib)
    # labels and units are the vocabulary's
    t = table.set_index("outcome")
    assert t.loc["ulcer_years", "label"] == vocabulary.get("ulcer_years").label
    assert t.loc["life_years", "unit"] == vocabulary.get("life_years").unit
    # the relative figure is the same numbers over the baseline
    fig = figure(at, "scenario_difference")["data"][0]
    rel = dict(zip(decode(fig["y"]), decode(fig["x"]), strict=True))
    o = "cvi_incident"
    assert rel[vocabulary.get(o).label] == pytest.approx(
        100 * lib.loc[o, "difference"] / lib.loc[o, "baseline"]
    )
    # the manifest is the library's, with the page's settings beside it
    manifest = json.loads(at.json[0].value)
    assert (
        manifest["seed"] == 1
        and manifest["replications"] == 2
        and manifest["common_random_numbers"]
    )


def test_fewer_smokers_means_the_shipped_scenario(open_page):
    """Picking smoking_down_third moves the smoking control to its share, and the page runs the
    shipped file: one meaning for "fewer smokers" (quit at baseline), the library's numbers."""
    at = open_page("Scenarios", **SMALL)
    at.selectbox(key="intervention").select("smoking_down_third").run()
    assert not at.exception and not at.error
    assert at.slider(key="smoking_cessation").value == pytest.approx(0.3333)
    assert any("Scenario `smoking_down_third`" in m.value for m in at.markdown)
    assert_same_numbers(shown(at), library_table("smoking_down_third"))
    # moving another control makes it a custom scenario with both interventions
    at.slider(key="compression_adherence").set_value(2.0).run()
    assert (
        at.selectbox(key="intervention").value == page.CUSTOM
    )  # the picker no longer claims the file
    assert any(
        "Scenario `custom`" in m.value and "compression_adherence" in m.value for m in at.markdown
    )


def test_opens_on_the_worked_example_with_replications_from_the_measured_precision(open_page):
    at = open_page("Scenarios", n=5000, years=2)
    assert at.selectbox(key="intervention").value == page.DEFAULT_SCENARIO
    assert at.slider(key="surgical_capacity").value == 2.0
    expected = precision.default_replications(5000)
    assert expected == precision.MIN_REPLICATIONS  # 9,000 persons: five replications of 5,000
    assert any(f"{expected} replications of 5,000 persons" in c.value for c in at.caption)
    assert json.loads(at.json[0].value)["replications"] == expected


def test_the_default_size_is_the_median_of_the_measurement():
    median = float(np.median(list(precision.MEASURED.values())))
    assert precision.PERSONS_NEEDED == 1000 * math.ceil(median / 1000)
    assert precision.default_replications(2000) == 5 and precision.default_replications(500) == 18


def test_intervals_that_cross_zero_are_flagged_with_the_replications_they_need(open_page):
    at = open_page("Scenarios", **SMALL)
    at.slider(key="smoking_cessation").set_value(0.5).run()
    table = shown(at)
    crossing = table[table["note"] == "interval crosses zero"]
    assert len(crossing) > 0
    assert ((crossing["95% low"] <= 0) & (crossing["95% high"] >= 0)).all()
    rest = table[table["note"] == ""]
    assert ((rest["95% low"] > 0) | (rest["95% high"] < 0)).all()
    warning = " ".join(w.value for w in at.warning)
    assert f"crosses zero for {len(crossing)} of {len(table)} outcomes" in warning
    for label in crossing["label"]:
        assert label in warning


def test_replications_to_separate_is_the_t_interval_rule():
    from scipy import stats

    r = page.replications_to_separate(2.0, 1.0)
    half = lambda k: stats.t.ppf(0.975, k - 1) * 2.0 / math.sqrt(k)  # noqa: E731
    assert half(r) < 1.0 <= half(r - 1)
    assert page.replications_to_separate(1.0, 0.0) is None


def test_what_an_engine_does_not_model_is_shown_as_not_modelled_never_zero(monkeypatch):
    lib = pd.DataFrame({"scenario": ["s"] * 2, "outcome": ["ulcer_years", "mean_wait_years"],
                        "baseline": [3.0, math.nan], "scenario_value": [2.0, math.nan],
                        "difference": [-1.0, math.nan], "lower": [-2.0, math.nan], "upper": [-0.5, math.nan],
                        "sd": [0.1, math.nan]})  # fmt: skip
    real = vocabulary.get

    def only_reference(name):
        o = real(name)
        return type(o)(**{**o.__dict__, "engines": ("reference",)}) if name == "ulcer_years" else o

    monkeypatch.setattr(page.vocabulary, "get", only_reference)
    table = page.shown_table(lib, "fast")
    row = table.set_index("outcome").loc["ulcer_years"]
    assert row["note"] == "not modelled by the fast engine" and np.isnan(row["baseline"])
    assert table.set_index("outcome").loc["mean_wait_years", "note"].startswith("not defined")
    html = page._styled(table).to_html()
    assert "not modelled" in html and "not defined" in html and "0.000" not in html
    assert (
        page.shown_table(lib, "reference").set_index("outcome").loc["ulcer_years", "baseline"]
        == 3.0
    )


def test_download_holds_the_library_table_its_dictionary_and_the_manifest(open_page):
    at = open_page("Scenarios", **SMALL)
    at.slider(key="referral").set_value(4).run()
    assert not at.exception and not at.error
    manifest = json.loads(at.json[0].value)
    assert manifest["dashboard"]["scenario"]["interventions"] == [
        {"type": "referral", "min_class": 4}
    ]
    lib = compare([scenario_from_dict({"name": "custom", "description": "dashboard controls",
                                       "interventions": [{"type": "referral", "min_class": 4}]})],
                  n=500, seed=1, replications=2, years=5, engine="fast")  # fmt: skip
    dictionary = vocabulary.dictionary(
        [n for n in lib.table["outcome"].unique() if n in set(vocabulary.names())]
    )
    blob = page._download(lib, dictionary, manifest)
    z = zipfile.ZipFile(io.BytesIO(blob))
    assert z.namelist() == [
        "comparison.csv",
        "comparison_dictionary.csv",
        "replications.csv",
        "manifest.json",
    ]
    assert pd.read_csv(io.BytesIO(z.read("comparison.csv")))["difference"].tolist() == pytest.approx(
        lib.table["difference"].tolist(), nan_ok=True)  # fmt: skip


def test_cost_effectiveness_table_is_the_library_s(open_page):
    from cvirisk.scenarios.economics import cost_effectiveness

    at = open_page("Scenarios", **SMALL)
    at.slider(key="surgical_capacity").set_value(2.0).run()
    at.multiselect(key="wtp").select(50_000.0).run()
    assert not at.exception and not at.error
    got = next(d.value for d in at.dataframe if "icer" in d.value.columns).reset_index(drop=True)
    lib = compare([scenario_from_dict({"name": "custom", "description": "dashboard controls",
                                       "interventions": [{"type": "surgical_capacity", "multiply": 2.0}]})],
                  n=500, seed=1, replications=2, years=5, engine="fast", wtp=[20_000, 30_000, 50_000])  # fmt: skip
    want = cost_effectiveness(lib.table).drop(columns="scenario")
    assert list(got["wtp"]) == [20_000.0, 30_000.0, 50_000.0]
    pd.testing.assert_frame_equal(got, want)
    icer = next(m for m in at.metric if m.label.startswith("ICER"))
    expected = f"{want['icer'][0]:,.0f}" if np.isfinite(want["icer"][0]) else "not defined"
    assert icer.value == expected and icer.delta == want["quadrant"][0]
    assert_same_numbers(
        shown(at), lib.table.set_index("outcome")
    )  # QALYs and costs per person among them


def test_psa_and_tornado_on_the_page_are_the_library_s(open_page):
    from cvirisk.scenarios.psa import one_way, run_psa

    keys = ["care.compression_adherence", "economics.costs.compression_per_year"]
    at = open_page("Scenarios", **{**SMALL, "years": 3})
    at.slider(key="compression_adherence").set_value(2.0).run()
    at.selectbox(key="uncertainty_outcome").select("ulcer_years").run()
    at.select_slider(key="psa_draws").set_value(10).run()
    at.multiselect(key="tornado_keys").set_value(keys).run()
    at.toggle(key="run_psa").set_value(True).run()
    at.toggle(key="run_tornado").set_value(True).run()
    assert not at.exception and not at.error
    scenario = scenario_from_dict({"name": "custom", "description": "dashboard controls",
                                   "interventions": [{"type": "compression_adherence", "multiply": 2.0}]})  # fmt: skip
    params = cvirisk.load_params()
    psa = run_psa([scenario], params, 10, seed=1, n=500, years=3, engine="fast")
    want = psa.summary[psa.summary["outcome"] == "ulcer_years"].reset_index(drop=True)
    got = next(d.value for d in at.dataframe if "difference_mean" in d.value.columns).reset_index(
        drop=True
    )
    pd.testing.assert_frame_equal(got, want)
    ow = one_way([scenario], params, keys, seed=1, n=500, years=3, engine="fast")
    ow = ow[ow["outcome"] == "ulcer_years"].sort_values(
        "swing", kind="stable"
    )  # the figure's order
    bars = figure(at, "scenario_tornado")["data"]
    assert decode(bars[0]["y"]) == ow["parameter"].tolist()
    base = ow["base"].to_numpy(float)
    assert decode(bars[0]["x"]) == pytest.approx((ow["at_low"] - base).tolist())
    assert decode(bars[1]["x"]) == pytest.approx((ow["at_high"] - base).tolist())
    # the cost-effectiveness plane and the acceptability curve are the PSA draws'
    from cvirisk.scenarios.economics import ce_plane, ceac

    plane = ce_plane(psa.draws)
    points = figure(at, "ce_plane")["data"][0]
    sampled = plane[plane["draw"] > 0]
    assert decode(points["x"]) == pytest.approx(sampled["delta_qalys"].tolist())
    assert decode(points["y"]) == pytest.approx(sampled["delta_costs"].tolist())
    curve = ceac(plane, [float(x) for x in np.linspace(0.0, 60_000.0, 25)])
    shown_curve = {t["name"]: decode(t["y"]) for t in figure(at, "ceac")["data"]}
    for option, g in curve.groupby("option"):
        assert shown_curve[option] == pytest.approx(g["probability"].tolist())


def test_a_failing_psa_is_one_line_and_the_rest_of_the_page_stays(open_page, monkeypatch):
    from cvirisk.exceptions import InputError

    def refuse(*args, **kwargs):
        raise InputError("posterior/draws.csv: no posterior draws (run cvirisk calibrate --bayes)")

    monkeypatch.setattr(page, "run_psa", refuse)
    at = open_page("Scenarios", **{**SMALL, "years": 2})
    at.slider(key="referral").set_value(5).run()
    at.select_slider(key="psa_draws").set_value(50).run()
    at.toggle(key="run_psa").set_value(True).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "posterior/draws.csv: no posterior draws (run cvirisk calibrate --bayes)"
    ]
    assert at.toggle(key="run_tornado") is not None and at.get("download_button")


def test_age_standardised_rates_of_the_baseline_are_the_library_s(open_page):
    from cvirisk.outcomes import standardised_rate

    at = open_page("Scenarios", **SMALL)
    at.slider(key="referral").set_value(5).run()
    at.toggle(key="standardised").set_value(True).run()
    assert not at.exception and not at.error
    got = next(d.value for d in at.dataframe if "age-standardised" in d.value.columns).set_index(
        "rate per 1,000 person-years")  # fmt: skip
    params = cvirisk.load_params()
    run = cvirisk.simulate(
        cvirisk.generate_cohort(500, seed=1, params=params), params=params, seed=1, years=5
    )
    want = standardised_rate(run.events, "dvt", "incident", end=5)
    assert got.loc["DVT", "age-standardised"] == want["rate"]
    assert (got.loc["DVT", "95% low"], got.loc["DVT", "95% high"]) == (
        want["rate_low"],
        want["rate_high"],
    )
    crude = vocabulary.measure(run.events, 5, names=["dvt_rate", "death_rate"])
    assert got["crude"].tolist() == pytest.approx(
        [crude["dvt_rate"], crude["death_rate"]], rel=1e-12
    )
    assert got["crude"].tolist() == pytest.approx(
        [standardised_rate(run.events, k, d, end=5)["crude_rate"] for k, d in (("dvt", "incident"), ("death", None))],
        rel=1e-9)  # fmt: skip


@pytest.mark.parametrize("module", [precision, page], ids=lambda m: m.__name__)
def test_docstring_examples_of_the_page(module):
    import doctest

    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
