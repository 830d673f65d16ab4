"""The compiled engine's cache works from an install whose kernel folder cannot be written.

A copy of the package whose ``cvirisk/sim/compiled/__pycache__`` is a file (so nothing can be
written there, whoever runs the test; permission bits alone do not stop root) stands for a
read-only install. A fresh process compiles the engine into ``$XDG_CACHE_HOME/cvirisk/numba``
and the next fresh process loads it from there instead of compiling (numba's own counters).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cvirisk

SCRIPT = "import json; from cvirisk.sim.compiled import prepare_engine; print(json.dumps(prepare_engine()))"


def _fresh_process(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(
        PYTHONPATH=str(root / "install"),
        XDG_CACHE_HOME=str(root / "cache"),
        HOME=str(root / "home"),
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_read_only_install_caches_in_the_user_cache(tmp_path):
    package = Path(cvirisk.__file__).parent
    shutil.copytree(
        package, tmp_path / "install" / "cvirisk", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "install" / "cvirisk" / "sim" / "compiled" / "__pycache__").write_text(
        "not a folder"
    )
    first = _fresh_process(tmp_path)
    target = tmp_path / "cache" / "cvirisk" / "numba"
    assert first["cache_dir"] == str(target) and first["compiled"]
    assert list(target.rglob("*.nbi")) and list(target.rglob("*.nbc"))
    second = _fresh_process(tmp_path)
    assert second["cache_dir"] == str(target) and not second["compiled"]
