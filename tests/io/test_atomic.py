"""Atomic writes leave either the old file or the complete new one, never a partial file."""

from __future__ import annotations

import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic


def test_failure_inside_the_block_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_parquet_is_byte_identical_for_the_same_frame(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    write_table_atomic(df, tmp_path / "one.parquet")
    write_table_atomic(df, tmp_path / "two.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), df)


def test_csv_and_json(tmp_path):
    df = pd.DataFrame({"a": [1.5]})
    write_table_atomic(df, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines() == ["a", "1.5"]
    write_json_atomic({"b": 1, "a": 2}, tmp_path / "m.json")
    assert (tmp_path / "m.json").read_text().startswith('{\n  "a": 2')


def test_unknown_extension_is_an_input_error_and_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="unknown output format"):
        write_table_atomic(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        write_json_atomic({"a": 1}, tmp_path / "m.json")
    finally:
        os.umask(umask)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644
