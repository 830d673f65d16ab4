"""Surgical catchments: chunked runs with finite capacity give the single run's events, byte for byte.

Persons belong to catchments of ``care.surgery_catchment_population`` consecutive ids, each
with its own theatres and waiting list; units of work hold whole catchments. A cohort of 900
ulcer-prone women in three catchments of 300 has a busy list in each (operations after a real
wait), so a queue read across catchments, or a chunk that splits one, changes events here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.runner import RunSpec, collect, read_events, read_persons, run
from cvirisk.sim.scale.sources import FrameCohort, ParquetCohort, write_cohort_parquet
from cvirisk.sim.scale.summary import parquet_bytes
from cvirisk.sim.testing import BUSY_WAITING_LIST, high_risk_cohort

YEARS = 20
SEED = 4
CATCHMENT = 300


@pytest.fixture(scope="module")
def params():
    return load_params(
        overrides={
            **BUSY_WAITING_LIST,
            "care.surgery_operations_per_year_per_100000": 1000.0,
            "care.surgery_catchment_population": CATCHMENT,
        }
    )


@pytest.fixture(scope="module")
def cohort():
    return high_risk_cohort(900, seed=11)


@pytest.fixture(scope="module")
def whole(cohort, params):
    return simulate(cohort, params=params, seed=SEED, years=YEARS)


def _collected(cohort, params, out, chunk_size, **kw):
    spec = RunSpec.build(cohort, params=params, years=YEARS, seeds=SEED, chunk_size=chunk_size)
    run(spec, out, workers=1, **kw)
    res = collect(out)
    return spec, read_events(res.events_path, seed=SEED, replication=0, draw=0), res


def test_every_catchment_has_a_busy_list(whole):
    ev = whole.events
    done = ev[(ev["event"] == "surgery") & (ev["detail"] == "done")]
    waited = done[done["value"] > 0.5]
    assert waited["person_id"].floordiv(CATCHMENT).nunique() == 3 and len(waited) > 30


@pytest.mark.parametrize("chunk_size", [300, 450, 600])
def test_chunked_runs_give_the_single_run_bytes(cohort, params, whole, chunk_size, tmp_path):
    spec, events, res = _collected(cohort, params, tmp_path, chunk_size)
    # chunks end on catchment boundaries: 450 rows round down to one catchment of 300
    assert (
        spec.bounds
        == {300: (0, 300, 600, 900), 450: (0, 300, 600, 900), 600: (0, 600, 900)}[chunk_size]
    )
    pd.testing.assert_frame_equal(events, whole.events, check_exact=True)
    assert parquet_bytes(events) == parquet_bytes(whole.events)
    persons = read_persons(res.persons_path, seed=SEED, replication=0, draw=0)
    pd.testing.assert_frame_equal(persons, whole.persons, check_exact=True)


def test_the_catchment_decides_the_waits(cohort, params, whole):
    # one list for all 900 (the same capacity per head) pools the queue: other events
    pooled = simulate(
        cohort,
        params=load_params(
            overrides={**BUSY_WAITING_LIST, "care.surgery_operations_per_year_per_100000": 1000.0}
        ),
        seed=SEED,
        years=YEARS,
    )
    assert len(pooled.events) != len(whole.events) or not np.array_equal(
        pooled.events["t"], whole.events["t"]
    )


def test_a_catchment_larger_than_a_chunk_is_kept_whole(cohort, params):
    spec = RunSpec.build(cohort, params=params, years=YEARS, chunk_size=100)
    assert spec.bounds == (0, 300, 600, 900)
    unlimited = RunSpec.build(
        cohort, params=params, years=YEARS, chunk_size=100, surgery_approximation="unlimited"
    )
    assert unlimited.bounds == () and unlimited.n_chunks == 9


def test_parquet_cohort_chunks_follow_the_ids(cohort, params, tmp_path):
    shifted = cohort.assign(
        person_id=cohort["person_id"] + 150
    )  # catchments 0 (150 persons) .. 3 (150)
    path = write_cohort_parquet(FrameCohort(shifted), tmp_path / "c.parquet", block=200)
    spec = RunSpec.build(ParquetCohort(str(path)), params=params, years=YEARS, chunk_size=400)
    assert spec.bounds == (0, 150, 450, 750, 900)


def test_a_catchment_in_rows_apart_is_refused(cohort, params):
    shuffled = cohort.iloc[np.r_[0:100, 400:500, 100:400, 500:900]].reset_index(drop=True)
    with pytest.raises(InputError, match=r"catchment 0 .* sort the cohort by person_id"):
        RunSpec.build(shuffled, params=params, years=YEARS, chunk_size=300)
    assert RunSpec.build(shuffled, params=params, years=YEARS, chunk_size=900).n_chunks == 1
