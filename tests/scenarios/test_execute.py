"""Replications run in local processes or on Dask give the same comparison bytes as in-process."""

from __future__ import annotations

import pytest

from cvirisk.scenarios import compare
from cvirisk.sim.testing import uniform_cohort


@pytest.fixture(scope="module")
def kw(unlimited):
    cohort = uniform_cohort(400, age=60.0, smoking="current", bmi=32.0)
    return {"params": unlimited, "cohort": cohort, "seed": 3, "replications": 3, "years": 10, "engine": "fast"}


@pytest.fixture(scope="module")
def in_process(kw):
    return compare(["smoking_down_third", "weight_reduction"], **kw).table.to_csv(index=False)


def test_local_processes_give_the_same_bytes(kw, in_process):
    assert compare(["smoking_down_third", "weight_reduction"], workers=2, **kw).table.to_csv(index=False) == in_process


def test_dask_gives_the_same_bytes(kw, in_process):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as lc, \
            distributed.Client(lc) as client:  # fmt: skip
        table = compare(["smoking_down_third", "weight_reduction"], scheduler=client, **kw).table
    assert table.to_csv(index=False) == in_process
