"""Atomic file output: write to a temporary file beside the target, then rename.

A crash or an error half-way never leaves a truncated file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "x.txt").read_text()
    'hello'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates 0600; give the file the permissions a plain open() would have
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_table_atomic(df: pd.DataFrame, target: str | os.PathLike[str]) -> Path:
    """Write ``df`` as Parquet (``.parquet``) or CSV (``.csv``) atomically.

    Parquet is written without pandas metadata timestamps so that the same frame
    gives the same bytes.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    with atomic_path(target) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
        elif suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            from cvirisk.exceptions import InputError

            raise InputError(f"{target}: unknown output format {suffix!r}; use .parquet or .csv")
    return target


def write_json_atomic(obj: Any, target: str | os.PathLike[str]) -> Path:
    """Write ``obj`` as indented, key-sorted JSON atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
    return target
