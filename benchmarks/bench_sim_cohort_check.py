"""What checking a simulation cohort file costs, against reading it (same run, medians of 3).

    python benchmarks/bench_sim_cohort_check.py            # 1,000,000 persons
    python benchmarks/bench_sim_cohort_check.py 200000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def median_seconds(f, k: int = 3) -> float:
    times = []
    for _ in range(k):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[k // 2]


def main() -> None:
    from cvirisk.cohort import generate_cohort
    from cvirisk.io.cohort_file import read_table
    from cvirisk.io.sim_cohort import check_parquet_cohort, read_sim_cohort
    from cvirisk.params import load_params

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    params = load_params()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cohort.parquet"
        generate_cohort(n, seed=1, params=params).to_parquet(path, index=False)
        read = median_seconds(lambda: read_table(path))
        whole = median_seconds(lambda: read_sim_cohort(path, params))
        blocks = median_seconds(lambda: check_parquet_cohort(path, params))
    print(f"{n:,} persons: read {read:.2f} s; read and check {whole:.2f} s (ratio {whole / read:.1f}); "
          f"check block by block {blocks:.2f} s (ratio {blocks / read:.1f})")


if __name__ == "__main__":
    main()
