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


_RERUN = "no partial result was kept (a chunked run keeps its complete units); rerun the same command"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every cleanup runs as for Ctrl+C."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cvirisk`` script; returns the exit status.

    SIGINT (Ctrl+C) and SIGTERM stop the work: local worker processes are stopped, only
    complete units of work stay, an unfinished result folder is removed; the exit status
    is 130 (SIGINT) or 143 (SIGTERM) with one line on standard error.
    """
    import signal
    import threading

    from cvirisk.io.result_folder import abort_open
    from cvirisk.sim.scale.pool import RunIncomplete

    parser = build_parser()
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        return int(args.run(args) or 0)
    except InputError as exc:
        sys.stderr.write(f"cvirisk {args.command}: error: {one_line(str(exc))}\n")
        return 2
    except RunIncomplete as exc:
        sys.stderr.write(f"cvirisk {args.command}: {one_line(str(exc))}\n")
        return 1
    except Terminated:
        sys.stderr.write(f"cvirisk {args.command}: terminated; {_RERUN}\n")
        return 143
    except KeyboardInterrupt:
        sys.stderr.write(f"cvirisk {args.command}: interrupted; {_RERUN}\n")
        return 130
    finally:
        abort_open()
        if main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
