"""``cvirisk dashboard``: finds the app from any folder and serves it."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cvirisk", "dashboard", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_print_command_from_outside_the_repository(tmp_path):
    out = _cli("--print-command", "--port", "8612", "--address", "127.0.0.1", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    cmd = shlex.split(out.stdout.strip())
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert Path(cmd[4]) == ROOT / "dashboard" / "app.py"
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.headless"] == "true"
    assert flags["--server.port"] == "8612"
    assert flags["--server.address"] == "127.0.0.1"


def test_defaults_are_loopback_8501(tmp_path):
    cmd = shlex.split(_cli("--print-command", cwd=tmp_path).stdout)
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert (flags["--server.address"], flags["--server.port"]) == ("127.0.0.1", "8501")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "99999"], {}, "is not a port number"),
        (["--port", "x"], {}, "is not a port number"),
        (["--print-command"], {"CVIRISK_DASHBOARD_APP": "/nonexistent/app.py"}, "no such file"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, args, env, message):
    out = _cli(*args, cwd=tmp_path, env=env)
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_help_lists_port_and_address(tmp_path):
    out = _cli("--help", cwd=tmp_path)
    assert out.returncode == 0 and "--port" in out.stdout and "--address" in out.stdout


def test_serves_the_app(tmp_path):
    """The README's command, minus the install: the server answers its health check."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cvirisk", "dashboard", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.read().decode().strip() == "ok"
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stderr.close()
