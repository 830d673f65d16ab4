"""Faults at exact points of a run, then a rerun: the clean run's bytes, and no process left behind.

Each fault is planted deterministically: the test waits for a unit file to appear (or the
run reaches a patched point, see ``fault_driver.py``) and only then kills. Every process
started here, and every process it started, is tracked by pid and killed in teardown;
the tests assert, by pid, that none survives the fault.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from robust_helpers import call, tree

DRIVER = Path(__file__).with_name("fault_driver.py")
CHUNKED = ["--n", "1200", "--seed", "5", "--years", "20", "--engine", "fast", "--surgery-approximation",
           "unlimited", "--chunk-size", "40", "--quiet"]  # fmt: skip  # 30 units
PLAIN = ["--n", "60", "--years", "3", "--quiet"]
TIMEOUT = 180


@pytest.fixture
def procs():
    """Start processes through ``start``; teardown kills whatever of them (and their children) is left."""
    started: list[psutil.Popen] = []

    def start(mode: str, argv: list[str], **env) -> psutil.Popen:
        p = psutil.Popen([sys.executable, str(DRIVER), mode, *map(str, argv)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, **env})  # fmt: skip
        started.append(p)
        return p

    yield start
    for p in started:
        with_children = [p, *_descendants(p), *_SEEN]
        for q in with_children:
            try:
                q.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(with_children, timeout=30)
    _SEEN.clear()


#: Every descendant seen by a test: killed in teardown even if reparented after a fault.
_SEEN: list[psutil.Process] = []


def _descendants(p) -> list[psutil.Process]:
    try:
        kids = p.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    _SEEN.extend(kids)
    return kids


def _wait_for(pattern: str, proc) -> None:
    """Wait until a file matching ``pattern`` exists (the process must still be running)."""
    deadline = time.monotonic() + TIMEOUT
    while not glob.glob(pattern, recursive=True):
        assert proc.poll() is None, f"the run ended before {pattern} appeared: {proc.stderr.read()}"
        assert time.monotonic() < deadline, f"{pattern} never appeared"
        time.sleep(0.02)


def _workers(proc) -> list[psutil.Process]:
    """The local worker processes of a run (started by multiprocessing's spawn)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        kids = [k for k in _descendants(proc) if "spawn_main" in " ".join(k.cmdline())]
        if len(kids) == 2 or time.monotonic() > deadline:
            return kids
        time.sleep(0.02)


def _assert_all_gone(pids: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(pids, timeout=30)
    assert not alive, f"left running: {[p.pid for p in alive]}"


def _collected(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "collected").iterdir())}


