"""Scenarios page: risk factors, interventions and capacity against the shipped baseline."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import streamlit as st

import cvirisk
from cvirisk import analysis
from cvirisk.exceptions import InputError, UnsupportedError
from cvirisk.plots import difference_figure, scenario_comparison_figure

from . import common
from .controls import CONTROLS, bounds, current, overrides_for

#: Outcomes shown per arm: (label, kind) where kind "share" is a percentage at end of follow-up.
PREVALENCE_OUTCOMES = {
    "C2+ varicose veins": lambda p: p["varicose_veins"],
    "C3+ CVI": lambda p: p[["C3", "C4", "C5", "C6"]].sum(axis=1),
    "C5-C6 ulcer (healed or active)": lambda p: p[["C5", "C6"]].sum(axis=1),
}
RATE_OUTCOMES = {
    "ulcer openings": ("ceap", "C6"),
    "DVT": ("dvt", None),
    "calcification": ("calcification", None),
    "deaths": ("death", None),
}


def outcomes(result, years: float) -> dict[str, float]:
    """Outcomes of one run: prevalences (percent) at the end of follow-up and rates per 1000 person-years."""
    ev = result.events
    prev = analysis.prevalence(ev, result.persons, t=float(years), by=())
    out = {f"{name} at end (%)": 100.0 * float(f(prev).iloc[0]) for name, f in PREVALENCE_OUTCOMES.items()}
    for name, (kind, detail) in RATE_OUTCOMES.items():
        inc = analysis.incidence(ev, kind, detail, start=0.0)
        out[f"{name} per 1000 PY"] = float(inc["rate"].iloc[0])
    waits = analysis.surgery_waits(ev)
    waits = waits[waits["t_referred"] >= 0]
    out["surgery wait (years, mean)"] = float(waits["wait_years"].mean()) if len(waits) else 0.0
    return out


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and t-based 95% interval over replications (cvirisk.scenarios.paired_interval)."""
    from cvirisk.scenarios import paired_interval

    mean, low, high, _sd = paired_interval(values)
    return mean, low, high


