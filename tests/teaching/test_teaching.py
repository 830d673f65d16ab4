"""Teaching content as data, the differential ranking (ties shown as ties), and calcification read from an event log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk import teaching
from cvirisk.exceptions import InputError


def test_content_covers_the_clinical_picture():
    c = teaching.load_content()
    assert [t["id"] for t in c["imaging"]["calcification_types"]] == ["punctate", "trabecular", "reticular"]
    assert {m["id"] for m in c["clinical_picture"]["mechanisms"]} >= {"superficial", "deep", "congenital", "recruitment"}
    assert {f["id"] for f in c["clinical_picture"]["findings"]} == {"pruritus", "edema", "discoloration", "thickening",
                                                                     "pain"}
    # every driver of the model is taught (the issue: family history and parity were missing)
    assert {r["id"] for r in c["clinical_picture"]["risk_factors"]} >= {
        "age", "sex", "smoking", "obesity", "standing_work", "sitting_work", "family_history", "parity", "prior_dvt"}
    assert [k["id"] for k in c["ceap"]["classes"]][:5] == ["C0", "C1", "C2", "C2r", "C3"]
    assert c["imaging"]["modalities"][0]["name"] == "Duplex ultrasonography"
    c["title"] = "changed"  # a fresh copy each time
    assert teaching.load_content()["title"] == "Chronic venous insufficiency"


def test_differential_holds_the_mimics():
    ids = {x["id"] for x in teaching.load_content()["differential"]["conditions"]}
    assert ids >= {"cvi", "calcinosis_universalis", "myositis_ossificans", "phleboliths", "vascular", "metastatic"}


@pytest.mark.parametrize(
    ("observed", "best"),
    [
        ({"morphology": "reticular", "distribution": "distal", "depth": "subcutaneous", "periostitis": "present"}, "cvi"),
        ({"morphology": "punctate"}, "cvi"),
        ({"morphology": "sheet-like", "distribution": "proximal", "depth": "subcutaneous"}, "calcinosis_universalis"),
        ({"morphology": "cloud-like", "depth": "muscle or soft tissue mass"}, "myositis_ossificans"),
        ({"morphology": "rim-like"}, "myositis_ossificans"),
        ({"morphology": "round with lucent centre", "associated": "venous malformation"}, "phleboliths"),
        ({"morphology": "tram-track", "associated": "diabetes kidney disease or old age"}, "vascular"),
        ({"morphology": "amorphous lumps", "distribution": "periarticular",
          "associated": "renal failure or hyperparathyroidism"}, "metastatic"),
    ],
)
def test_rank_differential(observed, best):
    ranked = teaching.rank_differential(**observed)
    verdict = teaching.differential_verdict(ranked)
    assert verdict["kind"] == "best" and verdict["ids"] == [best]
    assert ranked.iloc[0]["id"] == best and not ranked.iloc[0]["tied"]
    assert ranked.iloc[0]["matches"] == len(observed) and ranked.iloc[0]["conflicts"] == ""


def test_a_tie_is_shown_as_a_tie_never_as_a_best_fit():
    # the case: only "sheet-like" ticked; calcinosis universalis and myositis ossificans score the same
    ranked = teaching.rank_differential(morphology="sheet-like", distribution="proximal", periostitis="absent")
    top = ranked[ranked["rank"] == 1]
    assert set(top["id"]) == {"calcinosis_universalis", "myositis_ossificans"} and top["tied"].all()
    verdict = teaching.differential_verdict(ranked)
    assert verdict["kind"] == "tie" and "Best fit" not in verdict["text"] and verdict["text"].startswith("Tie:")
    assert set(verdict["ids"]) == set(top["id"])
    # assessing the layer or the associated findings would separate them; they are named
    assert set(verdict["separating"]) == {"depth", "associated"}
    assert teaching.differential_verdict(teaching.rank_differential())["kind"] == "none"


def test_rank_differential_rejects_unknown_input():
    with pytest.raises(InputError, match="morphology='starry'"):
        teaching.rank_differential(morphology="starry")
    with pytest.raises(InputError, match="unknown radiograph feature"):
        teaching.rank_differential(colour="white")
    assert teaching.rank_differential()["score"].isna().all()


def _log(rows):
    return pd.DataFrame(rows, columns=["person_id", "age", "t", "event", "detail"])


def test_calcification_by_duration_and_onsets_on_a_hand_made_log():
    ev = _log([
        (1, 18.0, -32.0, "entry", "history_start"), (1, 40.0, -10.0, "ceap", "C3"), (1, 50.0, 0.0, "entry", "baseline"),
        (1, 52.0, 2.0, "calcification", "punctate"), (1, 58.0, 8.0, "calcification", "reticular"),
        (1, 62.0, 12.0, "exit", "end_of_follow_up"),
        (2, 18.0, -12.0, "entry", "history_start"), (2, 28.0, -2.0, "ceap", "C4"), (2, 30.0, 0.0, "entry", "baseline"),
        (2, 31.0, 1.0, "exit", "end_of_follow_up"),
        (3, 18.0, -2.0, "entry", "history_start"), (3, 20.0, 0.0, "entry", "baseline"), (3, 30.0, 10.0, "exit", "death"),
    ])  # fmt: skip
    assert teaching.cvi_onset(ev).to_dict() == {1: -10.0, 2: -2.0}
    table = teaching.calcification_by_duration(ev)
    shares = table.pivot(index="duration", columns="type", values="share")
    assert shares.loc["0-5", "none"] == 1.0  # person 2: 3 years of CVI, no calcification
    assert shares.loc["20-30", "reticular"] == 1.0  # person 1: 22 years, worst type reticular
    assert np.isnan(shares.loc["5-10", "none"])
    onsets = teaching.calcification_onsets(ev)
    assert onsets["years_since_cvi"].tolist() == [12.0, 18.0] and not onsets["ulcer_before"].any()


def test_cvi_onset_reads_the_per_leg_log():
    ev = pd.DataFrame({
        "person_id": [1, 1, 1, 1], "age": [30.0, 40.0, 45.0, 50.0], "t": [-20.0, -10.0, -5.0, 0.0],
        "leg": ["left", "right", "left", ""], "event": ["ceap", "ceap", "ceap", "entry"],
        "detail": ["C2", "C4b", "C6r", "baseline"], "value": [np.nan] * 4,
    })  # fmt: skip
    assert teaching.cvi_onset(ev).to_dict() == {1: -10.0}  # C4b is class 4
    assert teaching.calcification_onsets(ev).empty


def test_model_output_puts_reticular_after_punctate(small_cohort, params):
    import cvirisk

    res = cvirisk.simulate(small_cohort, params=params, seed=3, years=25, engine="fast",
                           surgery_approximation="unlimited")
    onsets = teaching.calcification_onsets(res.events)
    med = onsets.groupby("type")["years_since_cvi"].median()
    assert med["punctate"] < med["reticular"]
    check = teaching.cvi_without_reflux(res.events)
    assert check["n_cvi"] > 0 and 0.0 <= check["never_reflux"] <= check["before_reflux"] <= 1.0
