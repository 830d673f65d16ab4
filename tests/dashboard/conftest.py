"""Fixtures for the dashboard tests: an AppTest factory and the Chromium launch arguments."""

from __future__ import annotations

import pytest
from dash_helpers import APP, CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def open_page():
    """``open_page("Teaching", n=500)``: a run AppTest of the app on that page (small, fast settings)."""
    from streamlit.testing.v1 import AppTest

    def _open(page: str, **state):
        at = AppTest.from_file(str(APP), default_timeout=180)
        at.session_state["page"] = page
        for key, value in {"n": 1000, "years": 15, **state}.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return _open


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright: Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
