"""AppTest: every page's controls are driven and what is shown is checked (no browser)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from dash_helpers import figure, trace_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _error_lines(at) -> list[str]:
    return [e.value for e in at.error]


def frame_with(at, column: str) -> pd.DataFrame:
    """The first shown table with ``column`` (AppTest does not keep dataframe keys)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with column {column!r}")


# ---------------------------------------------------------------- shell and seed


def test_shell_defaults_to_scenarios_with_an_editable_seed(open_page):
    at = open_page("Scenarios", auto_replications=False, replications=2)
    assert at.radio(key="page").value == "Scenarios"
    assert [r.label for r in at.sidebar.radio][0] == "Page"
    seed = at.sidebar.number_input(key="seed")
    assert seed.value == 1
    seed.set_value(7).run()
    assert not at.exception
    assert at.session_state["seed"] == 7
    import json

    manifest = json.loads(at.json[0].value)
    assert manifest["seed"] == 7 and manifest["scenario_seed"] == 7


# ---------------------------------------------------------------- Scenarios: tests/dashboard/test_scenarios_page.py


# ---------------------------------------------------------------- Progression


def test_progression_figures_and_controls(open_page):
    at = open_page("Progression")
    assert [n.split(":")[0] for n in trace_names(at, "occupancy")[:8]] == ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "DEAD"]
    assert trace_names(at, "cumulative") == ["venous ulcer (C6)", "DVT", "calcification"]
    calc = figure(at, "calcification")
    assert [t["name"] for t in calc["data"]] == ["none", "punctate", "trabecular", "reticular"]
    # every duration bin's shares sum to one (bins with persons)
    shares = np.array([decode_list(t["y"]) for t in calc["data"]], dtype=float)
    sums = np.nansum(shares, axis=0)
    assert np.allclose(sums[sums > 0], 1.0)

    at.multiselect(key="complications").set_value(["lymphedema", "stasis periostitis"]).run()
    assert trace_names(at, "cumulative") == ["lymphedema", "stasis periostitis"]

    people = at.selectbox(key="person").options
    at.selectbox(key="person").select(people[1]).run()
    tl = figure(at, "timeline")
    assert tl["layout"]["title"]["text"] == f"Person {people[1]}"
    assert tl["data"][0]["name"] == "CEAP class"


def decode_list(v):
    from dash_helpers import decode

    return decode(v)


# ---------------------------------------------------------------- Fit your data


def test_fit_rossi_cox_summary_forest_curves_calibration_and_risk(open_page):
    at = open_page("Fit your data", fit_source="Example: Rossi recidivism")
    assert at.selectbox(key="col_duration").value == "week"
    assert at.selectbox(key="col_event").value == "arrest"
    at.multiselect(key="col_covariates").set_value(["fin", "age", "prio"]).run()
    assert not at.exception and not _error_lines(at)
    summary = frame_with(at, "covariate")
    assert summary["covariate"].tolist() == ["fin", "age", "prio"]
    forest = figure(at, "fit_hazard_ratios")
    assert forest["layout"]["xaxis"]["type"] == "log"
    assert decode_list(forest["data"][0]["y"]) == ["fin", "age", "prio"]
    assert trace_names(at, "fit_curves")[-1] == "all"
    assert "perfect calibration" in trace_names(at, "fit_calibration")
    risk = [m for m in at.metric if m.label.startswith("Risk of the event")]
    before = risk[0].value
    at.number_input(key="risk_prio").set_value(15.0).run()
    after = [m for m in at.metric if m.label.startswith("Risk of the event")][0].value
    assert float(after.rstrip("%")) > float(before.rstrip("%"))  # more priors, more risk


def test_fit_models_switch(open_page):
    at = open_page("Fit your data", fit_source="Example: Rossi recidivism")
    at.selectbox(key="model").select("km").run()
    assert not at.exception
    assert trace_names(at, "fit_survival")[-1] == "all"
    at.selectbox(key="col_strata").select("fin").run()
    assert [n for n in trace_names(at, "fit_survival") if n] == ["fin=0", "fin=1"]
    at.selectbox(key="col_strata").select("(none)").run()
    at.selectbox(key="model").select("weibull").run()
    at.multiselect(key="col_covariates").set_value(["fin", "prio"]).run()
    assert not at.exception and not _error_lines(at)
    assert figure(at, "fit_coefficients")["data"]


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_fit_upload_good_file_and_overlay(open_page):
    from cvirisk.data import load_rossi

    df = load_rossi().rename(columns={"week": "time", "arrest": "status"})
    at = open_page("Fit your data")
    assert any("Upload a CSV" in i.value for i in at.info)
    at.file_uploader(key="upload").upload("my cohort.csv", _csv(df), "text/csv").run()
    assert not at.exception and not _error_lines(at)
    assert at.selectbox(key="col_duration").value == "time"
    assert at.selectbox(key="col_event").value == "status"
    assert frame_with(at, "covariate")["covariate"].tolist()[:2] == ["fin", "age"]


