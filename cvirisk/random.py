"""Named random streams: every draw is a pure function of (seed, replication, stream, person, occurrence).

Two kinds of stream come from one :class:`numpy.random.SeedSequence` per run:

* :func:`generator` gives a :class:`numpy.random.Generator` for a named stream
  (optionally one per person), for code that draws many values in sequence, such as
  the cohort generator.
* :func:`uniforms` gives, for many persons at once, the uniform of the ``k``-th
  occurrence of a named decision. It is counter based (a SplitMix64 hash of the
  stream key, the person id and the occurrence number), so the value a person gets
  never depends on which other persons are simulated, on event order, on the engine,
  on chunking, or on the scenario. That is what makes scenarios share random numbers
  with their baseline (common random numbers).

Stream names are hashed with :mod:`hashlib` (never the salted built-in ``hash``).
No function here touches numpy's global random state.

Examples
--------
>>> u = uniforms(1, 0, "transition.C4->C6", [0, 1, 2])
>>> bool(((u > 0) & (u < 1)).all())
True
>>> bool((uniforms(1, 0, "transition.C4->C6", [2])[0] == u[2]))
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["stream_key", "generator", "uniforms", "exponentials", "name_words"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 2.0**-53


def name_words(name: str) -> tuple[int, int]:
    """Two 32-bit words from the BLAKE2b digest of a stream name (stable across runs)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def _seed_sequence(seed: int, replication: int, name: str, *extra: int) -> np.random.SeedSequence:
    if int(seed) < 0 or int(replication) < 0:
        raise ValueError("seed and replication must be non-negative integers")
    return np.random.SeedSequence(int(seed), spawn_key=(int(replication), *name_words(name), *extra))


def stream_key(seed: int, replication: int, name: str) -> np.uint64:
    """The 64-bit key of a named stream in one replication of a run."""
    return _seed_sequence(seed, replication, name).generate_state(1, dtype=np.uint64)[0]


def generator(
    seed: int, name: str, replication: int = 0, person_id: int | None = None
) -> np.random.Generator:
    """A PCG64 generator for a named stream (and, if given, one person)."""
    extra = () if person_id is None else (int(person_id),)
    return np.random.Generator(np.random.PCG64(_seed_sequence(seed, replication, name, *extra)))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def uniforms(
    seed: int,
    replication: int,
    name: str,
    person_ids: Sequence[int] | np.ndarray,
    occurrence: int | np.ndarray = 0,
    *,
    key: np.uint64 | None = None,
) -> np.ndarray:
    """Uniform(0, 1) draws, one per person, for the given occurrence of a named decision.

    Parameters
    ----------
    seed, replication, name
        Identify the stream (see :func:`stream_key`); ignored when ``key`` is given.
    person_ids
        Stable person identifiers (non-negative integers).
    occurrence
        Which draw of this decision for the person (0 for the first, 1 for the next
        occurrence of a repeatable event, ...); a scalar or one per person.
    key
        A precomputed :func:`stream_key`, to avoid re-deriving it in hot loops.

    Returns
    -------
    numpy.ndarray of float64, strictly inside (0, 1).
    """
    k = stream_key(seed, replication, name) if key is None else np.uint64(key)
    pid = np.asarray(person_ids, dtype=np.int64).astype(np.uint64)
    occ = np.asarray(occurrence, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        z = _mix(k ^ _mix(pid * _GOLDEN + _GOLDEN))
        z = _mix(z + (occ + np.uint64(1)) * _GOLDEN)
    return (z >> _S11).astype(np.float64) * _TWO_M53 + 0.5 * _TWO_M53


def exponentials(
    seed: int,
    replication: int,
    name: str,
    person_ids: Sequence[int] | np.ndarray,
    occurrence: int | np.ndarray = 0,
    *,
    key: np.uint64 | None = None,
) -> np.ndarray:
    """Unit-rate exponential draws by inverse transform of :func:`uniforms` (``-log U``).

    An event with cumulative hazard ``H`` happens when ``H`` reaches this draw, so a
    hazard ratio moves the time of the event instead of reshuffling the draws.
    """
    return -np.log(uniforms(seed, replication, name, person_ids, occurrence, key=key))
