"""Generated documents (``docs/model.md``, ``docs/outcomes.md``): write them, or check they are current.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "doc.md"
>>> document_command(["--out", str(out)], prog="demo", description="A demo.", default=out, render=lambda: "hi\\n")
0
>>> document_command(["--check", "--out", str(out)], prog="demo", description="A demo.", default=out,
...                  render=lambda: "changed\\n")
1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from cvirisk.io.atomic import atomic_path

__all__ = ["document_command"]


def document_command(
    argv: list[str] | None, *, prog: str, description: str, default: Path, render: Callable[[], str]
) -> int:
    """``prog [--out PATH] [--check]``: write ``render()`` to PATH, or exit 1 when PATH differs from it."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--out", type=Path, default=default, help=f"where to write (default {default})")
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the file differs from what would be written",
    )
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out}: stale; run {prog}", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out) as tmp:
        tmp.write_text(text, "utf-8")
    return 0
