"""Shared by the robustness tests: run the CLI in this process, list what a folder holds."""

from __future__ import annotations

import os
from pathlib import Path

from cvirisk.cli import main


def call(argv: list[str], capsys) -> tuple[int, str]:
    """Run ``cvirisk ARGV`` in this process; return (exit status, standard error)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse errors
        code = exc.code
    return code, capsys.readouterr().err


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (hidden ones too) with its bytes (None for a folder)."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = None
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = Path(p).read_bytes()
    return out
