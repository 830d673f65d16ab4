"""Helpers shared by the dashboard tests (a uniquely named module: test folders are not packages)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
_IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
               && !document.querySelector('[data-stale="true"]')
               && !document.querySelector('[data-testid="stProgress"]')"""


def settle(page, timeout: float = 90_000) -> None:
    """Wait until plotly has drawn and the script has been idle (nothing running or stale) for a while."""
    page.wait_for_selector(".js-plotly-plot", state="attached", timeout=timeout)
    for _ in range(3):  # idle three times in a row, a second apart: a rerun may start late
        page.wait_for_timeout(1000)
        page.wait_for_function(_IDLE, timeout=timeout)


def decode(value):
    """Plotly JSON arrays come base64-encoded; return them as lists."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return value


def figure(at, key: str) -> dict:
    """The plotly figure (as JSON) of the chart with widget key ``key``."""
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no plotly chart with key {key!r}; have {[c.proto.id for c in at.get('plotly_chart')]}")


def trace_names(at, key: str) -> list[str]:
    return [t.get("name") for t in figure(at, key)["data"]]
