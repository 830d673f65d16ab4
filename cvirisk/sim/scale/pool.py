"""Local worker processes that never outlive their parent, and a crashed worker retried.

:func:`run_local` runs tasks in ``spawn``-started processes (a
:class:`concurrent.futures.ProcessPoolExecutor`) with three guarantees the plain pool lacks:

* **no orphans** -- each worker asks the Linux kernel to kill it when its parent dies
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and exits at once if the parent is already gone; so a
  SIGKILL of the ``cvirisk`` process takes its workers with it;
* **clean stop** -- when the caller stops early (Ctrl+C, SIGTERM, an error), the workers are
  killed rather than waited for; whatever they were writing is abandoned (unit files are
  written as a set, so only complete units stay). Workers ignore SIGINT: a Ctrl+C in a
  terminal reaches the whole process group, and only the parent should act on it;
* **retry** -- a worker that dies (killed, out of memory) breaks the pool: its tasks, and those
  of the other workers at that moment, are run again in a fresh pool, as Dask reruns the
  tasks of a lost worker. A task caught in :data:`ATTEMPTS` breakages ends the run with
  :class:`RunIncomplete`, whose one-line message says what to rerun.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from cvirisk.exceptions import CviriskError

__all__ = ["RunIncomplete", "run_local", "ATTEMPTS"]

#: Pool breakages a task may be caught in before the run gives up (Dask's allowed-failures is 3).
ATTEMPTS = 3


class RunIncomplete(CviriskError):
    """A run stopped before all of its tasks were done; the message says how to finish it."""


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _new_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),))


def _kill(pool) -> None:
    """Stop a pool now: cancel what has not started, kill the workers, reap them."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.kill()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(10)


def run_local(
    fn: Callable[..., Any],
    tasks: Sequence[Hashable],
    args_for: Callable[[Any], tuple],
    workers: int,
    name: Callable[[Any], str] = str,
    attempts: int = ATTEMPTS,
) -> Iterator[Any]:
    """Yield ``fn(*args_for(task))`` for every task, in completion order, on ``workers`` processes.

    At most two tasks per worker are in flight, so the arguments shipped stay bounded.
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = deque(tasks)
    tries: Counter = Counter()
    while todo:
        pool = _new_pool(workers)
        running: dict = {}
        clean = broken = False
        try:
            _fill(pool, running, todo, fn, args_for, 2 * workers)
            while running and not broken:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        break
                    running.pop(fut)
                    yield result
                    _fill(pool, running, todo, fn, args_for, 2 * workers)
            clean = not broken
        finally:
            if clean:
                pool.shutdown(wait=True)
            else:
                _kill(pool)
        if broken:
            lost = list(running.values())
            for t in lost:
                tries[t] += 1
                if tries[t] >= attempts:
                    raise RunIncomplete(
                        f"a local worker process died {tries[t]} times while running {name(t)}; "
                        f"{len(lost) + len(todo)} unit(s) not done; rerun the same command to finish them "
                        "(complete units are kept)"
                    )
            todo.extendleft(reversed(lost))


def _fill(pool, running: dict, todo: deque, fn, args_for, limit: int) -> None:
    while todo and len(running) < limit:
        t = todo.popleft()
        running[pool.submit(fn, *args_for(t))] = t


#: Seconds to wait for a scheduler: the TCP connection, then its first handshake bytes.
TIMEOUT = 5.0


def check_scheduler(address: str, what: str = "--scheduler", timeout: float | None = None) -> None:
    """Refuse, within ``timeout`` seconds (default :data:`TIMEOUT`), an address no Dask scheduler answers at.

    Opens one TCP connection and, for ``tcp://``, waits for the first bytes of the
    scheduler's handshake (a Dask server speaks first; a silent port would otherwise hang a
    Dask client well past its own timeout), then closes it: no Dask client, nothing written.
    Addresses of other transports (``ucx://``, ``inproc://``) are left to Dask.
    """
    import socket
    from urllib.parse import urlsplit

    from cvirisk.exceptions import InputError

    timeout = TIMEOUT if timeout is None else timeout
    text = str(address).strip()
    if not text:
        raise InputError(f"{what}: empty address")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme in ("ucx", "inproc"):
        return
    if scheme not in ("tcp", "tls", "ws", "wss"):
        raise InputError(f"{what} {text}: unknown protocol {scheme!r}; use tcp://HOST:PORT")
    try:
        parts = urlsplit(f"//{rest}")
        host, port, path = parts.hostname, parts.port, parts.path
    except ValueError:
        host = port = path = None
    if not host or port is None or path not in ("", "/"):
        raise InputError(f"{what} {text}: not an address of the form tcp://HOST:PORT")
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            if scheme == "tcp":
                first = conn.recv(1)
                if not first:
                    raise InputError(f"{what} {text}: the server at {host}:{port} closed the connection; "
                                     "not a Dask scheduler")  # fmt: skip
    except TimeoutError:
        raise InputError(f"{what} {text}: no Dask scheduler answered at {host}:{port} within {timeout:g} s") from None
    except OSError as exc:
        raise InputError(
            f"{what} {text}: no Dask scheduler reachable at {host}:{port} within {timeout:g} s "
            f"({exc.strerror or type(exc).__name__})"
        ) from None


def connect_scheduler(address: str, what: str = "--scheduler"):
    """A :class:`distributed.Client` of the scheduler at ``address``, before any work.

    :func:`check_scheduler` first; a failure of the Dask connection after it is an input
    error too, and nothing is started.
    """
    check_scheduler(address, what)
    from distributed import Client

    from cvirisk.exceptions import InputError

    try:
        return Client(address, timeout=f"{max(TIMEOUT, 10.0):g}s")
    except (OSError, TimeoutError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputError(f"{what} {address}: the Dask connection failed ({reason})") from None


def call_indexed(fn: Callable[[Any], Any], index: int, item: Any) -> tuple[int, Any]:
    """``(index, fn(item))``: lets :func:`run_local` run unhashable items by their position."""
    return index, fn(item)
