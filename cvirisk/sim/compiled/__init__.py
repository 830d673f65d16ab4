"""The compiled engine (numba): where its machine code is cached, and its start in a process.

numba compiles :mod:`cvirisk.sim.compiled.kernel` once (about ten seconds) and keeps the
machine code on disk; later processes load it in about a second. The cache goes where numba
puts it (``__pycache__`` beside the kernel) when that folder is writable. From a read-only
install (a system site-packages, a container image, a Dask worker's environment) it goes to
the first writable of ``$NUMBA_CACHE_DIR`` (numba's own setting, always honoured),
``$XDG_CACHE_HOME/cvirisk/numba`` (``~/.cache/cvirisk/numba``) and a per-user folder in the
temporary directory, so every process after the first starts from the cache.

This package sets that folder when it is imported, before the kernel's functions are
declared (numba chooses a function's cache folder then).
"""

from __future__ import annotations

import getpass
import os
import tempfile
import time
from pathlib import Path

__all__ = ["cache_dir", "engine_ready", "prepare_engine"]

_KERNEL_DIR = Path(__file__).resolve().parent


def _writable(folder: Path) -> bool:
    """True when files can be created in ``folder`` (made if missing); checked by trying."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cvirisk-write-test-"):
            return True
    except OSError:
        return False


def _choose_cache_dir() -> str | None:
    """The folder for numba's cache, or None to leave numba's choice (beside the kernel)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None  # numba has read it already
    if _writable(_KERNEL_DIR / "__pycache__"):
        return None
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    uid = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    for candidate in (
        Path(home, "cvirisk", "numba"),
        Path(tempfile.gettempdir(), f"cvirisk-numba-{uid}"),
    ):
        if _writable(candidate):
            return str(candidate)
    return None  # nowhere to write: numba compiles in every process (it warns)


def _configure() -> None:
    from numba.core import config

    chosen = _choose_cache_dir()
    if chosen is not None:
        config.CACHE_DIR = chosen


_configure()


def cache_dir() -> str:
    """Where the compiled engine's machine code is cached in this process."""
    from numba.core import config

    return config.CACHE_DIR or str(_KERNEL_DIR / "__pycache__")


def engine_ready() -> bool:
    """True once this process has the compiled engine (compiled or loaded from the cache)."""
    from cvirisk.sim.compiled import kernel

    return bool(kernel.live.signatures)


def prepare_engine() -> dict:
    """Compile the engine, or load it from the cache, by living one person for a year.

    Returns ``{"seconds", "compiled", "cache_dir"}``: the wall time it took and whether
    numba compiled (True) or loaded the cached machine code (False).
    """
    from cvirisk.params import load_params
    from cvirisk.sim.compiled import kernel
    from cvirisk.sim.compiled.run import run_compiled
    from cvirisk.sim.testing import uniform_cohort

    start = time.perf_counter()
    run_compiled(uniform_cohort(1, age=40.0), load_params(), seed=1, years=1.0)
    seconds = time.perf_counter() - start
    compiled = bool(sum(kernel.live.stats.cache_misses.values()))
    return {"seconds": seconds, "compiled": compiled, "cache_dir": cache_dir()}
