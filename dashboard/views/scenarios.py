"""Scenarios page: interventions against the shipped baseline, as the library compares them.

Layout only. The controls describe a :class:`cvirisk.scenarios.Scenario` (``views.controls``);
:func:`cvirisk.scenarios.compare` runs it against the baseline with common random numbers and
summarises the paired differences; the outcomes, their definitions and units are the outcome
vocabulary's (:mod:`cvirisk.outcomes`); PSA and the tornado are
:func:`cvirisk.scenarios.psa.run_psa` and :func:`~cvirisk.scenarios.psa.one_way`. The page
computes no outcome and no interval of its own: ``tests/dashboard`` checks that what it shows
equals what the library gives for the same seed.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import pandas as pd
import streamlit as st
from scipy import stats

import cvirisk
from cvirisk import outcomes as vocabulary
from cvirisk.exceptions import InputError
from cvirisk.outcomes.economics import money_unit
from cvirisk.plots import difference_figure, scenario_comparison_figure
from cvirisk.scenarios import compare, load_scenario, paired_interval, precision, scenario_from_dict
from cvirisk.scenarios.economics import DEFAULT_WTP, ce_plane, ceac, cost_effectiveness
from cvirisk.scenarios.plots import ce_plane_figure, ceac_figure, tornado_figure
from cvirisk.scenarios.psa import one_way, run_psa, uncertain_parameters

from . import common
from .controls import CONTROLS, NotOnControls, bounds, current, scenario_for, values_for

CUSTOM = "custom (the controls below)"
#: The scenario the page opens with: the worked cost-effectiveness example of docs/economics.md.
DEFAULT_SCENARIO = "surgical_capacity_doubled"
#: Units whose outcomes get a bar chart of both arms: prevalences and rates.
CHART_UNITS = {"% of persons alive": "Prevalence at end of follow-up (%)",
               "per 1,000 person-years": "Rates per 1,000 person-years"}  # fmt: skip
#: Columns of the table shown (the library's comparison table with the vocabulary's words).
SHOWN = ["outcome", "label", "unit", "baseline", "scenario", "difference", "95% low", "95% high", "note"]  # fmt: skip
#: Rates offered age-standardised: label -> (the vocabulary's crude rate, event kind, event detail).
STANDARDISED = {"DVT": ("dvt_rate", "dvt", "incident"), "deaths": ("death_rate", "death", None)}
#: Willingness to pay per QALY offered for the net monetary benefit (the library's default: NICE's two).
WTP_OPTIONS = (10_000.0, 20_000.0, 30_000.0, 50_000.0, 100_000.0)
#: PSA draws offered (each draw runs both arms once).
PSA_DRAWS = (10, 20, 50, 100)


# ---------------------------------------------------------------- library calls, cached


def _progress(text: str):
    bar = st.progress(0.0, text=text)

    def report(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{text}: {done} of {total}")

    return bar, report


@st.cache_data(show_spinner=False, max_entries=32)
def library_run(
    what: str,
    scenario_json: str,
    params_hash: str,
    seed: int,
    n: int,
    years: int,
    engine: str,
    extra: tuple = (),
    *,
    _params=None,
):
    """One cached library call on the scenario (JSON) against the baseline at these settings.

    ``what``: ``"compare"`` (:func:`cvirisk.scenarios.compare`; ``extra`` = replications and
    willingness-to-pay values), ``"psa"`` (:func:`cvirisk.scenarios.psa.run_psa`, one replication
    a draw; ``extra`` = number of draws) or ``"one_way"`` (:func:`~cvirisk.scenarios.psa.one_way`;
    ``extra`` = the parameter keys). ``params_hash`` stands for ``_params`` in the cache key.
    """
    scenario = scenario_from_dict(json.loads(scenario_json), "dashboard controls")
    text = {"compare": f"Running {extra[0] if extra else ''} replications of baseline and scenario ({n:,} persons)",
            "psa": f"PSA: {extra[0] if extra else ''} parameter draws",
            "one_way": f"One-way analysis: {len(extra)} parameters, each at both ends of its interval"}[what]  # fmt: skip
    bar, report = _progress(text)
    kw = {"seed": seed, "progress": report, "n": n, "years": years, "engine": engine}
    if what == "compare":
        result = compare(
            [scenario], params=_params, replications=extra[0], wtp=list(extra[1]), **kw
        )
    elif what == "psa":
        result = run_psa([scenario], _params, extra[0], **kw)
    else:
        result = one_way([scenario], _params, list(extra), **kw)
    bar.empty()
    return result


# ---------------------------------------------------------------- what is shown


def shown_table(table: pd.DataFrame, engine: str) -> pd.DataFrame:
    """The library's comparison table of one scenario in the vocabulary's words.

    Numbers are the library's, unchanged. An outcome the engine does not model has no numbers
    and the note "not modelled" (never a 0); an interval that crosses zero says so.
    """
    rows = []
    # derived rows (net monetary benefit, ICER) go to the cost-effectiveness table
    known = set(vocabulary.names())
    for _, r in table[table["outcome"].isin(known)].iterrows():
        o = vocabulary.get(r["outcome"])
        modelled = o.modelled_by(engine)
        values = [r["baseline"], r["scenario_value"], r["difference"], r["lower"], r["upper"]]
        if not modelled:
            values = [math.nan] * 5
        note = ""
        if not modelled:
            note = f"not modelled by the {engine} engine"
        elif not np.isfinite(r["difference"]):
            note = "not defined (no events to average over)"
        elif r["lower"] <= 0 <= r["upper"] and not (r["lower"] == r["upper"] == 0):
            note = "interval crosses zero"
        elif r["lower"] == r["upper"] == 0:
            note = "no difference in any replication"
        # the library's unit (with its currency), else the vocabulary's
        unit = r["unit"] if "unit" in r.index and r["unit"] else o.unit
        rows.append(dict(zip(SHOWN, [o.name, o.label, unit, *values, note], strict=True)))
    return pd.DataFrame(rows, columns=SHOWN)


def _styled(shown: pd.DataFrame):
    """Empty numbers read "not modelled" or "not defined", never 0."""
    cols = ["baseline", "scenario", "difference", "95% low", "95% high"]
    styler = shown.style.format(precision=3, subset=cols, na_rep="not defined")
    not_modelled = shown.index[shown["note"].str.startswith("not modelled")]
    if len(not_modelled):
        styler = styler.format(
            na_rep="not modelled", precision=3, subset=pd.IndexSlice[not_modelled, cols]
        )
    return styler


def replications_to_separate(
    sd: float, difference: float, level: float = 0.95, cap: int = 10_000
) -> int | None:
    """Fewest replications whose t interval of a mean difference of this size and spread excludes 0.

    >>> replications_to_separate(1.0, 1.0)
    7
    """
    if not (np.isfinite(sd) and np.isfinite(difference)) or difference == 0:
        return None
    for r in range(2, cap + 1):
        if stats.t.ppf(0.5 + level / 2, r - 1) * sd / math.sqrt(r) < abs(difference):
            return r
    return None


def _crossing_warning(table: pd.DataFrame, shown: pd.DataFrame, n: int) -> None:
    crossing = shown[shown["note"] == "interval crosses zero"]
    if crossing.empty:
        return
    lib = table.set_index("outcome")
    parts = []
    for _, r in crossing.iterrows():
        need = replications_to_separate(float(lib.loc[r["outcome"], "sd"]), float(r["difference"]))
        parts.append(
            f"{r['label']} (about {need} replications)"
            if need
            else f"{r['label']} (no difference seen)"
        )
    st.warning(f"The 95% interval of the difference crosses zero for {len(parts)} of {len(shown)} outcomes: "
               "these differences are not separated from Monte Carlo noise at this size. Replications of "
               f"{n:,} persons needed if the effect and its spread are as measured here: " + "; ".join(parts) + ".",
               icon="⚠️")  # fmt: skip


def _arms(reps: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Each arm's mean and t interval over replications (the library's ``paired_interval``), long format."""
    rows = []
    for name in names:
        part = reps[reps["outcome"] == name]
        for arm, col in (("baseline", "baseline"), ("scenario", "scenario_value")):
            mean, low, high, _sd = paired_interval(part[col])
            rows.append({"outcome": vocabulary.get(name).label, "arm": arm, "estimate": mean, "lower": low,
                         "upper": high})  # fmt: skip
    return pd.DataFrame(rows)


