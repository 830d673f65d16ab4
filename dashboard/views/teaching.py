"""Teaching page: the clinical picture, imaging, the differential of subcutaneous calcification, a guided
patient story, and the model's own calcification output. Layout only: text, numbers and figures come
from ``cvirisk.teaching`` and ``cvirisk.plots``."""

from __future__ import annotations

import streamlit as st

from cvirisk import outcomes, teaching
from cvirisk.plots import (
    MARK_GLYPHS,
    calcification_duration_figure,
    calcification_onset_figure,
    calcification_pattern_figure,
    differential_figure,
    figure_bytes,
    radiograph_panels_figure,
    timeline_figure,
)
from cvirisk.teaching import story as stories

from . import common

NOT_ASSESSED = "not assessed"
FORMATS = {"PNG (slides)": "png", "SVG (vector)": "svg", "HTML (interactive, works offline)": "html"}


def _items(items: list[dict]) -> str:
    return "\n".join(f"- {it['text']} {teaching.cite(it['refs'])} — *model:* `{it['model']}`" for it in items)


def _md_table(rows: list[dict]) -> str:
    """A Markdown table (wraps long text, unlike a scrolling dataframe)."""
    cols = list(rows[0])
    clean = [{c: str(r[c]).replace("|", "/").replace("\n", " ") for c in cols} for r in rows]
    return "\n".join(["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
                     + ["| " + " | ".join(r[c] for c in cols) + " |" for r in clean])


def _references(keys: list[str], key: str) -> None:
    """The full citations of the references used on a tab."""
    with st.expander("References"):
        st.markdown("\n".join(f"{i}. {teaching.reference(k)}" for i, k in enumerate(dict.fromkeys(keys), 1)))


def export_controls(figures: dict, key: str) -> None:
    """Download one of ``figures`` for slides: PNG or SVG (kaleido over the local Chromium) or HTML."""
    with st.expander("Export a figure for slides"):
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        with a:
            name = st.selectbox("Figure", list(figures), key=f"{key}_fig")
        with b:
            fmt = FORMATS[st.radio("Format", list(FORMATS), key=f"{key}_fmt", horizontal=True)]
        with c:
            go = st.button("Prepare file", key=f"{key}_go")
        if go:
            try:
                data = figure_bytes(figures[name], fmt)
            except Exception as exc:  # no kaleido or no Chromium: say so, HTML still works
                common.show_error(exc)
                return
            mime = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html"}[fmt]
            st.download_button(f"Download {name}.{fmt}", data, file_name=f"{name}.{fmt}", mime=mime,
                               key=f"{key}_dl")


def _clinical(content: dict) -> None:
    cp = content["clinical_picture"]
    st.markdown(f"{cp['summary']} {teaching.cite(cp['refs'])}")
    a, b = st.columns(2)
    with a:
        st.markdown("**How it happens**\n" + _items(cp["mechanisms"]))
        st.markdown("**Risk factors**\n" + _items(cp["risk_factors"]))
        st.markdown("**Care**\n" + _items(cp["care"]))
    with b:
        st.markdown("**What the patient notices**\n" + _items(cp["findings"]))
        st.markdown("**Where it leads**\n" + _items(cp["complications"]))
    ceap = content["ceap"]
    st.markdown(f"**CEAP classes.** {ceap['intro']} {teaching.cite(ceap['refs'])}")
    st.markdown(_md_table([{"class": f"**{c['id']}**", "name": c["name"], "meaning": c["text"]}
                           for c in ceap["classes"]]))
    st.markdown("\n".join(f"- {x['text']}" for x in ceap["eap"]))
    keys = [*cp["refs"], *ceap["refs"]] + [k for sec in ("mechanisms", "risk_factors", "care", "findings",
                                                          "complications") for it in cp[sec] for k in it["refs"]]
    _references(keys, "clinical")


def _imaging(content: dict) -> None:
    im = content["imaging"]
    for m in im["modalities"]:
        st.markdown(f"**{m['name']}.** {m['role']} {teaching.cite(m['refs'])} *model:* `{m['model']}`")
    p = im["periostitis"]
    periostitis = st.checkbox(f"Show {p['name'].lower()} on the drawings", key="show_periostitis")
    types = im["calcification_types"]
    # text in one row, drawings in the next: the drawings line up whatever the length of the text
    for col, t in zip(st.columns(3), types, strict=True):
        with col:
            st.markdown(f"#### {t['name']}\n{t['looks_like']}\n\n*{t['meaning']}* {teaching.cite(t['refs'])}")
    for col, t in zip(st.columns(3), types, strict=True):
        with col:
            st.plotly_chart(calcification_pattern_figure(t["id"], periostitis=periostitis,
                                                         title=f"{t['name']} (schematic)"), key=f"img_{t['id']}")
    st.markdown(f"**{p['name']}.** {p['looks_like']} {p['meaning']} {teaching.cite(p['refs'])}")
    st.caption(f"{im['figure_caption']} {teaching.cite(im['figure_refs'])} The drawings above are schematics, "
               "not patient images.")
    _references([k for m in im["modalities"] for k in m["refs"]] + [k for t in types for k in t["refs"]]
                + p["refs"] + im["figure_refs"], "imaging")


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
    diff = teaching.load_content()["differential"]
    st.markdown(f"{diff['intro']} {teaching.cite(diff['refs'])} A teaching aid, not a diagnostic tool.")
    feats = teaching.differential_features()
    labels = diff["features"]
    defaults = {"morphology": "reticular", "distribution": "distal", "depth": "subcutaneous", "periostitis": "present",
                "associated": NOT_ASSESSED}
    cols = st.columns(len(feats))
    observed = {}
    for col, (name, values) in zip(cols, feats.items(), strict=True):
        with col:
            options = [NOT_ASSESSED, *values]
            pick = st.selectbox(labels[name]["label"], options, index=options.index(defaults[name]),
                                key=f"dd_{name}")
            observed[name] = None if pick == NOT_ASSESSED else pick
    ranked = teaching.rank_differential(**observed)
    verdict = teaching.differential_verdict(ranked)
    if verdict["kind"] == "best":
        best = ranked.iloc[0]
        st.success(f"Best fit: **{best['name']}** ({best['matches']} of {best['assessed']} features). "
                   f"{best['key_point']}")
    elif verdict["kind"] == "tie":
        st.warning(verdict["text"])
    else:
        st.info(verdict["text"])
    left, right = st.columns([2, 1])
    with left:
        st.plotly_chart(differential_figure(ranked), key="differential")
    with right:
        if observed["morphology"] is not None:
            st.plotly_chart(calcification_pattern_figure(observed["morphology"], region=observed["distribution"],
                                                         periostitis=observed["periostitis"] == "present",
                                                         title="What you described (schematic)"),
                            key="dd_schematic")
    if observed["morphology"] in teaching.CALCIFICATION_TYPES:
        _model_note(observed["morphology"], settings)
    st.dataframe(ranked[["name", "matches", "rank", "fits", "conflicts"]], hide_index=True, key="dd_table")
    st.markdown("**What tells them apart**")
    rows = [{"condition": f"**{c['name']}** {teaching.cite(c['refs'])}",
             **{k: v for k, v in c["distinguishing"].items()}} for c in diff["conditions"]]
    st.markdown(_md_table(rows))
    _references(diff["refs"] + [k for c in diff["conditions"] for k in c["refs"]], "differential")


def _story(settings: common.Settings) -> None:
    st.markdown("Pick a kind of patient: the search below finds a typical one in the simulated cohort of the "
                "sidebar and tells their history, leg by leg where the log records legs.")
    profiles = stories.typical_profiles()
    labels = {p["id"]: p["label"] for p in profiles}
    pid_key = st.selectbox("Typical person", list(labels), format_func=labels.get, key="story_profile")
    prof = next(p for p in profiles if p["id"] == pid_key)
    try:
        result = common.baseline_result(settings)
    except Exception as exc:
        common.show_error(exc)
        return
    events, persons = result.events, result.persons
    found = stories.find_typical_person(events, persons, prof["profile"], prof["outcome"])
    with st.expander("How this person was found", expanded=found.person_id is None):
        st.markdown(found.describe())
    if found.person_id is None:
        st.warning("Nobody in this cohort matches: choose more persons or longer follow-up in the sidebar.")
        return
    pid = st.selectbox("Person (the typical one first, then the next closest)", found.candidates, key="story_person")
    story = stories.patient_story(events, persons, int(pid))
    st.markdown(f"#### {story.intro}")
    person_rows = events[events["person_id"] == int(pid)]
    timeline = timeline_figure(person_rows, title=f"Person {pid}: CEAP class and events")
    st.plotly_chart(timeline, key="story_timeline")
    panels = stories.radiograph_panels(events, int(pid))
    figures = {f"person_{pid}_timeline": timeline}
    if panels:
        shown = panels[-4:]
        xray = radiograph_panels_figure(shown, seed=int(pid), height=460, title="Radiographs (schematic)")
        width = max(len(shown), 2)
        with st.columns([width, 4 - width + 0.01])[0]:
            st.plotly_chart(xray, key="story_xray")
        st.caption("Schematic radiographs drawn from this person's calcification and periostitis events, one at "
                   "each change"
                   + (f" (the last {len(shown)} of {len(panels)})." if len(panels) > len(shown) else "."))
        figures[f"person_{pid}_radiographs"] = xray
    else:
        st.caption("Nothing calcified in this person's life: no radiograph to draw.")
    sections = story.sections()
    for col, sec in zip(st.columns(len(sections)), sections, strict=True):
        with col:
            part = story.lines[story.lines["section"] == sec]
            st.markdown(f"**{sec}**\n" + "\n".join(
                f"- *age {a:.1f}* {MARK_GLYPHS.get(m, '•')} [{lab}] {t}"
                for a, m, lab, t in zip(part["age"], part["mark"], part["label"], part["text"], strict=True)))
    st.markdown(f"**{story.closing}**")
    st.markdown("**Legend: every mark in this story**")
    st.markdown(_md_table([{"mark": MARK_GLYPHS.get(m, "•"), "means": f"**{lab}**", "explanation": ex,
                            "references": teaching.cite(r.split(", "))}
                           for m, lab, ex, r in zip(story.legend["mark"], story.legend["label"],
                                                    story.legend["explanation"], story.legend["refs"], strict=True)]))
    export_controls(figures, "story_export")
    _references([k for r in story.legend["refs"] for k in r.split(", ")], "story")


def _model_tie(settings: common.Settings) -> None:
    st.markdown("Trabecular and reticular calcification go with longer and more severe disease "
                f"{teaching.cite(['lippmann1960', 'resnick2002'])}. The simulator types each calcification as it "
                "appears and lets it advance; here is what it produced for the cohort in the sidebar.")
    try:
        result = common.baseline_result(settings)
    except Exception as exc:  # the teaching text stands on its own if the simulation cannot run
        common.show_error(exc)
        return
    events = result.events
    check = teaching.cvi_without_reflux(events)
    if check["n_cvi"]:
        st.info(f"**The model against the text.** Of {check['n_cvi']:,} simulated persons who reached C3 or worse, "
                f"{check['before_reflux']:.0%} did so before any valve failure and {check['never_reflux']:.0%} never "
                "had reflux, while the text above teaches reflux as the cause. Edema without reflux exists (CEAP En, "
                f"no venous cause) {teaching.cite(['lurie2020'])}, but not this often: read the model's C3 with care.")
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
    duration = calcification_duration_figure(teaching.calcification_by_duration(events))
    onset = calcification_onset_figure(onsets)
    with a:
        st.plotly_chart(duration, key="teach_duration")
    with b:
        st.plotly_chart(onset, key="teach_onset")
    present = [k for k in teaching.CALCIFICATION_TYPES if k in set(onsets["type"])]
    kind = st.selectbox("Show a simulated person whose calcification became", present, index=len(present) - 1,
                        key="teach_type")
    pid = int(onsets.loc[onsets["type"] == kind].sort_values("years_since_cvi", ascending=False)["person_id"].iloc[0])
    st.plotly_chart(timeline_figure(outcomes.timeline(events, pid), title=f"Person {pid}: {kind} calcification"),
                    key="teach_timeline")
    export_controls({"calcification_by_duration": duration, "calcification_onset": onset}, "model_export")


def render(settings: common.Settings) -> None:
    content = teaching.load_content()
    st.header(f"Teaching: {content['title'].lower()}")
    st.caption(content["disclaimer"])
    tabs = st.tabs(["Clinical picture", "Imaging", "Differential diagnosis", "Patient story", "In the model"])
    with tabs[0]:
        _clinical(content)
    with tabs[1]:
        _imaging(content)
    with tabs[2]:
        _differential(settings)
    with tabs[3]:
        _story(settings)
    with tabs[4]:
        _model_tie(settings)
