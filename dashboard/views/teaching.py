"""Teaching page: the clinical picture, imaging findings and the differential of subcutaneous calcification,
tied to the calcification the model itself produces."""

from __future__ import annotations

import streamlit as st

from cvirisk import analysis, teaching
from cvirisk.plots import (
    calcification_duration_figure,
    calcification_onset_figure,
    calcification_pattern_figure,
    differential_figure,
    timeline_figure,
)

from . import common

NOT_ASSESSED = "not assessed"


def _items(items: list[dict]) -> str:
    return "\n".join(f"- {it['text']} — *model:* `{it['model']}`" for it in items)


def _clinical(content: dict) -> None:
    cp = content["clinical_picture"]
    st.markdown(cp["summary"])
    a, b = st.columns(2)
    with a:
        st.markdown("**How it happens**\n" + _items(cp["mechanisms"]))
        st.markdown("**Risk factors**\n" + _items(cp["risk_factors"]))
        st.markdown("**Care**\n" + _items(cp["care"]))
    with b:
        st.markdown("**What the patient notices**\n" + _items(cp["findings"]))
        st.markdown("**Where it leads**\n" + _items(cp["complications"]))


def _imaging(content: dict) -> None:
    im = content["imaging"]
    for m in im["modalities"]:
        st.markdown(f"**{m['name']}.** {m['role']} *model:* `{m['model']}`")
    p = im["periostitis"]
    periostitis = st.checkbox(f"Show {p['name'].lower()} on the drawings", key="show_periostitis")
    cols = st.columns(3)
    for col, t in zip(cols, im["calcification_types"], strict=True):
        with col:
            st.markdown(f"#### {t['name']}\n{t['looks_like']}\n\n*{t['meaning']}*")
            st.plotly_chart(calcification_pattern_figure(t["id"], periostitis=periostitis, title=f"{t['name']} (schematic)"),
                            key=f"img_{t['id']}")
    st.markdown(f"**{p['name']}.** {p['looks_like']} {p['meaning']}")
    st.caption(im["figure_caption"] + " The drawings above are schematics, not patient images.")


def _model_note(kind: str, settings: common.Settings) -> None:
    """What the simulator says about a CVI calcification type the reader picked."""
    try:
        onsets = teaching.calcification_onsets(common.baseline_result(settings).events)
    except Exception:  # the explanation stands without the model
        return
    part = onsets[onsets["type"] == kind]
    if part.empty:
        st.caption(f"In the simulated cohort no {kind} calcification appeared (see the sidebar's settings).")
        return
    st.markdown(f"**In the model:** {part['person_id'].nunique():,} simulated persons developed {kind} calcification, "
                f"a median of {part['years_since_cvi'].median():.1f} years after their first C3+ class; "
                f"{part['ulcer_before'].mean():.0%} had had a venous ulcer before it appeared.")


def _differential(settings: common.Settings) -> None:
    st.markdown("Describe a radiograph; the conditions of the differential are ranked by how many of the "
                "described features fit them. A teaching aid, not a diagnostic tool.")
    feats = teaching.differential_features()
    labels = teaching.load_content()["differential"]["features"]
    defaults = {"morphology": "reticular", "distribution": "distal", "depth": "subcutaneous", "periostitis": "present"}
    cols = st.columns(len(feats))
    observed = {}
    for col, (name, values) in zip(cols, feats.items(), strict=True):
        with col:
            options = [NOT_ASSESSED, *values]
            pick = st.selectbox(labels[name]["label"], options, index=options.index(defaults[name]),
                                key=f"dd_{name}")
            observed[name] = None if pick == NOT_ASSESSED else pick
    ranked = teaching.rank_differential(**observed)
    left, right = st.columns([2, 1])
    with left:
        st.plotly_chart(differential_figure(ranked), key="differential")
    with right:
        if observed["morphology"] is not None:
            st.plotly_chart(calcification_pattern_figure(observed["morphology"], region=observed["distribution"],
                                                         periostitis=observed["periostitis"] == "present",
                                                         title="What you described (schematic)"),
                            key="dd_schematic")
    best = ranked.iloc[0]
    if best["assessed"]:
        st.success(f"Best fit: **{best['name']}** ({best['matches']} of {best['assessed']} features). {best['key_point']}")
    else:
        st.info("Pick at least one feature.")
    if observed["morphology"] in teaching.CALCIFICATION_TYPES:
        _model_note(observed["morphology"], settings)
    st.dataframe(ranked[["name", "matches", "fits", "conflicts", "key_point"]], hide_index=True, key="dd_table")


def _model_tie(settings: common.Settings) -> None:
    st.markdown("The seed note says trabecular and reticular calcification go with longer and more severe disease. "
                "The simulator types each calcification as it appears and lets it advance; here is what it produced "
                "for the cohort in the sidebar.")
    try:
        result = common.baseline_result(settings)
    except Exception as exc:  # the teaching text stands on its own if the simulation cannot run
        common.show_error(exc)
        return
    events = result.events
    onsets = teaching.calcification_onsets(events)
    if onsets.empty:
        st.warning("No calcification in this cohort: choose more persons or longer follow-up in the sidebar.")
        return
    med = onsets.groupby("type")["years_since_cvi"].median()
    ulcer = onsets.groupby("type")["ulcer_before"].mean()
    cols = st.columns(3)
    for col, kind in zip(cols, teaching.CALCIFICATION_TYPES, strict=True):
        with col:
            if kind in med.index:
                st.metric(f"{kind}: median years since CVI onset", f"{med[kind]:.1f}",
                          help=f"{ulcer[kind]:.0%} had had an ulcer before it appeared")
            else:
                st.metric(f"{kind}: median years since CVI onset", "none seen")
    a, b = st.columns(2)
    with a:
        st.plotly_chart(calcification_duration_figure(teaching.calcification_by_duration(events)),
                        key="teach_duration")
    with b:
        st.plotly_chart(calcification_onset_figure(onsets), key="teach_onset")
    present = [k for k in teaching.CALCIFICATION_TYPES if k in set(onsets["type"])]
    kind = st.selectbox("Show a simulated person whose calcification became", present, index=len(present) - 1,
                        key="teach_type")
    pid = int(onsets.loc[onsets["type"] == kind].sort_values("years_since_cvi", ascending=False)["person_id"].iloc[0])
    st.plotly_chart(timeline_figure(analysis.timeline(events, pid), title=f"Person {pid}: {kind} calcification"),
                    key="teach_timeline")


def render(settings: common.Settings) -> None:
    content = teaching.load_content()
    st.header(f"Teaching: {content['title'].lower()}")
    st.caption(f"Source: {content['source']}")
    tabs = st.tabs(["Clinical picture", "Imaging", "Differential diagnosis", "In the model"])
    with tabs[0]:
        _clinical(content)
    with tabs[1]:
        _imaging(content)
    with tabs[2]:
        _differential(settings)
    with tabs[3]:
        _model_tie(settings)
