"""Typical-person search and patient stories: the story's text agrees with the person's event log."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.plots import MARK_GLYPHS
from cvirisk.teaching import story as S
from cvirisk.teaching.details import read_event_details, worst_leg_ceap

LINE = re.compile(r"^- age (?P<age>\d+\.\d) (?P<glyph>\S) \[(?P<label>[^\]]+)\]: (?P<text>.+)$")


@pytest.fixture(scope="module")
def run(small_cohort, params):
    import cvirisk

    return cvirisk.simulate(small_cohort, params=params, seed=7, years=20, engine="fast",
                            surgery_approximation="unlimited")


def _told_lines(story: S.Story) -> list[dict]:
    """The story's event lines, read back from its Markdown text (not from its table)."""
    return [m.groupdict() for m in map(LINE.match, story.to_markdown().splitlines()) if m]


def _agrees(story: S.Story, events: pd.DataFrame) -> None:
    """Each told line against the log, in the log's order within each section."""
    d = read_event_details(events[events["person_id"] == story.person_id])
    d = d.assign(pos=np.arange(len(d)))  # the log's order
    d = d[~((d["event"] == "entry") & (d["detail"] == "history_start"))]
    told = _told_lines(story)
    failures = d[d["event"] == "valve_failure"]
    assert len(told) == len(d), "every event of the person is told once"
    labels = {k: v["label"] for k, v in S._content()["events"].items()}
    # the story groups by section (leg), keeping the log's order within each
    order = {"left": 0, "right": 1, "": 2}
    d = d.assign(_s=d["leg"].map(order)).sort_values("_s", kind="stable")
    for line, row in zip(told, d.itertuples(index=False), strict=True):
        assert float(line["age"]) == pytest.approx(round(row.age, 1), abs=0.051)
        assert line["label"] == labels[row.event]
        assert line["glyph"] == MARK_GLYPHS[S._content()["events"][row.event]["mark"]]  # the mark of the legend
        text = line["text"]
        if row.leg:
            assert f"{row.leg} leg" in text or row.event in ("dvt",) and "leg" in text
        if row.event == "ceap":
            assert re.search(rf"\bCEAP {row.detail}\b", text), (text, row.detail)
            # E-A-P: no valve failure yet in this leg -> En, An, Pn; a failed deep valve -> Ad and reflux
            before = failures[(failures["pos"] < row.pos) & ((failures["leg"] == row.leg) | (row.leg == ""))]
            full = text.split("Full CEAP: ")[1]
            assert full.startswith(f"{row.detail}, ")
            if before.empty:
                assert full.endswith("En, An, Pn."), text
            if before["base"].isin(["deep_primary", "deep_post_thrombotic"]).any():
                assert re.search(r"A(s,)?d, Pr\.$", full), text
        elif row.event == "calcification":
            assert f"({row.detail} calcification)" in text
        elif row.event == "valve_failure":
            word = {"superficial": "superficial reflux", "deep_primary": "primary deep reflux",
                    "deep_post_thrombotic": "post-thrombotic", "congenital": "since birth"}[row.base]
            assert word in text
        elif row.event == "recruitment":
            assert f": {row.number:.0f} refluxing segments" in text
        elif row.event == "surgery" and row.base == "done":
            assert f"after {row.number:.1f} years" in text
        elif row.event == "finding":
            assert ("went away" in text) == bool(row.resolved)
    # the closing line names the worst class each leg reached
    ceap = d[d["event"] == "ceap"]
    for leg, part in ceap.groupby("leg"):
        worst = part.loc[part["ceap_class"].idxmax(), "detail"]
        who = f"the {leg} leg" if leg else "the worse leg"
        assert f"{who} reached {worst} at its worst" in story.closing


def test_story_text_agrees_with_a_simulated_persons_log(run):
    found = S.find_typical_person(run.events, run.persons, {"sex": "female"}, "ulcer")
    assert found.person_id is not None
    story = S.patient_story(run.events, run.persons, found.person_id)
    _agrees(story, run.events)
    assert story.intro.startswith(f"Person {found.person_id}: a woman aged ")
    assert set(story.legend["event"]) == set(story.lines["event"])  # a legend entry for every mark used
    assert story.legend["refs"].str.len().gt(0).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_story_text_agrees_for_several_persons(run, seed):
    rng = np.random.default_rng(seed)
    rich = run.events.groupby("person_id")["event"].nunique()
    pid = int(rng.choice(rich.index[rich >= 8]))
    _agrees(S.patient_story(run.events, run.persons, pid), run.events)


