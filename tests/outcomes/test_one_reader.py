"""Only :mod:`cvirisk.outcomes` reads the event log's ``detail`` text (issue 14).

Reading means indexing a table by the column name ``"detail"`` (``ev["detail"]``,
``ev[[..., "detail"]]``, ``ev.loc[:, "detail"]``, ``ev.get("detail")``, ``getattr(row, "detail")``)
or taking ``.detail`` of a row. Writing a log (a dict key or keyword ``detail=``) is not reading.
Within the package, :mod:`cvirisk.outcomes.log` is the reader (see ``EXEMPT``); the engines that
write the log (``cvirisk/sim/compiled``, ``cvirisk/sim/reference.py``, ``cvirisk/model``) are exempt;
tests build logs.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Not scanned: the tests (they build logs), and what is not the project's source.
SKIPPED = ("tests", "test-artifacts", "build", "dist", "__pycache__")
#: The one reader (cvirisk.outcomes.log; details.py reads the older log's text for the teaching
#: displays, replay.py checks each row against the declared model, economics.py may read the log
#: for QALYs and costs), and the two engines that write the log (and its persons table).
EXEMPT = (
    "cvirisk/outcomes/log.py",
    "cvirisk/outcomes/details.py",
    "cvirisk/outcomes/replay.py",
    "cvirisk/outcomes/economics.py",
    "cvirisk/sim/compiled/",
    "cvirisk/sim/reference.py",
    "cvirisk/model/",
)


def _names_detail(node: ast.AST) -> bool:
    """``node`` (a subscript's key) is ``"detail"``, or a list/tuple of keys that holds it."""
    if isinstance(node, ast.Constant):
        return node.value == "detail"
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_names_detail(e) for e in node.elts)
    return False


def readers_of_detail(source: str, where: str) -> list[str]:
    """``file:line`` of every place in ``source`` that reads ``detail``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        hit = False
        if isinstance(node, ast.Subscript):
            hit = _names_detail(node.slice)
        elif isinstance(node, ast.Attribute):
            hit = node.attr == "detail"
        elif isinstance(node, ast.Call):
            f = node.func
            getter = (isinstance(f, ast.Attribute) and f.attr == "get") or (
                isinstance(f, ast.Name) and f.id == "getattr"
            )
            hit = getter and any(
                isinstance(a, ast.Constant) and a.value == "detail" for a in node.args
            )
        if hit:
            found.append(f"{where}:{node.lineno}")
    return found


def _sources():
    """Every Python file and notebook of the project outside the tests and the exempt modules."""
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT).as_posix()
        parts = rel.split("/")
        if parts[0] in SKIPPED or any(
            p.startswith(".") or p.endswith(".egg-info") or p in SKIPPED for p in parts
        ):
            continue
        if rel.startswith(EXEMPT):
            continue
        if path.suffix == ".py":
            yield rel, path.read_text()
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            code = [c for c in cells if c["cell_type"] == "code"]
            # magics and shell lines are not Python: blank them, keep line numbers
            text = "\n".join("".join(c["source"]) for c in code)
            yield (
                rel,
                "\n".join(
                    "" if ln.lstrip().startswith(("%", "!")) else ln for ln in text.splitlines()
                ),
            )


def test_the_scan_covers_the_project():
    seen = {rel.split("/")[0] for rel, _ in _sources()}
    assert {"cvirisk", "dashboard", "benchmarks", "notebooks"} <= seen, seen


def test_only_outcomes_reads_detail():
    offenders = [hit for rel, src in _sources() for hit in readers_of_detail(src, rel)]
    assert offenders == [], (
        "read the log through cvirisk.outcomes, not its detail text: " + ", ".join(offenders)
    )


def test_the_check_sees_every_way_of_reading():
    reads = [
        'ev["detail"] == "done"',
        'ev[["t", "detail"]]',
        'ev.loc[ev.t > 0, "detail"]',
        'ev.loc[ev["event"] == "x", ["t", "detail"]]',
        'ev.loc[ev["detail"] == "x", "t"]',
        "row.detail",
        'ev.get("detail")',
        'getattr(row, "detail")',
    ]
    for code in reads:
        assert readers_of_detail(code, "x") == ["x:1"], code
    writes = [
        'pd.DataFrame({"detail": ["C2"]})',
        'ev.assign(detail="C2")',
        'ev["leg"] == ""',
        "row.details",
    ]
    for code in writes:
        assert readers_of_detail(code, "x") == [], code
