"""Fixtures for the dashboard tests: an AppTest factory, a real server and the Chromium launch arguments."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``cvirisk dashboard``'s own command on 127.0.0.1 at a free port, started from a folder
    outside the repository and stopped by its own process id afterwards."""
    from cvirisk.cli.dashboard import dashboard_app_path, streamlit_command

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cwd = tmp_path_factory.mktemp("elsewhere")
    log = open(cwd / "streamlit.log", "wb")
    proc = subprocess.Popen(streamlit_command(dashboard_app_path(), port, "127.0.0.1"), cwd=cwd, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {(cwd / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
