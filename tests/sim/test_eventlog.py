"""The event-log and persons contracts, determinism (same seed, same bytes), writing, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cvirisk.exceptions import CohortError, InputError
from cvirisk.model.events import EVENT_KINDS
from cvirisk.params import load_params, params_hash
from cvirisk.sim import SimulationResult, simulate, write_result
from cvirisk.sim.testing import uniform_cohort


@pytest.fixture(scope="module")
def cohort():
    rng = np.random.default_rng(0)
    n = 150
    return uniform_cohort(n, age=rng.uniform(18.0, 80.0, n), bmi=rng.uniform(20.0, 40.0, n),
                          sex=np.where(rng.random(n) < 0.5, "female", "male"), family_history=True)  # fmt: skip


@pytest.fixture(scope="module")
def result(cohort):
    return simulate(cohort, seed=12, years=15)


def test_event_log_contract(result, cohort):
    ev = result.events
    assert list(ev.columns) == ["person_id", "age", "t", "leg", "event", "detail", "value"]
    assert list(ev["leg"].cat.categories) == ["", "left", "right"] and ev["value"].dtype == np.float64
    assert ev["person_id"].dtype == np.int64
    assert ev["age"].dtype == np.float64 and ev["t"].dtype == np.float64
    assert isinstance(ev["event"].dtype, pd.CategoricalDtype)
    assert list(ev["event"].cat.categories) == list(EVENT_KINDS)
    assert isinstance(ev["detail"].dtype, pd.CategoricalDtype)
    # sorted by person, then time (ties keep the order in which events happened)
    key = ev[["person_id", "t"]].to_numpy()
    assert (np.diff(key[:, 0]) >= 0).all()
    same = np.diff(key[:, 0]) == 0
    assert (np.diff(key[:, 1])[same] >= 0).all()
    age0 = cohort.set_index("person_id")["age"].astype(float)
    np.testing.assert_allclose(ev["age"] - ev["t"], age0.reindex(ev["person_id"]).to_numpy(), atol=1e-9)
    assert ev["t"].max() <= 15.0


def test_persons_table(result, cohort):
    p = result.persons
    assert len(p) == len(cohort)
    assert list(p.columns[: len(cohort.columns)]) == list(cohort.columns)
    for col in ("ceap_baseline", "ceap_final", "alive", "death_age", "death_cause", "exit_age"):
        assert col in p.columns
    dead = ~p["alive"]
    assert p.loc[dead, "death_age"].notna().all() and p.loc[~dead, "death_age"].isna().all()
    assert set(p["ceap_final"].astype(str)) <= {f"C{i}" for i in range(7)}


def test_manifest(result):
    m = result.manifest
    assert m["params_hash"] == params_hash(load_params())
    assert (m["seed"], m["replication"], m["years"], m["engine"], m["n"]) == (12, 0, 15.0, "fast", 150)
    assert {"cvirisk", "numpy", "pandas", "numba", "python"} <= set(m["versions"])
    assert m["model_hash"] and m["unlimited_surgery"] is False


def test_same_seed_same_bytes_other_seed_other_events(cohort, result, tmp_path):
    again = simulate(cohort, seed=12, years=15)
    write_result(result, tmp_path / "a")
    write_result(again, tmp_path / "b")
    for name in ("events.parquet", "persons.parquet", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = simulate(cohort, seed=13, years=15)
    assert not other.events.equals(result.events)
    back = pd.read_parquet(tmp_path / "a" / "events.parquet")
    pd.testing.assert_frame_equal(back, result.events)
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["seed"] == 12


def test_replications_differ(cohort):
    a = simulate(cohort.iloc[:40], seed=12, years=5, replication=0)
    b = simulate(cohort.iloc[:40], seed=12, years=5, replication=1)
    assert isinstance(a, SimulationResult) and not a.events.equals(b.events)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.drop(columns=["bmi"]), "missing column"),
        (lambda c: c.assign(age=np.float32(12.0)), "below the history start age"),
        (lambda c: c.assign(person_id=0), "duplicate ids"),
        (lambda c: c.assign(smoking="former"), "smoking_quit_age"),
    ],
)
def test_bad_cohort_is_rejected(cohort, change, message):
    with pytest.raises(CohortError, match=message):
        simulate(change(cohort.copy()), years=1)


def test_bad_arguments_are_rejected(cohort):
    with pytest.raises(InputError, match="engine"):
        simulate(cohort, engine="turbo")
    with pytest.raises(InputError, match="years"):
        simulate(cohort, years=-1)
