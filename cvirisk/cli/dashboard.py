"""``cvirisk dashboard``: serve the Streamlit dashboard.

Usage::

    cvirisk dashboard                      # http://127.0.0.1:8501
    cvirisk dashboard --port 8600 --address 0.0.0.0

The app is ``dashboard/app.py`` of the repository the package was installed from
(``pip install -e .``); it is found next to the installed ``cvirisk`` package, so the command
works from any working directory. ``--print-command`` shows the Streamlit command instead of
running it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from cvirisk.cli._common import whole_number
from cvirisk.exceptions import InputError

#: Environment variable naming another app script (for development of the dashboard itself).
APP_ENV = "CVIRISK_DASHBOARD_APP"


def dashboard_app_path() -> Path:
    """The absolute path of ``dashboard/app.py``.

    Looked up, in order: ``$CVIRISK_DASHBOARD_APP``; ``dashboard/app.py`` beside the folder
    holding the installed ``cvirisk`` package (an editable install or a clone on ``sys.path``).
    """
    override = os.environ.get(APP_ENV)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"{APP_ENV}={override}: no such file")
        return path
    import cvirisk

    root = Path(cvirisk.__file__).resolve().parent.parent
    path = root / "dashboard" / "app.py"
    if not path.is_file():
        raise InputError(
            f"dashboard app not found at {path}; install cvirisk from a clone of the repository "
            "with `python -m pip install -e .` (the dashboard is not part of a wheel)"
        )
    return path


def _port(text: str) -> int:
    value = whole_number(text, "a port number")
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dashboard",
        help="serve the Streamlit dashboard (scenarios, progression, fit your data, teaching)",
        description="Serve the cvirisk Streamlit dashboard on ADDRESS:PORT (default 127.0.0.1:8501).",
    )
    p.add_argument("--port", type=_port, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 to serve the network)")
    p.add_argument("--print-command", action="store_true",
                   help="print the streamlit command line and exit instead of starting the server")
    p.set_defaults(run=run)
    return p


def streamlit_command(app: Path, port: int, address: str) -> list[str]:
    """The command that serves ``app`` headless on ``address:port``."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def check_listen(address: str, port: int) -> None:
    """Refuse, before starting Streamlit, an address this machine cannot listen on or a port in use."""
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--address {address}: not an address of this machine ({exc.strerror})") from None
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind(sockaddr)
        except OSError as exc:
            raise InputError(f"--port {port}: cannot listen on {address}:{port} ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    if not args.address.strip():
        raise InputError("--address must not be empty")
    cmd = streamlit_command(dashboard_app_path(), args.port, args.address)
    if args.print_command:
        print(shlex.join(cmd))
        return 0
    check_listen(args.address, args.port)
    sys.stderr.write(f"cvirisk dashboard: serving on http://{args.address}:{args.port} (Ctrl+C to stop)\n")
    sys.stderr.flush()
    if os.name == "posix":
        # become the server: signals (Ctrl+C, a supervisor's SIGTERM) reach Streamlit itself, no orphan is left
        os.execv(cmd[0], cmd)
    try:  # pragma: no cover - Windows has no exec that keeps the console
        return subprocess.call(cmd)
    except KeyboardInterrupt:  # pragma: no cover
        return 0