def _relative(shown: pd.DataFrame) -> pd.DataFrame:
    """Paired differences as percent of the baseline mean (outcomes with a zero or undefined baseline left out)."""
    s = shown[
        np.isfinite(shown["baseline"].astype(float)) & (shown["baseline"].astype(float).abs() > 0)
    ]
    scale = 100.0 / s["baseline"].astype(float)
    return pd.DataFrame({"outcome": s["label"], "estimate": s["difference"] * scale, "lower": s["95% low"] * scale,
                         "upper": s["95% high"] * scale})  # fmt: skip


def _download(comparison, dictionary: pd.DataFrame, manifest: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("comparison.csv", comparison.table.to_csv(index=False))
        zf.writestr("comparison_dictionary.csv", dictionary.to_csv(index=False))
        zf.writestr("replications.csv", comparison.replications.to_csv(index=False))
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True, default=str))
    return buf.getvalue()


# ---------------------------------------------------------------- controls


def _apply_shipped() -> None:
    """Selectbox callback: show the picked shipped scenario on the controls (or reset them)."""
    params = common.default_params()
    pick = st.session_state.get("intervention", CUSTOM)
    if pick == CUSTOM:
        values = {c.key: current(c, params) for c in CONTROLS}
    else:
        try:
            values = values_for(load_scenario(pick), params)
        except NotOnControls:
            return
    for key, value in values.items():
        st.session_state[key] = value


