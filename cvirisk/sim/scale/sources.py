"""Cohort sources: the rows ``[start, stop)`` of a cohort, without holding the whole cohort.

A large run never holds more than one chunk of persons (per worker) in memory.
:class:`FrameCohort` slices a DataFrame, :class:`ParquetCohort` reads only the row groups
it needs from a Parquet file, :class:`GeneratedCohort` draws the cohort block by block.

Examples
--------
>>> import pandas as pd
>>> src = FrameCohort(pd.DataFrame({"person_id": range(5), "age": 40.0}))
>>> len(src), src.rows(1, 3)["person_id"].tolist()
(5, [1, 2])
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cvirisk.exceptions import InputError
from cvirisk.io.atomic import atomic_path

__all__ = ["CohortSource", "FrameCohort", "ParquetCohort", "GeneratedCohort", "as_source", "write_cohort_parquet"]


class CohortSource:
    """Rows of a cohort by range; subclasses are small and picklable (shipped to workers)."""

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def rows(self, start: int, stop: int) -> pd.DataFrame:  # pragma: no cover - abstract
        """The cohort rows ``[start, stop)``, index reset."""
        raise NotImplementedError

    def identity(self) -> str:  # pragma: no cover - abstract
        """A string that changes whenever the cohort's content does (part of a run's fingerprint)."""
        raise NotImplementedError

    def part(self, start: int, stop: int) -> CohortSource:
        """A source for rows ``[start, stop)`` only, cheap to ship to a worker."""
        return self

    def person_ids(self) -> np.ndarray | None:
        """Every row's ``person_id`` (int64), or None when they are 0 .. n-1 in order."""
        n = len(self)
        step = 1_000_000
        return np.concatenate([self.rows(a, min(a + step, n))["person_id"].to_numpy(np.int64)
                               for a in range(0, n, step)]) if n else np.zeros(0, np.int64)


@dataclass(frozen=True, eq=False)
class FrameCohort(CohortSource):
    """A cohort held in memory as a DataFrame."""

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        return self.frame.iloc[start:stop].reset_index(drop=True)

    def person_ids(self) -> np.ndarray:
        return self.frame["person_id"].to_numpy(np.int64)

    def identity(self) -> str:
        h = pd.util.hash_pandas_object(self.frame, index=False).to_numpy()
        cols = ",".join(f"{c}:{t}" for c, t in self.frame.dtypes.astype(str).items())
        return "frame:" + hashlib.blake2b(h.tobytes() + cols.encode(), digest_size=16).hexdigest()

    def part(self, start: int, stop: int) -> CohortSource:
        return _Slice(self.rows(start, stop), start)


@dataclass(frozen=True, eq=False)
class _Slice(CohortSource):
    """Rows ``[offset, offset + len(frame))`` of a larger cohort, shipped with one unit of work."""

    frame: pd.DataFrame
    offset: int

    def __len__(self) -> int:
        return self.offset + len(self.frame)

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        return self.frame.iloc[start - self.offset : stop - self.offset].reset_index(drop=True)


@dataclass(frozen=True)
class ParquetCohort(CohortSource):
    """A cohort in a Parquet file; a chunk reads only the row groups that overlap it.

    Memory per chunk is bounded by the chunk plus one row group, so write large cohorts
    with row groups no bigger than the chunk size (:func:`write_cohort_parquet` does).
    """

    path: str

    def __post_init__(self) -> None:
        if not Path(self.path).is_file():
            raise InputError(f"{self.path}: no such cohort file")
        object.__setattr__(self, "path", str(Path(self.path).resolve()))

    def _file(self) -> pq.ParquetFile:
        return pq.ParquetFile(self.path)

    def __len__(self) -> int:
        return self._file().metadata.num_rows

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        f = self._file()
        meta = f.metadata
        groups, first, pos = [], None, 0
        for g in range(meta.num_row_groups):
            size = meta.row_group(g).num_rows
            if pos < stop and pos + size > start:
                groups.append(g)
                first = pos if first is None else first
            pos += size
        if not groups:
            return f.schema_arrow.empty_table().to_pandas()
        table = f.read_row_groups(groups).slice(start - first, stop - start)
        return table.to_pandas().reset_index(drop=True)

    def person_ids(self) -> np.ndarray:
        return self._file().read(columns=["person_id"]).column(0).to_numpy().astype(np.int64)

    def identity(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        with open(self.path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return "parquet:" + h.hexdigest()


@functools.cache
def _shipped_params():
    """The shipped parameters, read once a process (a block of a cohort is drawn in each unit)."""
    from cvirisk.params import load_params

    return load_params()


@dataclass(frozen=True)
class GeneratedCohort(CohortSource):
    """A cohort drawn by :func:`cvirisk.generate_cohort` in blocks of ``block`` persons.

    Block ``b`` is ``generate_cohort(block, seed=seed, replication=b)`` (parameters
    ``params``) with person ids shifted to start at ``b * block``, so any chunk can be drawn
    on its own and memory stays bounded whatever ``n``. The block size is part of the
    cohort's identity (another block size gives another, equally valid, cohort); it need
    not match the chunk size of a run.
    """

    n: int
    seed: int
    params: dict | None = field(default=None, repr=False)
    block: int = 100_000

    def __len__(self) -> int:
        return int(self.n)

    def _block(self, b: int) -> pd.DataFrame:
        from cvirisk.cohort import generate_cohort
        from cvirisk.params import params_from_dict

        params = _shipped_params() if self.params is None else params_from_dict(self.params)
        size = min(self.block, self.n - b * self.block)
        df = generate_cohort(size, seed=self.seed, params=params, replication=b)
        df["person_id"] = df["person_id"].to_numpy(np.int64) + b * self.block
        return df

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        stop = min(stop, self.n)
        parts = []
        for b in range(start // self.block, (stop - 1) // self.block + 1):
            lo = b * self.block
            parts.append(self._block(b).iloc[max(start - lo, 0) : stop - lo])
        return pd.concat(parts, ignore_index=True)

    def person_ids(self) -> None:
        return None  # block b holds ids b * block ...: 0 .. n-1 in order

    def identity(self) -> str:
        from cvirisk.params import load_params, params_from_dict, params_hash

        params = load_params() if self.params is None else params_from_dict(self.params)
        return f"generated:n={self.n}:seed={self.seed}:block={self.block}:params={params_hash(params)}"


def write_cohort_parquet(source: CohortSource, path: str | os.PathLike[str], block: int = 100_000) -> Path:
    """Write a cohort source to Parquet block by block (row groups of ``block`` rows), atomically."""
    n = len(source)
    with atomic_path(path) as tmp:
        writer = None
        try:
            for start in range(0, n, block):
                table = pa.Table.from_pandas(source.rows(start, min(start + block, n)), preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=block)
        finally:
            if writer is not None:
                writer.close()
    return Path(path)




def as_source(cohort: pd.DataFrame | CohortSource | str | os.PathLike[str]) -> CohortSource:
    """A DataFrame, a source, or the path of a Parquet cohort file, as a :class:`CohortSource`."""
    if isinstance(cohort, CohortSource):
        return cohort
    if isinstance(cohort, pd.DataFrame):
        return FrameCohort(cohort)
    return ParquetCohort(str(cohort))
