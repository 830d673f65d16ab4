"""The real server on 127.0.0.1, driven by Playwright over Debian's Chromium.

Changes a scenario control, uploads a cohort file, and saves a screenshot of every page under
``test-artifacts/screenshots/``. Skipped only where ``/usr/bin/chromium`` is missing
(``.ci/run`` installs it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dash_helpers import ARTIFACTS, CHROMIUM, settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (.ci/run installs it)"),
]


def _settle(page, timeout: float = 90_000) -> None:
    settle(page, timeout)


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def _goto(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] label').filter(has_text=label).first.click()


def test_every_page_in_a_real_browser(server, page, tmp_path):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1400, "height": 3400})
    page.goto(server)
    expect(page.get_by_role("heading", name="Scenarios")).to_be_visible(timeout=60_000)
    _settle(page)
    # the page opens on the worked example: doubled surgical capacity, with its cost-effectiveness
    scenario_line = page.locator('[data-testid="stMarkdown"]').filter(has_text=re.compile(r"Scenario \S+:"))
    expect(scenario_line.first).to_contain_text("surgical_capacity_doubled")
    expect(page.get_by_role("heading", name="Cost-effectiveness")).to_be_visible()
    _shot(page, "scenarios")

    # change a scenario control: some current smokers quit at baseline (the library's smoking_cessation)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Current smokers who quit").locator(
        "input[type=range]")  # fmt: skip
    slider.focus()
    page.keyboard.press("ArrowRight")  # one step: each step reruns the page
    expect(slider).to_have_value("0.01")
    expect(scenario_line.first).to_contain_text("custom", timeout=60_000)
    _settle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    _shot(page, "scenarios_changed")

    # the download carries the library's table, its dictionary, the replications and the manifest
    import json
    import zipfile

    with page.expect_download() as info:
        page.get_by_role("button", name="Download results").click()
    archive = zipfile.ZipFile(info.value.path())
    assert sorted(archive.namelist()) == ["comparison.csv", "comparison_dictionary.csv", "manifest.json",
                                          "replications.csv"]  # fmt: skip
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["seed"] == 1 and manifest["common_random_numbers"]
    kinds = {e["type"] for e in manifest["dashboard"]["scenario"]["interventions"]}
    assert kinds == {"smoking_cessation", "surgical_capacity"}

    _goto(page, "Progression")
    expect(page.get_by_role("heading", name="Progression")).to_be_visible(timeout=60_000)
    _settle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=60_000)
    expect(page).to_have_url(re.compile(r"[?&]page=progression"))  # pages have shareable addresses
    _shot(page, "progression")

    # upload a cohort file
    _goto(page, "Fit your data")
    expect(page.get_by_role("heading", name="Fit your data")).to_be_visible(timeout=60_000)
    from cvirisk.data import load_rossi

    csv = load_rossi().rename(columns={"week": "time", "arrest": "status"}).to_csv(index=False).encode()
    page.locator("input[type=file]").set_input_files(files=[{"name": "my_cohort.csv", "mimeType": "text/csv",
                                                             "buffer": csv}])
    expect(page.get_by_role("heading", name="Summary")).to_be_visible(timeout=90_000)
    _settle(page)
    expect(page.get_by_text("my_cohort.csv: 432 rows")).to_be_visible()
    expect(page.get_by_role("heading", name="Individual risk")).to_be_visible()
    _shot(page, "fit_your_data")

    _goto(page, "Teaching")
    expect(page.get_by_role("heading", name="Teaching: chronic venous insufficiency")).to_be_visible(timeout=60_000)
    _shot(page, "teaching")
    page.get_by_role("tab", name="Imaging").click()
    expect(page.get_by_role("heading", name="Reticular")).to_be_visible()
    _shot(page, "teaching_imaging")
    page.get_by_role("tab", name="Differential diagnosis").click()
    _settle(page)
    expect(page.get_by_text("Best fit:")).to_be_visible()
    _shot(page, "teaching_differential")
    page.get_by_role("tab", name="In the model").click()
    _settle(page)
    _shot(page, "teaching_model")