def _per_leg_log() -> pd.DataFrame:
    rows = [
        (18.0, -32.0, "", "entry", "history_start", np.nan), (25.0, -25.0, "left", "ceap", "C1", np.nan),
        (30.0, -20.0, "left", "valve_failure", "superficial", np.nan), (31.0, -19.0, "left", "recruitment", "", 2.0),
        (33.0, -17.0, "right", "ceap", "C2", np.nan), (35.0, -15.0, "left", "ceap", "C3", np.nan),
        (35.0, -15.0, "left", "finding", "edema", np.nan), (36.0, -14.0, "left", "finding", "edema_resolved", np.nan),
        (36.0, -14.0, "left", "ceap", "C2", np.nan), (40.0, -10.0, "", "covariate", "bmi", 31.2),
        (42.0, -8.0, "left", "ceap", "C4b", np.nan), (44.0, -6.0, "left", "calcification", "punctate", np.nan),
        (45.0, -5.0, "left", "radiograph", "punctate calcification", np.nan),
        (46.0, -4.0, "right", "valve_failure", "deep_post_thrombotic", np.nan),
        (47.0, -3.0, "left", "ceap", "C6", np.nan), (48.0, -2.0, "", "surgery", "done", 0.5),
        (49.0, -1.0, "left", "ceap", "C5", np.nan), (49.5, -0.5, "left", "ceap", "C6r", np.nan),
        (50.0, 0.0, "", "entry", "baseline", np.nan), (52.0, 2.0, "left", "periostitis", "", np.nan),
        (53.0, 3.0, "left", "radiograph", "trabecular calcification, periostitis", np.nan),
        (53.0, 3.0, "left", "calcification", "trabecular", np.nan), (55.0, 5.0, "", "exit", "end_of_follow_up", np.nan),
    ]  # fmt: skip
    ev = pd.DataFrame(rows, columns=["age", "t", "leg", "event", "detail", "value"])
    ev.insert(0, "person_id", 9)
    ev["leg"] = pd.Categorical(ev["leg"], categories=["left", "right", ""])
    return ev[["person_id", "age", "t", "leg", "event", "detail", "value"]]


def test_story_of_the_per_leg_log():
    ev = _per_leg_log()
    persons = pd.DataFrame({"person_id": [9], "sex": ["female"], "age": [50.0], "bmi": [31.2],
                            "smoking": ["never"], "standing_work": [True], "sitting_work": [False],
                            "family_history": [True], "parity": [2]})
    story = S.patient_story(ev, persons, 9)
    assert story.sections() == ["Left leg", "Right leg", "The person"]
    _agrees(story, ev)
    md = story.to_markdown()
    assert "The edema of the left leg went away." in md and "CEAP C4b (lipodermatosclerosis)" in md
    assert "CEAP C6r (recurrent active ulcer)" in md and "Body-mass index reached 31.2." in md
    assert "works standing" in story.intro and "2 births" in story.intro and "parent or sibling" in story.intro
    assert "the left leg reached C6 at its worst and was C6r" in story.closing
    assert "the right leg reached C2" in story.closing


def test_radiographs_follow_the_persons_calcification():
    ev = _per_leg_log()
    panels = S.radiograph_panels(ev, 9)
    # the per-leg log has radiograph events: one panel each, showing what had calcified by then
    assert [(p["leg"], p["age"], p["pattern"], p["periostitis"]) for p in panels] == [
        ("left", 45.0, "punctate", False), ("left", 53.0, "trabecular", True)]
    old = ev[ev["event"] != "radiograph"].drop(columns=["leg", "value"])
    old_panels = S.radiograph_panels(old, 9)  # the older log: at each calcification or periostitis event
    assert [(p["age"], p["pattern"], p["periostitis"]) for p in old_panels] == [
        (44.0, "punctate", False), (52.0, "punctate", True), (53.0, "trabecular", True)]
    assert all(p["title"].startswith("leg, age") for p in old_panels)


