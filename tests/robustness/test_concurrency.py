"""Two runs into one output folder: the second is refused at once, the first gives a lone run's bytes.

The first run is held, deterministically, at the point where it owns the folder and is
about to simulate (``fault_driver.py pause``); the second runs while it waits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robust_helpers import call, tree

DRIVER = Path(__file__).with_name("fault_driver.py")
PLAIN = ["--n", "60", "--seed", "4", "--years", "3", "--quiet"]
CHUNKED = ["--n", "300", "--seed", "4", "--years", "5", "--engine", "fast", "--surgery-approximation",
           "unlimited", "--chunk-size", "100", "--workers", "1", "--quiet"]  # fmt: skip


@pytest.fixture
def first(tmp_path):
    """Start a run that pauses once it holds its folder; release it with ``go()``."""
    procs = []
    ready, go = tmp_path / "ready", tmp_path / "go"

    def start(argv):
        env = {**os.environ, "CVIRISK_READY": str(ready), "CVIRISK_GO": str(go)}
        p = subprocess.Popen([sys.executable, str(DRIVER), "pause", *map(str, argv)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        procs.append(p)
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert p.poll() is None, p.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        return p

    def release(p):
        go.touch()
        assert p.wait(120) == 0, p.stderr.read()

    yield start, release
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("kind", ["plain", "chunked"])
def test_a_second_run_into_the_same_folder_is_refused(first, tmp_path, capsys, kind):
    start, release = first
    args = PLAIN if kind == "plain" else CHUNKED
    out, alone = tmp_path / "runs" / "out", tmp_path / "alone" / "out"
    a = start(["simulate", *args, "--out", out])
    before = tree(tmp_path / "runs")
    code, err = call(["simulate", *args, "--out", out], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert f"another cvirisk run (pid {a.pid}) is writing to this folder" in err
    assert tree(tmp_path / "runs") == before  # the refused run touched nothing
    release(a)
    assert call(["simulate", *args, "--out", alone], capsys)[0] == 0
    result = "collected" if kind == "chunked" else "."
    assert tree(out / result) == tree(alone / result)
    left = [p for p in tree(tmp_path / "runs") if ".tmp-" in p or p.endswith(".lock")]
    assert not left
