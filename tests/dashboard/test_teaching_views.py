"""AppTest (no browser) of the Teaching and Progression views' new parts: the patient story, ties, contrasts."""

from __future__ import annotations

import pytest
from dash_helpers import figure, trace_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _result(n: int, years: int, seed: int = 1):
    import cvirisk

    params = cvirisk.load_params()
    cohort = cvirisk.generate_cohort(n, seed=seed, params=params)
    return cvirisk.simulate(cohort, params=params, seed=seed, years=years, engine="fast")


def test_patient_story_tab_tells_the_typical_persons_log(open_page):
    from cvirisk.teaching import story as S

    at = open_page("Teaching", n=2000, years=20)
    res = _result(2000, 20)
    for prof in S.typical_profiles():
        at.selectbox(key="story_profile").select(prof["id"]).run()
        assert not at.exception
        found = S.find_typical_person(res.events, res.persons, prof["profile"], prof["outcome"])
        assert at.selectbox(key="story_person").value == found.person_id
        story = S.patient_story(res.events, res.persons, found.person_id)
        shown = " ".join(m.value for m in at.markdown)
        assert story.intro in shown and story.closing in shown
        for text in story.lines["text"]:
            assert text in shown
        tl = figure(at, "story_timeline")
        assert tl["layout"]["title"]["text"].startswith(f"Person {found.person_id}")
        panels = S.radiograph_panels(res.events, found.person_id)
        if panels:
            titles = [a["text"] for a in figure(at, "story_xray")["layout"]["annotations"]
                      if a["text"] not in ("ankle", "hip")]
            assert titles == [p["title"] for p in panels[-4:]]


def test_differential_tab_names_a_tie(open_page):
    at = open_page("Teaching", n=500, years=5)
    at.selectbox(key="dd_morphology").select("sheet-like").run()
    at.selectbox(key="dd_distribution").select("not assessed").run()
    at.selectbox(key="dd_depth").select("not assessed").run()
    at.selectbox(key="dd_periostitis").select("not assessed").run()
    assert not at.success and at.warning[0].value.startswith("Tie:")
    assert "tie" in figure(at, "differential")["layout"]["title"]["text"]
    at.selectbox(key="dd_associated").select("muscle weakness or rash").run()
    assert at.success[0].value.startswith("Best fit: **Calcinosis universalis")


def test_progression_contrast_and_sex_panels(open_page):
    at = open_page("Progression", n=1000, years=10)
    names = trace_names(at, "occupancy")
    assert len(names) == 16 and names[3] == "C3: edema"  # two panels (women, men), plain class names
    at.selectbox(key="contrast_factor").select("obesity").run()
    at.button(key="contrast_go").click().run()
    assert not at.exception
    assert trace_names(at, "contrast_shares") == ["with obesity (BMI 33)", "without (BMI 24)"]
    diff = figure(at, "contrast_difference")
    assert len(diff["data"][0]["y"]) == 4
    assert any("bootstrap" in c.value for c in at.caption)
