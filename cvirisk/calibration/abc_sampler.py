"""A pyabc sampler whose result depends on the seed only, not on the number of workers.

pyabc's own parallel samplers (``MulticoreEvalParallelSampler``, ``DaskDistributedSampler``)
reseed every worker from the operating system and keep whichever particles finish first, so a
run cannot be repeated. This sampler (our own, because none of pyabc's gives that guarantee)
gives candidate ``i`` of generation ``t`` its own seed, derived from ``(seed, t, i)``, evaluates
candidates in fixed chunks on any executor with ``submit`` (a local process pool or a Dask
``Client``) and accepts them in index order: the first ``n`` accepted candidates form the
population, whatever finished first. Work done past the ``n``-th acceptance is discarded (it
costs at most one round of chunks).

>>> s = DeterministicSampler(seed=3)
>>> s.candidate_seed(0, 5) == DeterministicSampler(seed=3).candidate_seed(0, 5)
True
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

__all__ = ["DeterministicSampler"]


_LOADED: dict[bytes, Callable] = {}


def _run_chunk(simulate_one_pickle, seeds: list[int]) -> list:
    """Evaluate one chunk of candidates, each under its own seed (runs in a worker).

    ``simulate_one_pickle``: the function, or its cloudpickle bytes (unpickled once a
    generation per worker: a worker keeps the last one it saw).
    """
    if isinstance(simulate_one_pickle, bytes):
        key = hashlib.blake2b(simulate_one_pickle, digest_size=16).digest()
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = cloudpickle.loads(simulate_one_pickle)
        simulate_one = _LOADED[key]
    else:
        simulate_one = simulate_one_pickle
    out = []
    for s in seeds:
        np.random.seed(s)  # noqa: NPY002 - pyabc proposes parameters from numpy's global generator
        random.seed(s)
        out.append(simulate_one())
    return out


class DeterministicSampler(Sampler):
    """Evaluate candidates in seeded chunks; accept in index order (see the module doc).

    Parameters
    ----------
    seed : int
        Base seed of the run.
    executor : object with ``submit(fn, *args)``, optional
        ``concurrent.futures.ProcessPoolExecutor`` or ``dask.distributed.Client``; None runs in
        this process.
    chunk : int
        Candidates per submitted job (a fixed number, so the result does not depend on workers).
    jobs : int
        Jobs kept in flight (e.g. twice the number of workers); does not change the result.
    on_chunk : callable, optional
        ``on_chunk(evaluated, accepted, n)`` after each chunk, for a progress bar.
    """

    def __init__(self, seed: int, executor=None, chunk: int = 8, jobs: int = 4,
                 on_chunk: Callable[[int, int, int], None] | None = None):  # fmt: skip
        super().__init__()
        self.seed = int(seed)
        self.executor = executor
        self.chunk = int(chunk)
        self.jobs = max(int(jobs), 1)
        self.on_chunk = on_chunk
        self.seconds_per_evaluation: float = float("nan")
        self._clock: tuple[float, int] | None = None

    def seconds_per_evaluation_so_far(self) -> float:
        """Wall seconds per evaluation in the current generation (for time estimates)."""
        if self._clock is None:
            return float("nan")
        start, evaluated = self._clock
        return (time.perf_counter() - start) / max(evaluated, 1)

    def candidate_seed(self, t: int, i: int) -> int:
        """Seed of candidate ``i`` in generation ``t`` (``t = -1`` is pyabc's calibration sample)."""
        ss = np.random.SeedSequence([self.seed, int(t) + 1, int(i)])
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        payload = simulate_one if self.executor is None else cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        next_chunk = 0
        pending: dict[int, object] = {}
        evaluated = accepted = 0
        start = time.perf_counter()

        def seeds(c: int) -> list[int]:
            return [self.candidate_seed(t, c * self.chunk + j) for j in range(self.chunk)]

        done = False
        while not done:
            if self.executor is None:
                results = _run_chunk(payload, seeds(next_chunk))
                next_chunk += 1
            else:
                while len(pending) < self.jobs:
                    pending[next_chunk] = self.executor.submit(
                        _run_chunk, payload, seeds(next_chunk)
                    )
                    next_chunk += 1
                first = min(pending)
                results = pending.pop(first).result()
            for particle in results:
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
                if accepted >= n or evaluated >= max_eval:
                    done = True
                    break
            self._clock = (start, evaluated)
            if self.on_chunk is not None:
                self.on_chunk(evaluated, accepted, n)
        for fut in pending.values():  # work past the n-th acceptance is discarded
            fut.cancel()
        self.nr_evaluations_ = evaluated
        self.seconds_per_evaluation = (time.perf_counter() - start) / max(evaluated, 1)
        if sample.n_accepted < n:
            sample.ok = False
        return sample
