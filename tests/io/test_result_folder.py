"""Result folders as a set: checked before work, locked, swapped in whole, temporaries cleared."""

from __future__ import annotations

import os

import pytest

from cvirisk.exceptions import InputError
from cvirisk.io.result_folder import (
    FolderLock,
    ResultFolder,
    abort_open,
    check_output_file,
    check_output_folder,
)


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_new_set_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "out"
    with ResultFolder(out, signature=("manifest.json",)) as tmp:
        (tmp / "manifest.json").write_text("1")
        (tmp / "figure_a.html").write_text("old model")
    with ResultFolder(out, signature=("manifest.json",)) as tmp:
        (tmp / "manifest.json").write_text("2")
    assert _names(out) == ["manifest.json"]  # the old model's figure is gone
    assert (out / "manifest.json").read_text() == "2"
    assert _names(tmp_path) == ["out"]  # no temporary, no lock file


def test_an_error_leaves_the_old_set_and_nothing_else(tmp_path):
    out = tmp_path / "a" / "out"
    with pytest.raises(RuntimeError), ResultFolder(out) as tmp:
        (tmp / "x").write_text("half")
        raise RuntimeError
    assert not (tmp_path / "a").exists()  # the folders made on the way are removed too
    with ResultFolder(out) as tmp:
        (tmp / "x").write_text("whole")
    with pytest.raises(RuntimeError), ResultFolder(out) as tmp:
        raise RuntimeError
    assert (out / "x").read_text() == "whole" and _names(out.parent) == ["out"]


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    out = tmp_path / "out"
    (tmp_path / ".out.tmp-abc").mkdir()
    (tmp_path / ".out.tmp-abc" / "events.parquet").write_bytes(b"partial")
    (tmp_path / ".out.old-123").mkdir()
    (tmp_path / ".other.tmp-abc").mkdir()  # another folder's: left alone
    with ResultFolder(out) as tmp:
        (tmp / "x").write_text("1")
    assert _names(tmp_path) == [".other.tmp-abc", "out"]


def test_keep_carries_entries_the_run_did_not_write(tmp_path):
    out = tmp_path / "out"
    (out / "search").mkdir(parents=True)
    (out / "search" / "calibrated.yaml").write_text("x: 1\n")
    (out / "report.md").write_text("old")
    with ResultFolder(out, signature=("report.md",), keep=("search",)) as tmp:
        (tmp / "report.md").write_text("new")
    assert _names(out) == ["report.md", "search"] and (out / "search" / "calibrated.yaml").is_file()


def test_the_lock_refuses_a_second_holder_and_is_reentrant_in_one_process(tmp_path):
    out = tmp_path / "out"
    held = FolderLock(out).acquire()
    try:
        with FolderLock(out):  # the same process: reentrant (run then collect in one command)
            pass
        assert (tmp_path / ".out.lock").read_text().strip() == str(os.getpid())
        import subprocess
        import sys

        code = f"from cvirisk.io.result_folder import FolderLock; FolderLock({str(out)!r}).acquire()"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert run.returncode != 0 and f"another cvirisk run (pid {os.getpid()})" in run.stderr
    finally:
        held.release()
    assert not (tmp_path / ".out.lock").exists()


def test_checks_before_any_work(tmp_path):
    (tmp_path / "f").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="exists and is not a folder"):
        check_output_folder(tmp_path / "f")
    with pytest.raises(InputError, match="is a file, so the folder cannot be created"):
        check_output_folder(tmp_path / "f" / "a" / "b")
    with pytest.raises(InputError, match="holds other files"):
        check_output_folder(tmp_path / "mine", signature=("manifest.json",))
    with pytest.raises(InputError, match="is a folder, not a file"):
        check_output_file(tmp_path / "mine")
    with pytest.raises(InputError, match="is a file"):
        check_output_file(tmp_path / "f" / "c.parquet")
    assert check_output_folder(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert _names(tmp_path) == ["f", "mine"]


def test_abort_open_cleans_an_uncommitted_folder(tmp_path):
    rf = ResultFolder(tmp_path / "out")
    tmp = rf.open()
    (tmp / "x").write_text("half")
    abort_open()
    assert _names(tmp_path) == []


def test_a_symlinked_folder_is_replaced_through_the_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "manifest.json").write_text("1")
    (tmp_path / "link").symlink_to(real)
    with ResultFolder(tmp_path / "link", signature=("manifest.json",)) as tmp:
        (tmp / "manifest.json").write_text("2")
    assert (tmp_path / "link").is_symlink() and (real / "manifest.json").read_text() == "2"
    assert _names(tmp_path) == ["link", "real"]
