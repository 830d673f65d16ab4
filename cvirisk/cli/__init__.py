"""The ``cvirisk`` command line: a thin layer over the public API.

Each command lives in its own module of this package and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. Bad input (any
:class:`~cvirisk.exceptions.InputError`, or a bad argument) ends with exit status 2
and exactly one line on standard error, with no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cvirisk.exceptions import InputError, one_line

#: Command modules, in the order ``cvirisk --help`` lists them.
COMMANDS = ("cohort", "simulate", "fit", "scenario", "calibrate", "dashboard")


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {one_line(message)}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    from cvirisk import __version__

    parser = _OneLineParser(
        prog="cvirisk",
        description="Chronic venous insufficiency: cohorts, simulation, survival models, scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"cvirisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"cvirisk.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cvirisk`` script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except InputError as exc:
        sys.stderr.write(f"cvirisk {args.command}: error: {one_line(str(exc))}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("cvirisk: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
