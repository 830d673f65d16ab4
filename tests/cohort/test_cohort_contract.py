"""The column contract: dtypes, memory, and a validator that names column, rows and reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvirisk.cohort import COLUMNS, generate_cohort, validate_cohort
from cvirisk.exceptions import CohortError


def test_generated_cohort_follows_the_contract(small_cohort):
    assert list(small_cohort.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in small_cohort.dtypes.items()} == COLUMNS
    assert list(small_cohort["sex"].cat.categories) == ["female", "male"]
    assert list(small_cohort["smoking"].cat.categories) == ["never", "current", "former"]
    np.testing.assert_array_equal(small_cohort["person_id"], np.arange(len(small_cohort)))
    pd.testing.assert_frame_equal(validate_cohort(small_cohort), small_cohort)


def test_under_40_bytes_per_person(params):
    df = generate_cohort(50_000, seed=1, params=params)
    assert df.memory_usage(deep=True).sum() / len(df) < 40


def test_csv_round_trip_validates_back_to_the_contract(tmp_path, small_cohort):
    small_cohort.to_csv(tmp_path / "c.csv", index=False)
    back = validate_cohort(pd.read_csv(tmp_path / "c.csv"), "c.csv")
    pd.testing.assert_frame_equal(back, small_cohort)


def _broken(df, column, rows, value):
    df = df.copy()
    df[column] = df[column].astype(object)
    df.loc[rows, column] = value
    return df


@pytest.mark.parametrize("column, value, reason", [
    ("sex", "unknown", "not one of female, male"),
    ("smoking", "sometimes", "not one of never, current, former"),
    ("age", -1.0, "not an age"),
    ("bmi", np.nan, "not a positive finite number"),
    ("weight", 0.0, "not a positive finite number"),
    ("parity", 1.5, "not a whole number of births"),
    ("standing_work", "maybe", "not true/false"),
    ("person_id", -3, "not a non-negative whole number"),
])  # fmt: skip
def test_validator_names_column_rows_and_reason(small_cohort, column, value, reason):
    with pytest.raises(CohortError) as err:
        validate_cohort(_broken(small_cohort, column, [4, 9], value), "mine.csv")
    assert str(err.value).startswith(f"mine.csv: column {column!r}: {reason}")
    assert "rows 5, 10 (2 rows)" in str(err.value)


def test_validator_cross_column_rules(small_cohort):
    df = small_cohort.copy()
    man = int(np.flatnonzero(df["sex"] == "male")[0])
    df.loc[man, "parity"] = 2
    with pytest.raises(CohortError, match="'parity': births recorded for a man"):
        validate_cohort(df)
    df = small_cohort.copy()
    never = int(np.flatnonzero(df["smoking"] == "never")[0])
    df.loc[never, "smoking_quit_age"] = 30.0
    with pytest.raises(CohortError, match="'smoking_quit_age': given for a person who is not a former smoker"):
        validate_cohort(df)
    df = small_cohort.copy()
    df.loc[0, "prior_dvt"] = True
    df.loc[0, "prior_dvt_age"] = np.nan
    with pytest.raises(CohortError, match="'prior_dvt_age': missing"):
        validate_cohort(df)
    with pytest.raises(CohortError, match="missing column"):
        validate_cohort(small_cohort.drop(columns="weight"))
    with pytest.raises(CohortError, match="duplicate ids"):
        validate_cohort(small_cohort.assign(person_id=0))
