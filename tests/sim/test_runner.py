"""The runner: units of work, streaming to partitioned Parquet, resume, collect, cohort sources."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import InputError
from cvirisk.params import load_params
from cvirisk.sim import simulate
from cvirisk.sim.runner import RunSpec, Unit, collect, read_events, read_persons, run, unit_dir
from cvirisk.sim.scale.sources import (
    FrameCohort,
    GeneratedCohort,
    ParquetCohort,
    write_cohort_parquet,
)

YEARS = 15
VV = "natural_history.transitions.varicose_veins.rate_per_year"


@pytest.fixture(scope="module")
def unlimited():
    return load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})


@pytest.fixture(scope="module")
def cohort(unlimited):
    from cvirisk.cohort import generate_cohort

    return generate_cohort(600, seed=21, params=unlimited)


def _spec(cohort, params, **kw):
    kw = {"years": YEARS, "chunk_size": 150, "seeds": 3, **kw}
    return RunSpec.build(cohort, params=params, **kw)


def _bytes(out):
    return {p.name: p.read_bytes() for p in sorted((out / "collected").iterdir())}


@pytest.fixture(scope="module")
def done(tmp_path_factory, cohort, unlimited):
    """A finished run: 1 seed x 2 replications x 1 draw x 4 chunks, in this process."""
    out = tmp_path_factory.mktemp("run")
    report = run(_spec(cohort, unlimited, replications=2), out, workers=1)
    return out, report, collect(out)


def test_chunked_run_equals_one_simulation(done, cohort, unlimited):
    out, report, collected = done
    assert len(report.ran) == 8 and not report.skipped
    for r in (0, 1):
        whole = simulate(cohort, params=unlimited, seed=3, years=YEARS, engine="fast", replication=r)
        events = read_events(collected.events_path, seed=3, replication=r, draw=0)
        persons = read_persons(collected.persons_path, seed=3, replication=r, draw=0)
        pd.testing.assert_frame_equal(events, whole.events, check_exact=True)
        pd.testing.assert_frame_equal(persons, whole.persons, check_exact=True)


def test_summaries_add_up_to_the_event_log(done, cohort):
    out, _, collected = done
    events = read_events(collected.events_path, seed=3, replication=0, draw=0)
    s = collected.summary["results"][0]
    assert (s["seed"], s["replication"], s["draw"]) == (3, 0, 0)
    assert s["persons"] == len(cohort) and s["events"] == len(events)
    assert sum(sum(v) for v in s["baseline_ceap"].values()) == len(cohort)
    fu = events[events["t"] >= 0]
    dvt = fu[(fu["event"] == "dvt") & (fu["detail"] == "incident")]["person_id"].nunique()
    assert s["persons_with"]["dvt:incident"] == dvt
    exits = fu.loc[fu["event"] == "exit", "t"].sum()
    assert s["person_years"] == pytest.approx(exits, rel=1e-12)


def test_rerun_after_a_crash_does_only_what_is_missing(done, cohort, unlimited, tmp_path):
    src, _, _ = done
    out = tmp_path / "run"
    shutil.copytree(src, out)
    before = _bytes(out)
    lost = [Unit(3, 0, 0, 1), Unit(3, 1, 0, 3)]
    for u in lost:  # a crash before the completion marker, with a half-written temporary file
        (unit_dir(out, u) / "summary.json").unlink()
        (unit_dir(out, u) / ".events.parquet.x.tmp").write_bytes(b"partial")
    (unit_dir(out, lost[0]) / "events.parquet").write_bytes(b"truncated")
    with pytest.raises(InputError, match="rerun"):
        collect(out)
    report = run(_spec(cohort, unlimited, replications=2), out, workers=1)
    assert report.ran == lost and len(report.skipped) == 6
    collect(out)
    assert _bytes(out) == before


def test_local_processes_give_the_same_bytes(done, cohort, unlimited, tmp_path):
    src, _, _ = done
    run(_spec(cohort, unlimited, replications=2), tmp_path, workers=2)
    collect(tmp_path)
    assert _bytes(tmp_path) == _bytes(src)


def test_parameter_draws(cohort, unlimited, tmp_path):
    base = unlimited.natural_history.transitions["varicose_veins"].rate_per_year.value
    spec = _spec(cohort, unlimited, chunk_size=300, draws=[{}, {VV: 3 * base}])
    run(spec, tmp_path, workers=1)
    res = collect(tmp_path)
    assert [r["draw"] for r in res.summary["results"]] == [0, 1]
    assert res.summary["results"][1]["overrides"] == {VV: 3 * base}
    d0 = read_events(res.events_path, seed=3, replication=0, draw=0)
    whole = simulate(cohort, params=unlimited, seed=3, years=YEARS, engine="fast")
    pd.testing.assert_frame_equal(d0, whole.events, check_exact=True)
    c2 = [r["persons_with"]["ceap:C2"] for r in res.summary["results"]]
    assert c2[1] > c2[0]


def test_another_run_in_the_same_folder_is_refused(done, cohort, unlimited):
    out, _, _ = done
    with pytest.raises(InputError, match="different run"):
        run(_spec(cohort, unlimited, years=YEARS + 1), out, workers=1)


def test_engine_constraints(cohort, params, unlimited):
    # finite capacity: chunks hold whole catchments (600 ids < 100,000: one catchment, one chunk)
    assert _spec(cohort, params).n_chunks == 1
    assert _spec(cohort, params, surgery_approximation="unlimited").n_chunks == 4
    assert _spec(cohort, params, engine="reference").n_chunks == 1
    small = {"care.surgery_catchment_population": 200}
    assert _spec(cohort, unlimited, draws=[{}, {"care.surgery_operations_per_year_per_100000": 60.0, **small}]).bounds == (
        0, 200, 400, 600)
    with pytest.raises(InputError, match="draw 1"):
        _spec(cohort, unlimited, draws=[{}, {"care.no_such_key": 1.0}])
    with pytest.raises(InputError):
        _spec(cohort, unlimited, engine="numba")


def test_cohort_sources_read_the_same_rows(cohort, tmp_path):
    path = write_cohort_parquet(FrameCohort(cohort), tmp_path / "cohort.parquet", block=100)
    src = ParquetCohort(str(path))
    assert len(src) == len(cohort)
    pd.testing.assert_frame_equal(src.rows(150, 420), cohort.iloc[150:420].reset_index(drop=True))
    gen = GeneratedCohort(250, seed=4, block=100)
    rows = gen.rows(50, 230)
    assert rows["person_id"].tolist() == list(range(50, 230))
    pd.testing.assert_frame_equal(rows.iloc[100:].reset_index(drop=True), gen.rows(150, 230))
    assert FrameCohort(cohort).identity() == FrameCohort(cohort.copy()).identity()
    assert FrameCohort(cohort).identity() != FrameCohort(cohort.iloc[:-1]).identity()


def test_parquet_cohort_run_equals_frame_run(done, cohort, unlimited, tmp_path):
    src_out, _, _ = done
    path = write_cohort_parquet(FrameCohort(cohort), tmp_path / "cohort.parquet", block=150)
    out = tmp_path / "run"
    run(_spec(path, unlimited, replications=2), out, workers=1)
    collect(out)
    a, b = _bytes(out), _bytes(src_out)
    assert a["events.parquet"] == b["events.parquet"] and a["persons.parquet"] == b["persons.parquet"]
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["n_chunks"] == 4 and run_json["engine"] == "fast"
    assert np.isfinite(json.loads((out / "collected" / "summary.json").read_text())["results"][1]["person_years"])


def test_command_line_options(cohort, unlimited, tmp_path):
    import argparse

    from cvirisk.cli.simulate import add_large_run_options, run_from_args, wants_runner

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--years", type=float, default=20.0)
    parser.add_argument("--engine", default="fast")
    parser.add_argument("--surgery-approximation", default=None)
    add_large_run_options(parser)
    assert not wants_runner(parser.parse_args([]))
    args = parser.parse_args(["--seed", "3", "--years", str(YEARS), "--chunk-size", "150", "--replications", "2",
                              "--workers", "1"])  # fmt: skip
    assert wants_runner(args)
    res = run_from_args(args, cohort, unlimited, tmp_path)
    assert [r["replication"] for r in res.summary["results"]] == [0, 1]
    assert res.summary["run"]["n_chunks"] == 4


def test_a_parquet_cohort_is_checked_whole_with_rows_numbered_in_the_file(cohort, unlimited, tmp_path):
    bad = cohort.copy()
    bad.loc[430, "person_id"] = bad.loc[20, "person_id"]  # the same id in two chunks and two row groups
    path = write_cohort_parquet(FrameCohort(bad), tmp_path / "dup.parquet", block=100)
    with pytest.raises(InputError, match=r"dup.parquet: column 'person_id': duplicate ids in rows 21, 431 \(2 rows\)"):
        _spec(path, unlimited)
    bad = cohort.copy()
    bad.loc[517, "bmi"] = -1.0
    path = write_cohort_parquet(FrameCohort(bad), tmp_path / "bmi.parquet", block=100)
    with pytest.raises(InputError, match=r"bmi.parquet: column 'bmi': not a positive finite number in rows 518 \(1 row\)"):
        _spec(path, unlimited)
    assert not list(tmp_path.glob("run*"))


def test_units_are_folders_written_as_a_set(done):
    out, _, _ = done
    for summary in (out / "units").rglob("summary.json"):
        assert sorted(p.name for p in summary.parent.iterdir()) == ["events.parquet", "persons.parquet", "summary.json"]
    assert not [p for p in out.rglob(".*")]  # no temporaries left


def test_the_unit_count_is_checked_before_the_unit_list_is_built(cohort, unlimited):
    with pytest.raises(InputError, match="units of work"):
        _spec(cohort, unlimited, replications=10**12)