def _to_custom() -> None:
    """Slider callback: a moved control makes the scenario the controls' own (the picker says so)."""
    st.session_state["intervention"] = CUSTOM


def _controls(params) -> dict:
    values = {}
    for group in ("Risk factors", "Interventions", "Capacity"):
        with st.expander(group, expanded=True):
            for c in (c for c in CONTROLS if c.group == group):
                lo, hi, step = bounds(c, params)
                if c.key not in st.session_state:
                    st.session_state[c.key] = current(c, params)
                if c.kind in ("count", "ceap_class"):
                    st.session_state[c.key] = int(st.session_state[c.key])
                    values[c.key] = st.slider(c.label, int(lo), int(hi), step=int(step), key=c.key, help=c.help,
                                              on_change=_to_custom)  # fmt: skip
                else:
                    st.session_state[c.key] = float(st.session_state[c.key])
                    values[c.key] = st.slider(c.label, float(lo), float(hi), step=float(step), key=c.key,
                                              format=c.fmt, help=c.help, on_change=_to_custom)  # fmt: skip
    return values


def _replications(settings: common.Settings) -> int:
    auto = (
        precision.default_replications(settings.n)
        if settings.engine == "fast"
        else precision.MIN_REPLICATIONS
    )
    on = st.toggle("Replications from the measured precision", value=True, key="auto_replications",
                   help=f"{precision.PERSONS_NEEDED:,} persons per arm separate the median shipped scenario's effect "
                        "from zero (measured: cvirisk/scenarios/precision.py); at least "
                        f"{precision.MIN_REPLICATIONS} replications.")  # fmt: skip
    if on:
        st.caption(
            f"{auto} replications of {settings.n:,} persons"
            + (
                ""
                if settings.engine == "fast"
                else " (the reference engine is for checking, not precision)"
            )
        )
        return auto
    if "replications" not in st.session_state:
        st.session_state["replications"] = auto
    return int(
        st.slider(
            "Replications",
            2,
            40,
            key="replications",
            help="Independent replications (seed, replication 0..R-1) of both arms.",
        )
    )


