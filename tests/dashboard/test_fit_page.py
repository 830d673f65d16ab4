"""The *Fit your data* page: limits, the chosen model used everywhere, selections that follow the data.

Issue 15 (the page's model, selections, overlay with renames and units) and issue 16 (upload
limit and row cap in the app's own configuration, cached fits bounded).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from dash_helpers import ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

sys.path.insert(0, str(ROOT / "dashboard"))
from views import fit as page  # noqa: E402


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def _risk(at) -> float:
    metric = [m for m in at.metric if m.label.startswith(("Risk of the event", "Cumulative incidence"))][0]
    return float(metric.value.rstrip("%")) / 100


def test_upload_limit_and_row_cap_are_the_apps_own_and_named(open_page):
    at = open_page("Fit your data")
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == page.UPLOAD_LIMIT_MB == 50
    assert f"Up to {page.UPLOAD_LIMIT_MB} MB and {page.MAX_ROWS:,} rows" in " ".join(c.value for c in at.caption)
    n = page.MAX_ROWS + 1
    big = ("t,e\n" + "1,0\n" * (n - 1) + "2,1\n").encode()
    at.file_uploader(key="upload").upload("big.csv", big, "text/csv").run()
    assert not at.exception
    assert _errors(at) == [f"big.csv: more than {page.MAX_ROWS:,} rows; {page.LIMITS}"]


def test_caches_are_bounded():
    for fn in (page.read_uploaded, page.fitted, page.evaluation, page.curves):
        assert fn._info.max_entries is not None and fn._info.max_entries <= 4
        assert fn._info.ttl is not None


def test_the_chosen_model_gives_the_risk_and_the_calibration(open_page):
    from cvirisk.data import load_rossi
    from cvirisk.io.cohort_file import CohortColumns
    from cvirisk.survival import fit_model

    at = open_page("Fit your data", fit_source="Example: Rossi recidivism")
    at.multiselect(key="col_covariates").set_value(["fin", "prio"]).run()
    cox_risk = _risk(at)
    at.selectbox(key="model").select("weibull").run()
    assert not at.exception and not _errors(at)
    assert any("Weibull AFT" in c.value for c in at.caption)  # the calibration names the model used
    horizon = at.slider(key="horizon").value
    person = pd.DataFrame({"fin": [float(at.selectbox(key="risk_fin").value)],
                           "prio": [at.number_input(key="risk_prio").value]})
    weibull = fit_model(load_rossi(), CohortColumns("week", "arrest", covariates=("fin", "prio")), "weibull")
    assert _risk(at) == pytest.approx(float(weibull.predict_risk(person, horizon)[0]), abs=5e-4)
    assert _risk(at) != pytest.approx(cox_risk, abs=1e-4)


def test_selections_reset_when_the_data_change_and_moved_covariates_are_named(open_page):
    at = open_page("Fit your data", fit_source="Example: Rossi recidivism")
    at.multiselect(key="col_covariates").set_value(["fin", "age", "prio"]).run()
    at.selectbox(key="col_event").select("fin").run()  # fin now plays the event's role
    assert any("Removed from the covariates because they now play another role: fin" in i.value for i in at.info)
    assert "fin" not in at.multiselect(key="col_covariates").value
    at.radio(key="fit_source").set_value("Upload a file").run()
    df = pd.DataFrame({"time": [1.0, 2, 3, 4, 5, 6], "status": [1, 0, 1, 1, 0, 1], "dose": [1.0, 2, 3, 1, 2, 3]})
    at.file_uploader(key="upload").upload("mine.csv", _csv(df), "text/csv").run()
    assert not at.exception
    assert any("column choices of the previous data were reset" in i.value for i in at.info)
    assert at.selectbox(key="col_duration").value == "time"
    assert at.multiselect(key="col_covariates").value == ["dose"]


def test_missing_values_message_names_the_checkbox_not_a_cli_flag(open_page):
    df = pd.DataFrame({"time": [1.0, 2, 3, 4], "status": [1, 0, 1, 1], "x": [1.0, None, 3, 2]})
    at = open_page("Fit your data")
    at.file_uploader(key="upload").upload("gaps.csv", _csv(df), "text/csv").run()
    assert _errors(at) == ["gaps.csv: column 'x': missing value in rows 2 (1 row) "
                           "(tick 'Exclude rows with missing values' to exclude such rows)"]
    at.checkbox(key="drop_missing").check().run()
    assert not _errors(at)


def test_text_covariates_are_categories_with_a_level_picker(open_page):
    from cvirisk.data import load_veteran

    at = open_page("Fit your data")
    at.file_uploader(key="upload").upload("veteran.csv", _csv(load_veteran()), "text/csv").run()
    at.multiselect(key="col_covariates").set_value(["karno", "celltype"]).run()
    assert not at.exception and not _errors(at)
    summary = [d.value for d in at.dataframe if "covariate" in d.value.columns][0]
    assert summary["covariate"].tolist() == ["karno", "celltype[T.large]", "celltype[T.smallcell]",
                                             "celltype[T.squamous]"]
    before = _risk(at)
    at.selectbox(key="risk_celltype").select("large").run()
    assert _risk(at) != pytest.approx(before)


def test_overlay_checks_units_of_renamed_covariates(open_page):
    rng = np.random.default_rng(3)
    bmi = rng.normal(27, 4, 400)
    df = pd.DataFrame({"time": rng.exponential(4, 400), "status": (rng.random(400) < 0.6).astype(int), "bmi": bmi})
    at = open_page("Fit your data")
    at.file_uploader(key="upload").upload("bmi.csv", _csv(df), "text/csv").run()
    at.text_input(key="overlay_rename").input("bmi=bmi_per_5").run()
    assert not at.exception
    assert any("covariate 'bmi (as bmi_per_5)' has values outside -4 to 8" in e for e in _errors(at))
    at.text_input(key="formula").input("I((bmi - 25) / 5)").run()
    at.text_input(key="overlay_rename").input("I((bmi - 25) / 5)=bmi_per_5").run()
    assert not at.exception and not _errors(at)
    assert any("no age covariate" in w.value for w in at.warning)
    assert any("bmi_per_5" in c.value for c in at.code)


def test_switching_between_examples_starts_from_the_new_columns(open_page):
    at = open_page("Fit your data", fit_source="Example: Rossi recidivism")
    at.multiselect(key="col_covariates").set_value(["fin", "prio"]).run()
    at.radio(key="fit_source").set_value("Example: simulated time to C3+").run()
    assert not at.exception and not _errors(at)
    assert at.selectbox(key="col_duration").value == "duration"
    assert not {"fin", "prio"} & set(at.multiselect(key="col_covariates").value)


def test_fine_gray_on_the_page_uses_cumulative_incidence_everywhere(open_page):
    from cvirisk.data import load_bmt

    at = open_page("Fit your data", model="fg")
    at.file_uploader(key="upload").upload("bmt.csv", _csv(load_bmt()), "text/csv").run()
    assert at.selectbox(key="col_event").value == "status"
    at.multiselect(key="col_covariates").set_value(["dis"]).run()
    assert not at.exception and not _errors(at)
    assert any("subdistribution hazard ratios" in c.value.lower() for c in at.caption)
    assert any("Fine-Gray" in c.value for c in at.caption)  # the calibration names the model
    assert 0 < _risk(at) < 1


def test_kaplan_meier_interval_scale_is_selectable(open_page):
    from dash_helpers import decode

    at = open_page("Fit your data", fit_source="Example: Rossi recidivism", model="km")
    lower_loglog = decode(figure_of(at, "fit_survival")["data"][1]["y"])
    at.selectbox(key="km_ci").select("log").run()
    assert not at.exception
    lower_log = decode(figure_of(at, "fit_survival")["data"][1]["y"])
    assert any(caption.value.startswith("Kaplan-Meier intervals on the log scale") for caption in at.caption)
    assert lower_log != lower_loglog


def figure_of(at, key):
    from dash_helpers import figure

    return figure(at, key)