def test_worst_leg_ceap_gives_the_persons_class():
    ev = worst_leg_ceap(_per_leg_log())
    ceap = ev[ev["event"] == "ceap"]
    assert ceap["detail"].tolist() == ["C1", "C2", "C3", "C2", "C4", "C6", "C5", "C6"]
    assert (ceap["leg"] == "").all() and len(ev) == len(_per_leg_log())  # every change here moves the worse leg
    # a change of the better leg leaves the person's class alone: no person-level event
    more = pd.concat([_per_leg_log(), pd.DataFrame({"person_id": [9], "age": [54.0], "t": [4.0], "leg": ["right"],
                                                    "event": ["ceap"], "detail": ["C3"], "value": [np.nan]})])
    assert worst_leg_ceap(more)["detail"].tolist() == worst_leg_ceap(_per_leg_log())["detail"].tolist()


def test_find_typical_person_documents_its_search(run):
    found = S.find_typical_person(run.events, run.persons,
                                  {"sex": "male", "age": [50, 80], "ever_smoked": True}, "cvi")
    counts = [n for _, n in found.steps]
    assert counts == sorted(counts, reverse=True) and counts[0] == len(run.persons)
    assert [w for w, _ in found.steps][1:4] == ["sex male", "aged 50 to under 80 at baseline", "current or former smoker"]
    p = run.persons.set_index("person_id").loc[found.person_id]
    assert p["sex"] == "male" and 50 <= p["age"] < 80 and p["smoking"] in ("current", "former")
    # the rule: closest to the median age at the outcome among those kept
    d = read_event_details(run.events)
    onset = d[(d["event"] == "ceap") & (d["ceap_class"] >= 3)].groupby("person_id")["age"].min()
    kept = run.persons.set_index("person_id")
    kept = kept[(kept["sex"] == "male") & kept["age"].between(50, 80, inclusive="left")
                & kept["smoking"].isin(["current", "former"])]
    ages = onset.reindex(kept.index).dropna()
    assert counts[-1] == len(ages)
    best = (ages - ages.median()).abs()
    assert best[found.person_id] == best.min()
    assert "chose person" in found.describe()


def test_find_typical_person_says_where_the_search_ran_dry(run):
    found = S.find_typical_person(run.events, run.persons, {"age": [18, 19], "parity": 9}, "ulcer")
    assert found.person_id is None and found.steps[-1][1] == 0 and "nobody matched" in found.describe()
    with pytest.raises(InputError, match="unknown outcome"):
        S.find_typical_person(run.events, run.persons, {}, "fame")
    with pytest.raises(InputError, match="unknown profile criterion"):
        S.find_typical_person(run.events, run.persons, {"height": 2}, "ulcer")


def test_every_typical_profile_runs(run):
    for prof in S.typical_profiles():
        found = S.find_typical_person(run.events, run.persons, prof["profile"], prof["outcome"])
        assert found.steps[-1][0].startswith("whose log shows")


def test_the_story_gives_each_legs_venous_pressure_as_the_model_computes_it():
    """After each change of a leg's veins the story states its ambulatory venous pressure, which
    is the model's (cvirisk.analysis.pressure): 25 normal, +15 superficial reflux, +4 a segment,
    +0.5 a BMI unit above 25."""
    ev = pd.DataFrame({
        "person_id": 1, "age": [18.0, 30.0, 40.0, 50.0], "t": [-32.0, -20.0, -10.0, 0.0],
        "leg": ["", "left", "left", ""], "event": ["entry", "valve_failure", "recruitment", "entry"],
        "detail": ["history_start", "superficial", "segment", "baseline"], "value": [np.nan, np.nan, 2.0, np.nan]})
    persons = pd.DataFrame({"person_id": [1], "sex": ["female"], "age": [50.0], "bmi": [29.0], "smoking": ["never"]})
    lines = S.patient_story(ev, persons, 1).lines
    left = lines[lines["leg"] == "left"]["text"].tolist()
    assert "about 46 mmHg" in left[0]  # 25 + 15 + 4 x 1 + 0.5 x 4
    assert "about 50 mmHg" in left[1]  # two segments
