"""Reading and validating user cohort files: every bad input is one clear CohortError.

The property tests feed arbitrary bytes and arbitrary tables to the reader and the validator
and accept only success or the project's own error (never another exception).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from cvirisk.exceptions import CohortError, InputError
from cvirisk.io.cohort_file import (
    CohortColumns,
    format_rows,
    read_cohort_file,
    read_table,
    validate_cohort,
)

COLS = CohortColumns("time", "status", covariates=("age",))


def good() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3, 4], "time": [1.0, 2.0, 3.0, 4.0], "status": [1, 0, 1, 1],
                         "age": [50.0, 60.0, 55.0, 70.0], "start": [0.0, 0.5, 0.0, 1.0]})


def test_format_rows_caps_the_list():
    assert format_rows([2]) == "rows 3 (1 row)"
    assert format_rows(range(25)) == "rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... (25 rows)"


def test_good_table_and_report():
    clean, report = validate_cohort(good(), CohortColumns("time", "status", "start", ("age",), id="id"))
    assert report == {"source": "cohort", "rows_read": 4, "rows_excluded": {}, "rows_excluded_total": 0,
                      "rows_used": 4, "events": 3, "categorical": []}
    assert clean["status"].dtype == np.int64


@pytest.mark.parametrize(
    ("change", "columns", "message"),
    [
        (lambda d: d.drop(columns="time"), COLS, "column 'time' not found; the columns are: 'id', 'status', 'age', 'start'"),
        (lambda d: d.astype({"time": object}).assign(time=[1.0, "x", 3.0, "?"]), COLS,
         "column 'time': non-numeric value in rows 2, 4 (2 rows)"),
        (lambda d: d.assign(time=[1.0, -2.0, 3.0, -1.0]), COLS, "column 'time': negative duration in rows 2, 4 (2 rows)"),
        (lambda d: d.assign(time=[1.0, np.nan, 3.0, 4.0]), COLS, "column 'time': missing duration in rows 2 (1 row)"),
        (lambda d: d.assign(status=[1, 2, 0, 1]), COLS, "column 'status': event not 0/1 in rows 2 (1 row)"),
        (lambda d: d.assign(start=[0.0, 5.0, 0.0, 1.0]), CohortColumns("time", "status", "start"),
         "column 'start': entry after exit ('time') in rows 2 (1 row)"),
        (lambda d: d.assign(id=[1, 2, 2, 4]), CohortColumns("time", "status", id="id"),
         "column 'id': duplicate ids in rows 2, 3 (2 rows)"),
        (lambda d: d.assign(status=[0, 0, 1, 0]), COLS, "column 'status': only 1 event; a model needs at least 2"),
        (lambda d: d.assign(age=60.0), COLS, "covariate 'age' has no variance"),
        (lambda d: d.iloc[:0], COLS, "the table has no data rows"),
        (lambda d: d.assign(age=[1.0, np.inf, 2.0, 3.0]), COLS, "column 'age': infinite value in rows 2 (1 row)"),
        (lambda d: d.assign(time=[0.0, 1.0, 2.0, 3.0]), CohortColumns("time", "status", positive_duration=True),
         "column 'time': zero duration"),
        (lambda d: d.assign(status=[1, 2, -1, 0]), CohortColumns("time", "status", event_kind="causes"),
         "column 'status': cause not a code 0, 1, 2, ... in rows 3 (1 row)"),
    ],
)
def test_each_bad_input_names_column_rows_and_reason(change, columns, message):
    with pytest.raises(CohortError) as info:
        validate_cohort(change(good()), columns, source="c.csv")
    text = str(info.value)
    assert text.startswith("c.csv: ") and message in text and "\n" not in text
    assert isinstance(info.value, InputError)


def test_missing_values_error_unless_dropped_and_then_counted():
    df = good().assign(age=[50.0, np.nan, 55.0, 70.0])
    with pytest.raises(CohortError, match=r"column 'age': missing value in rows 2 \(1 row\).*--drop-missing"):
        validate_cohort(df, COLS)
    clean, report = validate_cohort(df, COLS, drop_missing=True)
    assert len(clean) == 3 and report["rows_excluded"] == {"age": 1} and report["rows_excluded_total"] == 1
    with pytest.raises(CohortError, match=r"negative duration in rows 4 \(1 row\)"):  # numbered as in the file
        validate_cohort(df.assign(time=[1.0, 2.0, 3.0, -4.0]), COLS, drop_missing=True)


def test_column_mapping():
    df = good().rename(columns={"time": "futime"})
    clean, _ = validate_cohort(df, COLS, mapping={"futime": "time"})
    assert "time" in clean
    with pytest.raises(CohortError, match="mapping names column"):
        validate_cohort(df, COLS, mapping={"nope": "time"})
    with pytest.raises(CohortError, match="duplicate column name"):
        validate_cohort(good(), COLS, mapping={"age": "time"})


def test_csv_and_parquet_files(tmp_path):
    good().to_csv(tmp_path / "c.csv", index=False)
    good().to_parquet(tmp_path / "c.parquet", index=False)
    a, _ = read_cohort_file(tmp_path / "c.csv", COLS)
    b, _ = read_cohort_file(tmp_path / "c.parquet", COLS)
    pd.testing.assert_frame_equal(a, b)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_text("time,status\n")
    (tmp_path / "c.xlsx").write_bytes(b"PK")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    for name, msg in [("empty.csv", "empty.csv: the file is empty"), ("header.csv", "header.csv: the file has no data rows"),
                      ("c.xlsx", "unknown file type"), ("bad.parquet", "bad.parquet: cannot be read as Parquet"),
                      ("missing.csv", "missing.csv: no such file")]:
        with pytest.raises(CohortError, match=msg):
            read_table(tmp_path / name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".parquet"]))
def test_arbitrary_bytes_give_only_our_error(tmp_path, data, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    try:
        read_cohort_file(path, COLS)
    except CohortError as exc:
        assert "\n" not in str(exc)


_cell = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                  st.booleans(), st.text(max_size=4))


@settings(max_examples=80, deadline=None)
@given(df=hpd.data_frames(
    columns=[hpd.column(name, elements=_cell, dtype=object) for name in ("time", "status", "age", "start", "id")],
    index=hpd.range_indexes(min_size=0, max_size=12)),
    drop=st.booleans(), kind=st.sampled_from(["binary", "causes"]))
def test_arbitrary_tables_give_only_our_error(df, drop, kind):
    cols = CohortColumns("time", "status", "start", ("age",), id="id", event_kind=kind)
    try:
        clean, report = validate_cohort(df, cols, drop_missing=drop)
    except CohortError as exc:
        assert "\n" not in str(exc)
    else:
        assert report["rows_used"] == len(clean) >= 2
        assert (clean["time"] >= 0).all() and (clean["start"] <= clean["time"]).all()


_token = st.sampled_from(["", "1", "0", "-1", "2.5", "nan", "inf", "x", "True", '"', "1e400", " ", "NA", ";", "é"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(_token, min_size=0, max_size=5), min_size=0, max_size=8),
       header=st.sampled_from(["time,status,age", "time,status", "a,b,c", ""]))
@example(lines=[['"'], ['"'], ["", ""]], header="")  # a quoted line break makes a column name
def test_csv_like_text_gives_only_our_error(tmp_path, lines, header):
    path = tmp_path / "f.csv"
    path.write_text("\n".join([header, *(",".join(row) for row in lines)]), encoding="utf-8")
    try:
        clean, _ = read_cohort_file(path, COLS, drop_missing=True)
    except CohortError as exc:
        assert "\n" not in str(exc)
    else:
        assert np.isfinite(clean.to_numpy(float)).all()


def test_text_covariates_become_categories_but_not_numbers_in_disguise():
    base = pd.DataFrame({"time": [1.0, 2, 3, 4], "status": [1, 0, 1, 1], "sex": ["F", "M", "F", None]})
    clean, report = validate_cohort(base.iloc[:3], CohortColumns("time", "status", covariates=("sex",)))
    assert report["categorical"] == ["sex"] and clean["sex"].tolist() == ["F", "M", "F"]
    with pytest.raises(CohortError, match=r"column 'sex': missing value in rows 4 \(1 row\)"):
        validate_cohort(base, CohortColumns("time", "status", covariates=("sex",)))
    commas = base.assign(sex=["1,5", "2,0", "3,1", "2,2"])
    with pytest.raises(CohortError, match=r"column 'sex': number with a decimal comma in rows 1, 2, 3, 4"):
        validate_cohort(commas, CohortColumns("time", "status", covariates=("sex",)))
    typo = base.assign(sex=[1.0, 2.0, "three", 4.0])  # mostly numbers: a typo, not a category
    with pytest.raises(CohortError, match=r"column 'sex': non-numeric value in rows 3 \(1 row\)"):
        validate_cohort(typo, CohortColumns("time", "status", covariates=("sex",)))
    many = pd.DataFrame({"time": np.arange(1.0, 61), "status": 1, "name": [f"p{i}" for i in range(60)]})
    with pytest.raises(CohortError, match="text with 60 distinct values, too many"):
        validate_cohort(many, CohortColumns("time", "status", covariates=("name",)))


def test_same_column_in_two_roles_and_entry_equal_to_exit():
    df = good()
    with pytest.raises(CohortError, match="column 'time' is given as both duration and event"):
        validate_cohort(df, CohortColumns("time", "time"))
    with pytest.raises(CohortError, match=r"entry equal to exit \('time'; a row must be observed for some time\) "
                                          r"in rows 1 \(1 row\)"):
        validate_cohort(df.assign(start=[1.0, 0.5, 0.0, 1.0]), CohortColumns("time", "status", "start"))
