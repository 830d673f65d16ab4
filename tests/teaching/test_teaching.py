"""Teaching content as data, the differential ranking, and calcification read from an event log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk import teaching
from cvirisk.exceptions import InputError


def test_content_covers_the_seed_note():
    c = teaching.load_content()
    assert [t["id"] for t in c["imaging"]["calcification_types"]] == ["punctate", "trabecular", "reticular"]
    assert {m["id"] for m in c["clinical_picture"]["mechanisms"]} == {"superficial", "deep", "congenital", "recruitment"}
    assert {f["id"] for f in c["clinical_picture"]["findings"]} == {"pruritus", "edema", "discoloration", "thickening",
                                                                     "pain"}
    assert {x["id"] for x in c["differential"]["conditions"]} == {"cvi", "calcinosis_universalis", "myositis_ossificans"}
    assert c["imaging"]["modalities"][0]["name"] == "Duplex ultrasonography"
    c["title"] = "changed"  # a fresh copy each time
    assert teaching.load_content()["title"] == "Chronic venous insufficiency"


@pytest.mark.parametrize(
    ("observed", "best"),
    [
        ({"morphology": "reticular", "distribution": "distal", "depth": "subcutaneous", "periostitis": "present"}, "cvi"),
        ({"morphology": "punctate"}, "cvi"),
        ({"morphology": "sheet-like", "distribution": "proximal", "periostitis": "absent"}, "calcinosis_universalis"),
        ({"morphology": "cloud-like", "depth": "muscle or soft tissue mass"}, "myositis_ossificans"),
        ({"morphology": "rim-like"}, "myositis_ossificans"),
    ],
)
def test_rank_differential(observed, best):
    ranked = teaching.rank_differential(**observed)
    assert ranked.iloc[0]["id"] == best
    assert ranked.iloc[0]["matches"] == len(observed) and ranked.iloc[0]["conflicts"] == ""


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


def test_model_output_puts_reticular_after_punctate(small_cohort, params):
    import cvirisk

    res = cvirisk.simulate(small_cohort, params=params, seed=3, years=25, engine="fast",
                           surgery_approximation="unlimited")
    onsets = teaching.calcification_onsets(res.events)
    med = onsets.groupby("type")["years_since_cvi"].median()
    assert med["punctate"] < med["reticular"]
