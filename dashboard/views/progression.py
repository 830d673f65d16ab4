"""Progression page: CEAP occupancy by age and sex, complications, calcification by duration, risk-factor
contrasts, one life story. Layout only: tables from ``cvirisk.outcomes``/``cvirisk.teaching``, figures
from ``cvirisk.plots``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cvirisk
from cvirisk import outcomes, teaching
from cvirisk.plots import (
    calcification_duration_figure,
    cumulative_incidence_figure,
    difference_figure,
    occupancy_by_sex_figure,
    scenario_comparison_figure,
    timeline_figure,
)
from cvirisk.teaching import progression as prog

from . import common
from .teaching import export_controls

#: Complications offered: label -> (event, detail) in the event log vocabulary.
COMPLICATIONS = {
    "venous ulcer (C6)": ("ceap", "C6"),
    "infection": ("infection", None),
    "DVT": ("dvt", None),
    "pulmonary embolism": ("pe", None),
    "lymphedema": ("lymphedema", None),
    "calcification": ("calcification", None),
    "stasis periostitis": ("periostitis", None),
}


@st.cache_data(show_spinner=False, max_entries=32)
def occupancy_by_sex(manifest_key: str, _events: pd.DataFrame, _persons: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return prog.occupancy_by_sex(_events, _persons, ages=np.arange(20, 96, 5))


@st.cache_data(show_spinner=False, max_entries=64)
def cumulative(manifest_key: str, kind: str, detail: str | None, _events: pd.DataFrame) -> pd.DataFrame:
    return outcomes.cumulative_incidence(teaching.worst_leg_ceap(_events), kind, detail, exclude_prevalent=True)


@st.cache_data(show_spinner=False, max_entries=16)
def contrast(params_hash: str, seed: int, n: int, years: int, factor: str):
    params = common.default_params()
    cohort = cvirisk.generate_cohort(n, seed=seed, params=params)
    return prog.risk_factor_contrast(cohort, factor, params=params, seed=seed, years=years, n_boot=400)


def run_key(result) -> str:
    m = result.manifest
    return f"{m['params_hash']}:{m['seed']}:{m['n']}:{m['years']}:{m['engine']}:{m['replication']}"


def interesting_persons(events: pd.DataFrame, limit: int = 40) -> list[int]:
    """Persons with the richest histories first (most kinds of event), for the life-story picker."""
    kinds = events.groupby("person_id", observed=True)["event"].nunique().sort_values(ascending=False, kind="stable")
    return [int(p) for p in kinds.index[:limit]]


def _ceap_legend() -> str:
    names = prog.ceap_names()
    return " · ".join(f"**{k}** {v}" for k, v in names.items())


def render(settings: common.Settings) -> None:
    st.header("Progression")
    st.caption("The natural history under the shipped parameters: every figure is computed from the simulated "
               "event log at the seed, cohort size and follow-up chosen in the sidebar.")
    result = common.baseline_result(settings)
    events, key = result.events, run_key(result)
    figures = {}

    st.subheader("CEAP class of the worse leg by age and sex")
    figures["ceap_by_age_and_sex"] = occupancy_by_sex_figure(occupancy_by_sex(key, events, result.persons),
                                                             names=prog.ceap_names())
    st.plotly_chart(figures["ceap_by_age_and_sex"], key="occupancy")
    st.caption(f"{_ceap_legend()}. C3 and worse is chronic venous insufficiency "
               f"{teaching.cite(['lurie2020'])}. Ages before baseline come from each person's simulated history "
               "(from age 18); death is counted as its own band.")

    st.subheader("Complications after baseline")
    chosen = st.multiselect("Complications", list(COMPLICATIONS), default=["venous ulcer (C6)", "DVT", "calcification"],
                            key="complications")
    curves = {name: cumulative(key, *COMPLICATIONS[name], _events=events) for name in chosen}
    figures["complications"] = cumulative_incidence_figure(curves, title="Cumulative incidence (death competing; "
                                                           "persons with the complication at baseline left out)")
    st.plotly_chart(figures["complications"], key="cumulative")

    st.subheader("Calcification type by disease duration")
    figures["calcification_by_duration"] = calcification_duration_figure(teaching.calcification_by_duration(events))
    st.plotly_chart(figures["calcification_by_duration"], key="calcification")

    st.subheader("What one risk factor changes")
    st.markdown("The same cohort simulated twice with the same random numbers: once with the factor for everyone, "
                "once without it. It takes two extra simulations.")
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    with a:
        factor = st.selectbox("Risk factor", list(prog.FACTORS), format_func=lambda f: prog.FACTORS[f]["label"],
                              key="contrast_factor")
    with b:
        run = st.button("Compare", key="contrast_go")
    if run or st.session_state.get("contrast_shown") == (factor, key):
        st.session_state["contrast_shown"] = (factor, key)
        c = contrast(cvirisk.params_hash(common.default_params()), settings.seed, settings.n, settings.years, factor)
        left, right = st.columns(2)
        figures["contrast_shares"] = scenario_comparison_figure(c.arms, title="Share who ever reach the class")
        figures["contrast_shares"].update_layout(yaxis={"tickformat": ".0%", "title": "share of persons"},
                                                 legend_title="arm")
        figures["contrast_difference"] = difference_figure(c.difference, title="With minus without (95% interval)",
                                                           xtitle="percentage points")
        with left:
            st.plotly_chart(figures["contrast_shares"], key="contrast_shares")
        with right:
            st.plotly_chart(figures["contrast_difference"], key="contrast_difference")
        st.caption(c.note)

    st.subheader("One simulated life")
    persons = interesting_persons(events)
    pid = st.selectbox("Person", persons, key="person",
                       help="Persons with the most varied histories are listed first; the Teaching page tells "
                            "typical persons' stories in words.")
    tl = outcomes.timeline(events, int(pid))
    figures[f"person_{pid}"] = timeline_figure(events[events["person_id"] == int(pid)], title=f"Person {pid}")
    st.plotly_chart(figures[f"person_{pid}"], key="timeline")
    with st.expander("Events of this person"):
        st.dataframe(tl.round(2), hide_index=True)
    export_controls(figures, "progression_export")