# ---------------------------------------------------------------- page


def render(settings: common.Settings) -> None:
    st.header("Scenarios")
    st.caption("An intervention against the shipped baseline, compared as `cvirisk scenario` compares it: both arms "
               "simulate the same cohort with the same random numbers (common random numbers), replication by "
               "replication, and each difference comes with a 95% t interval over replications. Counts are over "
               "the simulated cohort; definitions and units are the outcome vocabulary's.")  # fmt: skip
    params = common.default_params()
    left, right = st.columns([1, 2])
    if "intervention" not in st.session_state:  # first visit: open on the worked example
        st.session_state["intervention"] = (
            DEFAULT_SCENARIO if DEFAULT_SCENARIO in common.library() else CUSTOM
        )
        _apply_shipped()
    with left:
        st.selectbox(
            "Scenario",
            [CUSTOM, *common.library()],
            key="intervention",
            on_change=_apply_shipped,
            help="A shipped scenario (cvirisk/scenarios/library) is shown on the controls.",
        )
        values = _controls(params)
        reps = _replications(settings)
        wtp = st.multiselect("Willingness to pay per QALY (net monetary benefit)", WTP_OPTIONS,
                             default=list(DEFAULT_WTP), key="wtp", format_func=lambda x: f"{x:,.0f}",
                             help="NICE's range is 20,000 to 30,000 per QALY gained (PMG36, 2022).")  # fmt: skip
        wtp = tuple(sorted(float(x) for x in wtp))
        reps_auto = bool(st.session_state.get("auto_replications", True))
    pick = st.session_state.get("intervention", CUSTOM)
    with right:
        try:
            scenario = _scenario(pick, values, params)
        except InputError as exc:
            common.show_error(exc)
            return
        if scenario is None:
            st.info(
                "The scenario equals the baseline: move a control on the left or pick a shipped scenario."
            )
            return
        st.markdown(f"**Scenario `{scenario.name}`:** "
                    + "; ".join(_describe(e.model_dump()) for e in scenario.interventions))  # fmt: skip
        scenario_json = json.dumps(scenario.model_dump(), sort_keys=True)
        key = (
            scenario_json,
            cvirisk.params_hash(params),
            settings.seed,
            settings.n,
            settings.years,
            settings.engine,
        )
        try:
            comparison = library_run("compare", *key, (reps, wtp), _params=params)
        except InputError as exc:
            common.show_error(exc)
            return
        table = comparison.table[comparison.table["scenario"] == scenario.name]
        shown = shown_table(table, settings.engine)
        _crossing_warning(table, shown, settings.n)
        st.dataframe(_styled(shown), hide_index=True, key="scenario_summary")
        st.plotly_chart(difference_figure(_relative(shown), title="Scenario against baseline, paired by replication "
                                          "(% of the baseline)"), key="scenario_difference")  # fmt: skip
        reps_rows = comparison.replications[comparison.replications["scenario"] == scenario.name]
        for unit, title in CHART_UNITS.items():
            names = [n for n in shown.loc[shown["unit"] == unit, "outcome"] if vocabulary.get(n).modelled_by(
                settings.engine)]  # fmt: skip
            if names:
                st.plotly_chart(
                    scenario_comparison_figure(_arms(reps_rows, names), title=title),
                    key=f"scenario_{'prevalence' if unit.startswith('%') else 'rates'}",
                )
        _standardised(settings)
        money = money_unit(params)
        _cost_effectiveness(table, comparison.manifest, money)
        _uncertainty(key, params, wtp, money)
        dictionary = vocabulary.dictionary(
            [n for n in table["outcome"].unique() if n in set(vocabulary.names())]
        )
        manifest = {**comparison.manifest, "dashboard": {"engine": settings.engine, "scenario": scenario.model_dump(),
                                                         "replications": reps,
                                                         "replications_from_precision": reps_auto}}  # fmt: skip
        st.download_button("Download results (comparison.csv, dictionary, replications, manifest; zip)",
                           _download(comparison, dictionary, manifest), key="download", mime="application/zip",
                           file_name=f"cvirisk_scenario_{scenario.name}_seed{settings.seed}.zip")  # fmt: skip
        with st.expander("Definitions of the outcomes"):
            st.dataframe(dictionary, hide_index=True, key="scenario_dictionary")
        with st.expander("Manifest"):
            st.json(manifest, expanded=False)


