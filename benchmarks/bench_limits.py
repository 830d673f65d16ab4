"""Peak memory per person of ``cvirisk cohort`` and ``cvirisk simulate``: the basis of cvirisk.io.limits.

Each command runs in a fresh process at two cohort sizes; the slope of peak resident memory
(``ru_maxrss``) against the number of persons is the memory a person costs. The script prints
the slopes and their ratio to the allowances in :mod:`cvirisk.io.limits` (a ratio below 1
means the size check is on the safe side).

    python benchmarks/bench_limits.py            # sizes 5,000 and 40,000
    python benchmarks/bench_limits.py 20000 200000
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = """
import resource, sys
from cvirisk.cli import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
raise SystemExit(code)
"""


def peak_bytes(argv: list[str]) -> int:
    run = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True)
    return int(run.stdout.strip().splitlines()[-1])


def slope(make_argv, sizes: tuple[int, int]) -> float:
    with tempfile.TemporaryDirectory() as d:
        lo, hi = (peak_bytes(make_argv(n, Path(d) / f"o{n}")) for n in sizes)
    return (hi - lo) / (sizes[1] - sizes[0])


def main() -> None:
    from cvirisk.io.limits import PER_PERSON_COHORT, PER_PERSON_SIMULATE

    sizes = tuple(int(x) for x in sys.argv[1:3]) if len(sys.argv) > 2 else (5_000, 40_000)
    cohort = slope(lambda n, out: ["cohort", "--n", str(n), "--out", f"{out}.parquet", "--quiet"], sizes)
    sim = slope(lambda n, out: ["simulate", "--n", str(n), "--years", "20", "--engine", "fast",
                                "--surgery-approximation", "unlimited", "--out", str(out), "--quiet"], sizes)  # fmt: skip
    print(f"sizes {sizes[0]:,} and {sizes[1]:,} persons")
    print(f"cohort:   {cohort:8.0f} bytes a person; allowance {PER_PERSON_COHORT:,}; ratio {cohort / PER_PERSON_COHORT:.2f}")
    print(f"simulate: {sim:8.0f} bytes a person; allowance {PER_PERSON_COHORT + PER_PERSON_SIMULATE:,}; "
          f"ratio {sim / (PER_PERSON_COHORT + PER_PERSON_SIMULATE):.2f}")


if __name__ == "__main__":
    main()
