"""Property tests (Hypothesis) over cohort files for ``cvirisk simulate --cohort``.

* a valid cohort, written as CSV or Parquet, is read back exactly (nothing repaired);
* one bad cell, of any kind the contract forbids, in any column and row, is refused with
  exit status 2 and one line naming the file, the column and the row counted from 1 in the
  file, and the same line whatever the chunk size; nothing is written;
* arbitrary text in a cohort file never gives a traceback.

The cohorts come from :func:`cvirisk.generate_cohort` and the bad cells are chosen by the
dtypes of the contract (:data:`cvirisk.cohort.contract.COLUMNS`), so the tests follow a
change of the contract.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robust_helpers import call, tree

from cvirisk.cohort import generate_cohort
from cvirisk.cohort.contract import COLUMNS, validate_cohort
from cvirisk.io.sim_cohort import read_sim_cohort

SIM = ["--years", "0.5", "--quiet"]
CHUNKED = ["--engine", "fast", "--surgery-approximation", "unlimited", "--workers", "1"]
_COHORTS: dict[tuple[int, int], pd.DataFrame] = {}


def _cohort(n: int, seed: int) -> pd.DataFrame:
    if (n, seed) not in _COHORTS:
        _COHORTS[(n, seed)] = generate_cohort(n, seed=seed)
    return _COHORTS[(n, seed)].copy()


#: Bad values by contract dtype: (label, value); each breaks the contract in any row.
BAD = {
    "float32": [("text", "forty"), ("infinite", "inf"), ("negative", "-3")],
    "int64": [("fraction", "2.5"), ("text", "x"), ("negative", "-1")],
    "int8": [("fraction", "0.5"), ("huge", "1e9"), ("negative", "-1")],
    "bool": [("maybe", "maybe"), ("seven", "7")],
    "category": [("unknown", "unknown")],
}


def _bad_cell(df: pd.DataFrame, column: str, label: str, value: str, row: int) -> pd.DataFrame | None:
    """``df`` with one bad cell, or None when that value is not bad in that row."""
    out = df.astype({column: object})
    if label == "negative" and column in ("smoking_quit_age", "prior_dvt_age") and pd.isna(df.at[row, column]):
        return None  # a negative age where no age is due: caught too, but by another rule
    out.at[row, column] = value
    return out


@st.composite
def corrupted(draw):
    n = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 3))
    df = _cohort(n, seed)
    column = draw(st.sampled_from([c for c in COLUMNS if c != "person_id"] + ["person_id", "person_id"]))
    row = draw(st.integers(0, n - 1))
    if column == "person_id" and draw(st.booleans()):
        other = draw(st.integers(0, n - 1).filter(lambda r: r != row))
        df.loc[max(row, other), "person_id"] = df.loc[min(row, other), "person_id"]
        return df, "person_id", sorted({row, other}), "duplicate"
    label, value = draw(st.sampled_from(BAD[COLUMNS[column]]))
    bad = _bad_cell(df, column, label, value, row)
    if bad is None:
        bad = _bad_cell(df, column, "text" if COLUMNS[column] != "bool" else "maybe", "x", row)
    return bad, column, [row], label


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=corrupted(), chunk=st.integers(1, 12))
def test_one_bad_cell_is_named_by_file_column_and_row(capsys, case, chunk):
    df, column, rows, _ = case
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        path = folder / "people.csv"
        df.to_csv(path, index=False)
        before = tree(folder)
        code, err = call(["simulate", "--cohort", path, *SIM, "--out", folder / "out"], capsys)
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
        assert f"people.csv: column '{column}':" in err, err
        shown = ", ".join(str(r + 1) for r in rows)
        assert re.search(rf"rows {shown} \({len(rows)} rows?\)", err), (err, rows)
        code2, err2 = call(["simulate", "--cohort", path, *SIM, *CHUNKED, "--chunk-size", chunk,
                            "--out", folder / "out"], capsys)  # fmt: skip
        assert (code2, err2.replace("simulate", "")) == (code, err.replace("simulate", ""))
        assert tree(folder) == before


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 3), suffix=st.sampled_from([".csv", ".parquet"]),
       order=st.randoms(use_true_random=False))
def test_a_valid_cohort_file_is_read_exactly(n, seed, suffix, order):
    df = _cohort(n, seed)
    idx = list(range(n))
    order.shuffle(idx)
    df = df.iloc[idx].reset_index(drop=True)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"c{suffix}"
        df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path, index=False)
        got = read_sim_cohort(path)
    pd.testing.assert_frame_equal(got, validate_cohort(df), check_exact=True)


_TOKEN = st.sampled_from(["", "1", "0", "-1", "2.5", "nan", "inf", "x", "True", "maybe", '"', "1e400", " ",
                          "female", "former", "40", "é", ";"])  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_TOKEN, min_size=0, max_size=len(COLUMNS) + 1), min_size=0, max_size=5),
       header=st.sampled_from([",".join(COLUMNS), ",".join(list(COLUMNS)[:-1]), "a,b", ""]))
def test_arbitrary_text_never_gives_a_traceback(capsys, rows, header):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.csv"
        path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
        code, err = call(["simulate", "--cohort", path, *SIM, "--out", Path(d) / "out"], capsys)
    assert code in (0, 2), err
    assert "Traceback" not in err and err.count("\n") == 1, err
    if code == 2:
        assert "c.csv" in err


def test_contract_dtypes_cover_every_column():
    assert set(COLUMNS.values()) <= set(BAD), "a new contract dtype needs its bad values here"
    assert np.all([c in COLUMNS for c in ("person_id", "age")])