def _scenario(pick: str, values: dict, params):
    """The scenario to run: the shipped one as it is when the controls still show it, else the controls'."""
    if pick != CUSTOM:
        shipped = load_scenario(pick)
        try:
            same = values_for(shipped, params) == {c.key: values[c.key] for c in CONTROLS}
        except NotOnControls:
            same = True  # not expressible on the controls: run the file as it is
        if same:
            return shipped
    return scenario_for(values, params, name="custom", description="dashboard controls")


def _describe(entry: dict) -> str:
    kind = entry.pop("type")
    return f"`{kind}` " + ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in entry.items()
                                    if v is not None)  # fmt: skip


def standardised_table(events: pd.DataFrame, years: float) -> pd.DataFrame:
    """Age-standardised rates (:func:`cvirisk.outcomes.standardised_rate`, ESP 2013) beside the
    vocabulary's crude rates of the same events (they equal the crude rates of the standardisation)."""
    crude = vocabulary.measure(events, years, names=[name for name, _, _ in STANDARDISED.values()])
    rows = []
    for label, (name, kind, detail) in STANDARDISED.items():
        r = vocabulary.standardised_rate(events, kind, detail, end=years)
        rows.append({"rate per 1,000 person-years": label, "age-standardised": r["rate"], "95% low": r["rate_low"],
                     "95% high": r["rate_high"], "crude": crude[name], "events": r["events"],
                     "person-years": r["person_years"]})  # fmt: skip
    return pd.DataFrame(rows)


def _standardised(settings: common.Settings) -> None:
    if not st.toggle("Age-standardised rates of the baseline (2013 European Standard Population)",
                     key="standardised"):  # fmt: skip
        return
    st.caption("One baseline run (replication 0) at the sidebar's settings, for setting beside a registry's "
               "standardised rates; 95% intervals by Fay and Feuer's gamma method. Both arms of a comparison "
               "share the cohort, so standardisation matters against outside figures, not between the arms.")  # fmt: skip
    st.dataframe(standardised_table(common.baseline_result(settings).events, settings.years), hide_index=True,
                 key="standardised_rates")  # fmt: skip