def _units_done(out: Path) -> int:
    return len(glob.glob(str(out / "units" / "**" / "summary.json"), recursive=True))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The collected bytes of the chunked run, done in this process by one worker."""
    from cvirisk.cli import main

    out = tmp_path_factory.mktemp("clean") / "run"
    assert main(["simulate", *CHUNKED, "--workers", "1", "--out", str(out)]) == 0
    return _collected(out)


def _no_temporaries(root: Path) -> None:
    left = [p for p in tree(root) if ".tmp-" in p or ".old-" in p or p.endswith(".lock")]
    assert not left, left


def test_sigkill_of_the_parent_takes_its_workers_and_a_rerun_gives_the_clean_bytes(procs, clean, tmp_path, capsys):
    out = tmp_path / "run"
    p = procs("plain", ["simulate", *CHUNKED, "--workers", "2", "--out", out])
    _wait_for(str(out / "units" / "**" / "summary.json"), p)
    family = [p, *_descendants(p)]
    assert len(family) >= 3  # the parent, two workers (and the resource tracker)
    p.send_signal(signal.SIGKILL)
    _assert_all_gone(family)
    assert 0 < _units_done(out) < 30  # killed mid-run
    code, err = call(["simulate", *CHUNKED, "--workers", "2", "--out", out], capsys)
    assert code == 0, err
    assert _collected(out) == clean
    _no_temporaries(tmp_path)


def test_busy_workers_die_with_their_parent(procs):
    """Workers in the middle of a long task do not outlive a SIGKILL of their parent."""
    p = procs("sleeping-workers", [])
    workers = _workers(p)
    assert len(workers) == 2
    p.send_signal(signal.SIGKILL)
    _assert_all_gone(workers)  # without the parent-death signal they would sleep on for an hour


def test_sigkill_of_one_local_worker_is_retried_and_gives_the_clean_bytes(procs, clean, tmp_path):
    out = tmp_path / "run"
    p = procs("plain", ["simulate", *CHUNKED, "--workers", "2", "--out", out])
    _wait_for(str(out / "units" / "**" / "summary.json"), p)
    workers = _workers(p)
    assert len(workers) == 2
    workers[0].kill()
    assert p.wait(TIMEOUT) == 0, p.stderr.read()
    assert not workers[0].is_running()
    assert _collected(out) == clean
    _assert_all_gone([*_descendants(p)])
    _no_temporaries(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_stop_the_workers_with_one_line(procs, clean, tmp_path, capsys, sig):
    out = tmp_path / "run"
    p = procs("plain", ["simulate", *CHUNKED, "--workers", "2", "--out", out])
    _wait_for(str(out / "units" / "**" / "summary.json"), p)
    family = _descendants(p)
    p.send_signal(sig)
    assert p.wait(TIMEOUT) == 128 + sig
    err = p.stderr.read()
    assert err.count("\n") == 1 and "Traceback" not in err and "rerun the same command" in err, err
    _assert_all_gone(family)
    assert _units_done(out) < 30
    _no_temporaries(tmp_path)
    code, err = call(["simulate", *CHUNKED, "--workers", "1", "--out", out], capsys)
    assert code == 0, err
    assert _collected(out) == clean


def test_a_kill_between_the_files_of_a_result_leaves_the_old_set(procs, tmp_path, capsys):
    out, alone = tmp_path / "run", tmp_path / "alone" / "run"
    assert call(["simulate", *PLAIN, "--seed", "1", "--out", out], capsys)[0] == 0
    seed1 = tree(out)
    p = procs("kill-before-manifest", ["simulate", *PLAIN, "--seed", "2", "--out", out])
    assert p.wait(TIMEOUT) == -signal.SIGKILL
    assert tree(out) == seed1  # the events of seed 2 never sit beside the manifest of seed 1
    stale = [n for n in os.listdir(tmp_path) if n.startswith(".run.tmp-")]
    assert stale and {"events.parquet", "persons.parquet"} <= set(os.listdir(tmp_path / stale[0]))
    assert call(["simulate", *PLAIN, "--seed", "2", "--out", out], capsys)[0] == 0
    assert call(["simulate", *PLAIN, "--seed", "2", "--out", alone], capsys)[0] == 0
    assert tree(out) == tree(alone) != seed1
    _no_temporaries(tmp_path)


def test_a_kill_inside_a_unit_leaves_only_complete_units(procs, clean, tmp_path, capsys):
    out = tmp_path / "run"
    p = procs("kill-in-second-unit", ["simulate", *CHUNKED, "--workers", "1", "--out", out])
    assert p.wait(TIMEOUT) == -signal.SIGKILL
    units = sorted(Path(d).name for d in glob.glob(str(out / "units" / "*" / "*" / "*" / "*")))
    assert units == ["chunk=0"]  # the second unit's folder is not there, half-written
    assert glob.glob(str(out / "units" / "**" / ".chunk=1.tmp-*"), recursive=True)
    code, err = call(["simulate", *CHUNKED, "--workers", "1", "--out", out], capsys)
    assert code == 0, err
    assert _collected(out) == clean
    _no_temporaries(tmp_path)


def test_a_worker_that_keeps_dying_ends_the_run_with_what_to_rerun():
    from cvirisk.sim.scale.pool import ATTEMPTS, RunIncomplete, run_local

    with pytest.raises(RunIncomplete, match=rf"died {ATTEMPTS} times while running task 7; .*rerun the same command"):
        list(run_local(os._exit, [7], lambda t: (1,), workers=1, name=lambda t: f"task {t}"))


def test_an_incomplete_run_is_one_line_and_exit_1(monkeypatch, tmp_path, capsys):
    import cvirisk.cli.simulate as cli_simulate
    from cvirisk.sim.scale.pool import RunIncomplete

    def fail(*args, **kwargs):
        raise RunIncomplete("a local worker process died 3 times while running unit x; rerun the same command")

    monkeypatch.setattr(cli_simulate, "run_from_args", fail)
    code, err = call(["simulate", "--n", "10", "--workers", "1", "--out", tmp_path / "o"], capsys)
    assert code == 1 and err.count("\n") == 1 and "rerun the same command" in err