def test_fit_parquet_upload_and_competing_risks(open_page):
    from cvirisk.data import load_rossi

    buf = io.BytesIO()
    rossi = load_rossi()
    rossi.assign(cause=rossi["arrest"] * (1 + (rossi["fin"] == 1))).to_parquet(buf)
    at = open_page("Fit your data", model="aj")  # no covariates: the cause column cannot leak into a model
    at.file_uploader(key="upload").upload("cohort.parquet", buf.getvalue(), "application/octet-stream").run()
    assert at.selectbox(key="model").value == "aj"
    at.selectbox(key="col_event").select("cause").run()
    assert not at.exception and not _error_lines(at)
    fig = figure(at, "fit_cumulative_incidence")
    assert [t["name"] for t in fig["data"] if t.get("name")][-1] == "all"
    y = decode_list(fig["data"][-1]["y"])
    assert 0 < max(y) < 1


def test_fit_simulated_example_feeds_an_overlay(open_page):
    at = open_page("Fit your data", fit_source="Example: simulated time to C3+")
    at.multiselect(key="col_covariates").set_value(["female", "bmi_per_5"]).run()
    assert not at.exception and not _error_lines(at)
    yaml_text = [c.value for c in at.code if "natural_history" in c.value]
    assert yaml_text and "edema" in yaml_text[0] and "bmi_per_5" in yaml_text[0]


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        ("bad.csv", b"week,arrest,fin\n1,1,0\n-2,0,1\n3,1,1\n4,0,0\n", "bad.csv: column 'week': negative duration in rows 2 (1 row)"),
        ("notes.txt", b"hello", "notes.txt: unknown file type; use .csv or .parquet"),
        ("empty.csv", b"", "empty.csv: the file is empty"),
    ],
)
def test_fit_bad_files_give_the_cli_message(open_page, tmp_path, name, payload, expected):
    at = open_page("Fit your data")
    at.file_uploader(key="upload").upload(name, payload, "text/csv").run()
    assert not at.exception
    assert _error_lines(at) == [expected]
    # the command line says the same
    from cvirisk.io.cohort_file import CohortColumns, read_cohort_file

    path = tmp_path / name
    path.write_bytes(payload)
    with pytest.raises(Exception) as info:
        read_cohort_file(path, CohortColumns("week", "arrest", covariates=("fin",)))
    assert str(info.value) == expected


# ---------------------------------------------------------------- Teaching


def test_teaching_differential_and_model_tie(open_page):
    at = open_page("Teaching", n=2000, years=20)
    labels = [t.label for t in at.tabs]
    assert labels == ["Clinical picture", "Imaging", "Differential diagnosis", "Patient story", "In the model"]
    text = " ".join(m.value for m in at.markdown)
    for word in ("Punctate", "Trabecular", "Reticular", "Stasis periostitis", "Duplex ultrasonography"):
        assert word in text
    assert "Chronic venous insufficiency" in at.success[0].value  # default: a reticular, distal radiograph
    for kind in ("punctate", "trabecular", "reticular"):
        assert kind in trace_names(at, f"img_{kind}")
    assert "stasis periostitis" not in trace_names(at, "img_reticular")
    at.checkbox(key="show_periostitis").check().run()
    assert "stasis periostitis" in trace_names(at, "img_reticular")
    assert "stasis periostitis" in trace_names(at, "dd_schematic")  # the default description has periostitis
    note = [m.value for m in at.markdown if m.value.startswith("**In the model:**")]
    assert note and "reticular calcification" in note[0]

    at.selectbox(key="dd_morphology").select("sheet-like").run()
    at.selectbox(key="dd_distribution").select("proximal").run()
    at.selectbox(key="dd_depth").select("not assessed").run()
    at.selectbox(key="dd_periostitis").select("absent").run()
    assert at.warning[0].value.startswith("Tie: Calcinosis universalis") and not at.success  # a tie, no best fit
    assert "sheet-like" in trace_names(at, "dd_schematic")
    fig = figure(at, "differential")
    assert decode_list(fig["data"][0]["y"])[-1].startswith("Calcinosis universalis")  # best fit drawn on top

    at.selectbox(key="dd_morphology").select("cloud-like").run()
    at.selectbox(key="dd_depth").select("muscle or soft tissue mass").run()
    assert "Myositis ossificans" in at.success[0].value

    # the model's own calcification output
    assert trace_names(at, "teach_duration") == ["none", "punctate", "trabecular", "reticular"]
    assert trace_names(at, "teach_onset") == ["punctate", "trabecular", "reticular"]
    medians = {m.label.split(":")[0]: float(m.value) for m in at.metric if "median years" in m.label}
    assert medians["punctate"] < medians["reticular"]  # reticular means longer disease
    at.selectbox(key="teach_type").select("punctate").run()
    assert figure(at, "teach_timeline")["layout"]["title"]["text"].endswith("punctate calcification")
