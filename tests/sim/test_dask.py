"""The runner on a 2-worker Dask LocalCluster: identical bytes, even when a worker is killed."""

from __future__ import annotations

import logging
import os

import pandas as pd
import pytest

from cvirisk.params import load_params
from cvirisk.sim.runner import RunSpec, collect, run

distributed = pytest.importorskip("distributed")

YEARS = 20


@pytest.fixture(scope="module")
def spec():
    from cvirisk.cohort import generate_cohort

    params = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
    cohort = generate_cohort(2_400, seed=31, params=params)
    rate = params.natural_history.transitions["dvt"].rate_per_year.value
    draws = [{}, {"natural_history.transitions.dvt.rate_per_year": 2 * rate}]
    return RunSpec.build(cohort, params=params, years=YEARS, seeds=[5], replications=2, draws=draws, chunk_size=200)


@pytest.fixture(scope="module")
def single(spec, tmp_path_factory):
    """The single-process result: collected bytes."""
    out = tmp_path_factory.mktemp("single")
    run(spec, out, workers=1)
    collect(out)
    return _bytes(out)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, memory_limit="2GiB", silence_logs=logging.ERROR,
    )  # fmt: skip
    client = Client(cluster)
    client.wait_for_workers(2, timeout=60)
    yield cluster, client
    client.close()
    cluster.close()


def _bytes(out):
    return {p.name: p.read_bytes() for p in sorted((out / "collected").iterdir())}


def test_two_workers_give_the_single_process_bytes(spec, single, cluster, tmp_path):
    local_cluster, client = cluster
    a, b = tmp_path / "client", tmp_path / "address"
    report = run(spec, a, scheduler=client)
    assert len(report.ran) == len(spec.units()) == 48
    collect(a)
    assert _bytes(a) == single
    # by address, with the workers writing the unit files themselves (shared file system)
    run(spec, b, scheduler=local_cluster.scheduler_address, write_on="worker")
    collect(b)
    assert _bytes(b) == single


def test_a_worker_killed_mid_run_still_gives_the_same_bytes(spec, single, cluster, tmp_path):
    _, client = cluster
    killed = []

    def kill_one(done: int, total: int) -> None:
        if killed or done < 2:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        if busy and done < total:
            killed.append((busy[0], done, total))
            client.run(os._exit, 1, workers=[busy[0]], on_error="ignore")

    run(spec, tmp_path, scheduler=client, progress=kill_one)
    assert killed, "no worker was killed"
    assert killed[0][1] < killed[0][2]
    collect(tmp_path)
    assert _bytes(tmp_path) == single
    client.wait_for_workers(2, timeout=60)
    assert killed[0][0] not in client.scheduler_info()["workers"]  # it died; the nanny started another


def test_finite_capacity_on_two_workers_gives_the_single_run_events(cluster, tmp_path):
    """Rationed surgery: units hold whole catchments, so Dask gives the one-process events."""
    from cvirisk.sim import simulate
    from cvirisk.sim.runner import read_events
    from cvirisk.sim.testing import BUSY_WAITING_LIST, high_risk_cohort

    _, client = cluster
    params = load_params(overrides={**BUSY_WAITING_LIST, "care.surgery_operations_per_year_per_100000": 1000.0,
                                    "care.surgery_catchment_population": 300})
    cohort = high_risk_cohort(1200, seed=13)
    spec = RunSpec.build(cohort, params=params, years=YEARS, seeds=[6], chunk_size=300)
    assert spec.n_chunks == 4
    run(spec, tmp_path, scheduler=client)
    events = read_events(collect(tmp_path).events_path, seed=6, replication=0, draw=0)
    whole = simulate(cohort, params=params, seed=6, years=YEARS)
    waited = whole.events[(whole.events["detail"] == "done") & (whole.events["value"] > 0.5)]
    assert len(waited) > 20
    pd.testing.assert_frame_equal(events, whole.events, check_exact=True)