def _cost_effectiveness(table: pd.DataFrame, manifest: dict, money: str) -> None:
    """The library's cost-effectiveness table (:func:`cvirisk.scenarios.economics.cost_effectiveness`)."""
    st.subheader("Cost-effectiveness")
    econ = manifest["economics"]
    st.caption(f"Per person, scenario minus baseline, paired by replication. Costs in {money}; QALYs from "
               "utilities by CEAP class with decrements for DVT, PE and post-thrombotic syndrome; both "
               f"discounted from baseline at {econ['discount_rate_costs_per_year']:.1%} (costs) and "
               f"{econ['discount_rate_effects_per_year']:.1%} (effects) a year ({econ['discounting']}). "
               "The ICER is read with its quadrant; the net monetary benefit (NMB) carries the uncertainty: "
               "the scenario is cost-effective at a willingness to pay when its NMB interval lies above 0.")  # fmt: skip
    ce = cost_effectiveness(table)
    if ce.empty:
        st.info("No costs or QALYs in this comparison.")
        return
    first = ce.iloc[0]
    a, b, c = st.columns(3)
    a.metric(f"Incremental costs per person ({money})", f"{first['delta_costs']:,.2f}",
             help=f"95% interval {first['delta_costs_lower']:,.2f} to {first['delta_costs_upper']:,.2f}")  # fmt: skip
    b.metric("Incremental QALYs per person", f"{first['delta_qalys']:.5f}",
             help=f"95% interval {first['delta_qalys_lower']:.5f} to {first['delta_qalys_upper']:.5f}")  # fmt: skip
    icer = "not defined" if not np.isfinite(first["icer"]) else f"{first['icer']:,.0f}"
    c.metric(f"ICER ({money} per QALY)", icer, delta=first["quadrant"], delta_color="off")
    st.dataframe(ce.drop(columns="scenario"), hide_index=True, key="ce_table")
    uncertain = ce.loc[ce["decision"] == "uncertain", "wtp"]
    if len(uncertain):
        st.warning("The interval of the incremental net monetary benefit crosses zero at "
                   + ", ".join(f"{w:,.0f}" for w in uncertain) + " per QALY: at this size the decision is not "
                   "separated from Monte Carlo noise (more replications or persons).", icon="⚠️")  # fmt: skip


def _uncertainty(key: tuple, params, wtp: tuple[float, ...], money: str) -> None:
    """PSA (with the cost-effectiveness plane and acceptability curve) and the tornado, each behind a switch."""
    st.subheader("Uncertainty in the parameters")
    st.caption("Probabilistic sensitivity analysis draws every parameter with a declared uncertainty at once "
               "(one replication a draw, same random numbers in every draw): its draws make the "
               "cost-effectiveness plane and the acceptability curve. The tornado moves one parameter at a "
               "time to both ends of its 95% interval.")  # fmt: skip
    outcome_names = list(vocabulary.names())
    outcome = st.selectbox(
        "Outcome",
        outcome_names,
        key="uncertainty_outcome",
        format_func=lambda n: f"{vocabulary.get(n).label} ({vocabulary.get(n).unit})",
    )
    left, right = st.columns(2)
    psa = None
    with left:
        draws = st.select_slider("PSA draws", PSA_DRAWS, value=20, key="psa_draws")
        if st.toggle("Run the PSA", key="run_psa"):
            try:
                psa = library_run("psa", *key, (draws,), _params=params)
            except InputError as exc:
                common.show_error(exc)
        if psa is not None:
            summary = psa.summary[psa.summary["outcome"] == outcome]
            st.dataframe(summary, hide_index=True, key="psa_summary")
            corr = psa.correlations[psa.correlations["outcome"] == outcome].dropna(
                subset=["spearman"]
            )
            corr = corr.reindex(corr["spearman"].abs().sort_values(ascending=False).index).head(10)
            st.dataframe(corr, hide_index=True, key="psa_correlations")
    with right:
        uncertain = list(uncertain_parameters(params))
        keys = st.multiselect("Parameters in the tornado", uncertain, default=uncertain, key="tornado_keys",
                              help="Each runs both arms twice (low and high end); all of them take a while.")  # fmt: skip
        if keys and st.toggle("Run the one-way analysis (tornado)", key="run_tornado"):
            try:
                ow = library_run("one_way", *key, tuple(keys), _params=params)
            except InputError as exc:
                common.show_error(exc)
            else:
                st.plotly_chart(
                    tornado_figure(ow, ow["scenario"].iloc[0], outcome), key="scenario_tornado"
                )
    if psa is not None:
        plane = ce_plane(psa.draws)
        top = max(wtp) if wtp else DEFAULT_WTP[0]
        grid = [float(x) for x in np.linspace(0.0, 2.0 * max(top, 30_000.0), 25)]
        left, right = st.columns(2)
        with left:
            st.plotly_chart(ce_plane_figure(plane, wtp=top, money=money), key="ce_plane")
        with right:
            st.plotly_chart(ceac_figure(ceac(plane, grid), money=money), key="ceac")
