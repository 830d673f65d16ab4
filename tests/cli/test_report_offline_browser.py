"""The scenario report renders in a real browser with every network request refused (plotly.js embedded)."""

from __future__ import annotations

import os

import pytest

from cvirisk.cli import main

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def test_report_and_tornado_render_with_no_network(tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    out = tmp_path / "o"
    code = main(["scenario", "--scenario", "earlier_referral", "--n", "300", "--replications", "2", "--years", "3",
                 "--psa-draws", "2", "--out", str(out), "--quiet",
                 "--set", "care.surgery_operations_per_year_per_100000=.inf"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    fetched = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()

            def refuse(route):  # anything but the file itself would need a network
                if route.request.url.startswith("file://"):
                    return route.continue_()
                fetched.append(route.request.url)
                return route.abort()

            page.route("**/*", refuse)
            for name, figures in (("report.html", 4), ("tornado.html", 1)):
                page.goto((out / name).as_uri())
                page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {figures}",
                                       timeout=30_000)  # fmt: skip
                assert page.locator(".js-plotly-plot").count() == figures
                assert page.evaluate("typeof Plotly") == "object"
        finally:
            browser.close()
    assert fetched == []
