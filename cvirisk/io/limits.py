"""Will a run fit on this machine? Rough size estimates, checked before any work.

The per-person figures come from the peak resident memory of ``cvirisk cohort`` and
``cvirisk simulate`` at two cohort sizes, taking the slope (``benchmarks/bench_limits.py``
measures them again). They are deliberately generous: the point is to refuse a run that
cannot possibly fit (``--n 1e12``) with a clear estimate, not to squeeze the last gigabyte.

Examples
--------
>>> human_bytes(3 * 2**30)
'3.0 GiB'
>>> check_memory(1_000, PER_PERSON_SIMULATE, "--n 1000", "persons")
"""

from __future__ import annotations

import os

from cvirisk.exceptions import InputError

__all__ = [
    "PER_PERSON_COHORT", "PER_PERSON_SIMULATE", "PER_PERSON_FILE_ROW", "MAX_UNITS",
    "available_memory", "human_bytes", "check_memory", "check_units",
]  # fmt: skip

#: Peak bytes per person of generating a cohort (measured 210 from 100,000 to 1,000,000
#: persons, 600 from 5,000 to 40,000).
PER_PERSON_COHORT = 1_000
#: Peak bytes per person of simulating 20 years in one piece (measured 4,300-5,000).
PER_PERSON_SIMULATE = 8_000
#: Bytes of memory per byte of a cohort file read whole (pandas objects for text columns).
PER_PERSON_FILE_ROW = 10
#: Most units of work (seed x replication x draw x chunk) a run may have.
MAX_UNITS = 1_000_000


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable on Linux, else physical)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 62


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def check_memory(count: int, per_item: int, what: str, items: str, hint: str = "") -> None:
    """Refuse when ``count * per_item`` bytes exceed the memory available now."""
    need = int(count) * int(per_item)
    have = available_memory()
    if need > have:
        raise InputError(
            f"{what}: {count:,} {items} need about {human_bytes(need)} of memory; "
            f"this machine has {human_bytes(have)} available{hint}"
        )


def check_units(count: int, what: str) -> None:
    """Refuse a run of more than :data:`MAX_UNITS` units of work."""
    if count > MAX_UNITS:
        raise InputError(
            f"{what}: the run would have {count:,} units of work (seeds x replications x draws x chunks); "
            f"at most {MAX_UNITS:,} are supported: use fewer replications or larger chunks"
        )
