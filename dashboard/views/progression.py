"""Progression page: CEAP occupancy by age, complications, calcification by duration, one life story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cvirisk import analysis, teaching
from cvirisk.plots import (
    calcification_duration_figure,
    cumulative_incidence_figure,
    occupancy_figure,
    timeline_figure,
)

from . import common

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
def occupancy_by_age(manifest_key: str, _events: pd.DataFrame) -> pd.DataFrame:
    return analysis.state_occupancy(_events, grid=np.arange(20, 96, 5), axis="age")


@st.cache_data(show_spinner=False, max_entries=64)
def cumulative(manifest_key: str, kind: str, detail: str | None, _events: pd.DataFrame) -> pd.DataFrame:
    return analysis.cumulative_incidence(_events, kind, detail, exclude_prevalent=True)


def run_key(result) -> str:
    m = result.manifest
    return f"{m['params_hash']}:{m['seed']}:{m['n']}:{m['years']}:{m['engine']}:{m['replication']}"


def interesting_persons(events: pd.DataFrame, limit: int = 40) -> list[int]:
    """Persons with the richest histories first (most kinds of event), for the life-story picker."""
    kinds = events.groupby("person_id", observed=True)["event"].nunique().sort_values(ascending=False, kind="stable")
    return [int(p) for p in kinds.index[:limit]]


def render(settings: common.Settings) -> None:
    st.header("Progression")
    st.caption("The natural history under the shipped parameters: every figure is computed from the simulated "
               "event log at the seed, cohort size and follow-up chosen in the sidebar.")
    result = common.baseline_result(settings)
    events, key = result.events, run_key(result)

    st.subheader("CEAP class of the worst leg by age")
    st.plotly_chart(occupancy_figure(occupancy_by_age(key, events)), key="occupancy")

    st.subheader("Complications after baseline")
    chosen = st.multiselect("Complications", list(COMPLICATIONS), default=["venous ulcer (C6)", "DVT", "calcification"],
                            key="complications")
    curves = {name: cumulative(key, *COMPLICATIONS[name], _events=events) for name in chosen}
    st.plotly_chart(cumulative_incidence_figure(curves, title="Cumulative incidence (death competing; "
                                                "persons with the complication at baseline left out)"),
                    key="cumulative")

    st.subheader("Calcification type by disease duration")
    st.plotly_chart(calcification_duration_figure(teaching.calcification_by_duration(events)), key="calcification")

    st.subheader("One simulated life")
    persons = interesting_persons(events)
    pid = st.selectbox("Person", persons, key="person",
                       help="Persons with the most varied histories are listed first.")
    tl = analysis.timeline(events, int(pid))
    st.plotly_chart(timeline_figure(tl, title=f"Person {pid}"), key="timeline")
    with st.expander("Events of this person"):
        st.dataframe(tl.round(2), hide_index=True)
