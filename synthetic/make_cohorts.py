"""Regenerate the shipped example cohorts listed in ``synthetic/cohorts.yaml``.

Usage (from anywhere)::

    python synthetic/make_cohorts.py            # write every listed cohort
    python synthetic/make_cohorts.py --check    # exit 1 if a shipped file differs

Each entry gives the output file, ``n``, ``seed``, ``replication``, an optional parameter
overlay and a :class:`cvirisk.cohort.CohortSpec`; files are written atomically as Parquet
(zstd) or CSV, so the same entry always gives the same bytes.

Examples
--------
>>> entries = load_config(CONFIG)
>>> entries[0]["name"], entries[0]["n"], entries[0]["seed"]
('example_cohort', 5000, 2026)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from cvirisk.cohort import CohortSpec, generate_cohort, validate_cohort
from cvirisk.io.atomic import write_table_atomic
from cvirisk.params import load_params

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = HERE / "cohorts.yaml"
_KEYS = {"name", "description", "out", "n", "seed", "replication", "params", "spec"}


def load_config(path: Path) -> list[dict[str, Any]]:
    """The list of cohort entries, each checked for unknown or missing keys."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = data.get("cohorts") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SystemExit(f"{path}: expected a non-empty list under 'cohorts'")
    for i, entry in enumerate(entries):
        unknown = set(entry) - _KEYS
        missing = {"name", "out", "n", "seed"} - set(entry)
        if unknown or missing:
            raise SystemExit(f"{path}: cohort {i}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    return entries


def build(entry: dict[str, Any]):
    """The cohort DataFrame of one entry."""
    overlay = entry.get("params")
    params = load_params(HERE / overlay if overlay else None)
    spec_fields = dict(entry.get("spec") or {})
    for key in ("smoking", "oversample_age"):
        if key in spec_fields and spec_fields[key] is not None:
            spec_fields[key] = tuple(spec_fields[key])
    df = generate_cohort(int(entry["n"]), seed=int(entry["seed"]), params=params,
                         spec=CohortSpec(**spec_fields), replication=int(entry.get("replication", 0)))
    return validate_cohort(df, entry["name"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=CONFIG, help="cohort list (default synthetic/cohorts.yaml)")
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for entry in load_config(args.config):
        target = ROOT / entry["out"]
        df = build(entry)
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = write_table_atomic(df, Path(tmp) / target.name).read_bytes()
            same = target.is_file() and target.read_bytes() == fresh
            print(f"{entry['name']}: {'up to date' if same else 'DIFFERS'} ({target.relative_to(ROOT)})")
            stale += [] if same else [entry["name"]]
        else:
            write_table_atomic(df, target)
            print(f"{entry['name']}: {len(df):,} persons written to {target.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