def summarise(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Baseline, scenario and paired difference (common random numbers) with 95% intervals."""
    rows = []
    for outcome, part in per_rep.groupby("outcome", sort=False):
        base = part[part["arm"] == "baseline"].sort_values("replication")["value"].to_numpy()
        scen = part[part["arm"] == "scenario"].sort_values("replication")["value"].to_numpy()
        b, s, d = _interval(base), _interval(scen), _interval(scen - base)
        rows.append({"outcome": outcome, "baseline": b[0], "baseline 95% low": b[1], "baseline 95% high": b[2],
                     "scenario": s[0], "scenario 95% low": s[1], "scenario 95% high": s[2],
                     "difference": d[0], "difference 95% low": d[1], "difference 95% high": d[2]})
    return pd.DataFrame(rows)


def _long(summary: pd.DataFrame, outcomes_: list[str]) -> pd.DataFrame:
    rows = []
    for _, r in summary[summary["outcome"].isin(outcomes_)].iterrows():
        for arm in ("baseline", "scenario"):
            rows.append({"outcome": r["outcome"], "arm": arm, "estimate": r[arm],
                         "lower": r[f"{arm} 95% low"], "upper": r[f"{arm} 95% high"]})
    return pd.DataFrame(rows)


def _relative(summary: pd.DataFrame) -> pd.DataFrame:
    """Paired differences as percent of the baseline mean (outcomes with a zero baseline left out)."""
    s = summary[summary["baseline"].abs() > 0]
    scale = 100.0 / s["baseline"]
    return pd.DataFrame({"outcome": s["outcome"].str.replace(r" \(%\)| per 1000 PY", "", regex=True),
                         "estimate": s["difference"] * scale, "lower": s["difference 95% low"] * scale,
                         "upper": s["difference 95% high"] * scale})


def _controls(params) -> dict:
    values = {}
    for group in ("Risk factors", "Interventions", "Capacity"):
        with st.expander(group, expanded=group == "Risk factors"):
            for c in (c for c in CONTROLS if c.group == group):
                lo, hi, step = bounds(c, params)
                value = current(c, params)
                if c.kind in ("count", "ceap_class"):
                    values[c.key] = st.slider(c.label, int(lo), int(hi), int(value), int(step), key=c.key,
                                              help=c.help or f"parameter {c.dotted}")
                else:
                    values[c.key] = st.slider(c.label, float(lo), float(hi), float(value), float(step), key=c.key,
                                              format=c.fmt, help=c.help or f"parameter {c.dotted}")
    return values


def _download(per_rep: pd.DataFrame, summary: pd.DataFrame, manifest: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("outcomes_by_replication.csv", per_rep.to_csv(index=False))
        zf.writestr("summary.csv", summary.to_csv(index=False))
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True, default=str))
    return buf.getvalue()


def render(settings: common.Settings) -> None:
    st.header("Scenarios")
    st.caption("Change risk factors, interventions or surgical capacity; the scenario and the shipped baseline "
               "are simulated with the same random numbers (common random numbers), so differences are not noise. "
               "Intervals are 95% Monte Carlo intervals over replications.")
    base_params = common.default_params()
    left, right = st.columns([1, 2])
    with left:
        values = _controls(base_params)
        names = common.library()
        intervention = None
        if names:
            pick = st.selectbox("Shipped intervention (cvirisk/scenarios/library)", ["(none)", *names],
                                key="intervention", help="Applied to the scenario arm on top of the controls above.")
            if pick != "(none)":
                intervention = pick
                st.caption(common.library_description(pick))
        reps = st.slider("Replications", 2, 10, 3, key="replications",
                         help="Independent replications (seed, replication 0..R-1) of both arms.")
    overrides = overrides_for(values, base_params)
    try:
        scen_params = common.params_with(overrides)
    except InputError as exc:
        with right:
            common.show_error(exc)
        return
    with right:
        changes = [f"`{k}`" for k in overrides] + ([f"shipped intervention `{intervention}`"] if intervention else [])
        if changes:
            st.markdown("**Scenario changes:** " + ", ".join(changes))
        else:
            st.info("The scenario equals the baseline: move a control on the left or pick a shipped intervention.")
        hashes = {"baseline": cvirisk.params_hash(base_params), "scenario": cvirisk.params_hash(scen_params)}
        arms = {"baseline": base_params, "scenario": scen_params}
        progress = st.progress(0.0, text="Running replications")
        rows, manifests = [], []
        total = 2 * reps
        try:
            for i, (arm, params) in enumerate((a, p) for a in arms for p in [arms[a]]):
                for rep in range(reps):
                    result = common.simulated(hashes[arm], settings.seed, settings.n, settings.years,
                                              settings.engine, rep, intervention if arm == "scenario" else None,
                                              _params=params)
                    manifests.append({"arm": arm, **result.manifest})
                    for outcome, value in outcomes(result, settings.years).items():
                        rows.append({"arm": arm, "replication": rep, "outcome": outcome, "value": value})
                    done = i * reps + rep + 1
                    progress.progress(done / total, text=f"Ran {done} of {total} simulations")
        except (InputError, UnsupportedError) as exc:
            progress.empty()
            common.show_error(exc)
            return
        progress.empty()
        per_rep = pd.DataFrame(rows)
        summary = summarise(per_rep)
        prev = [o for o in summary["outcome"] if o.endswith("(%)")]
        rates = [o for o in summary["outcome"] if o.endswith("per 1000 PY")]
        st.plotly_chart(difference_figure(_relative(summary), title="Scenario against baseline, paired by replication "
                                          "(common random numbers)"), key="scenario_difference")
        st.plotly_chart(scenario_comparison_figure(_long(summary, prev), title="Prevalence at end of follow-up (%)"),
                        key="scenario_prevalence")
        st.plotly_chart(scenario_comparison_figure(_long(summary, rates), title="Rates per 1000 person-years"),
                        key="scenario_rates")
        order = ["outcome", "baseline", "scenario", "difference", "difference 95% low", "difference 95% high",
                 "baseline 95% low", "baseline 95% high", "scenario 95% low", "scenario 95% high"]
        st.dataframe(summary[order].round(3), hide_index=True, key="scenario_summary")
        manifest = {"seed": settings.seed, "n": settings.n, "years": settings.years, "engine": settings.engine,
                    "replications": reps, "params_hash": hashes, "overrides": overrides,
                    "intervention": intervention, "runs": manifests}
        st.download_button("Download results (CSV + manifest, zip)", _download(per_rep, summary, manifest),
                           file_name=f"cvirisk_scenario_seed{settings.seed}.zip", mime="application/zip",
                           key="download")
        with st.expander("Manifest"):
            st.json(manifest, expanded=False)
