"""Simulation cohort files: checked block by block with rows numbered in the file."""

from __future__ import annotations

import pytest

from cvirisk.cohort import generate_cohort
from cvirisk.exceptions import CohortError
from cvirisk.io.sim_cohort import check_parquet_cohort, header_names, read_sim_cohort


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(250, seed=2)


def _parquet(df, path, rows_per_group=40):
    df.to_parquet(path, index=False, row_group_size=rows_per_group)
    return path


@pytest.mark.parametrize(("block", "held"), [(7, "176-182"), (40, "161-200"), (1000, "161-200")])
def test_rows_count_from_1_in_the_file_whatever_the_block(cohort, tmp_path, block, held):
    bad = cohort.copy()
    bad.loc[[181, 183, 203], "bmi"] = -1.0
    path = _parquet(bad, tmp_path / "c.parquet")  # row groups of 40 rows
    with pytest.raises(CohortError, match=rf"^c.parquet: column 'bmi': not a positive finite number in rows 182[, 184]* "
                                          rf"\(\d rows?\) \(the file is checked in blocks; this block holds rows {held} of 250\)$"):
        check_parquet_cohort(path, block=block)
    with pytest.raises(CohortError, match=r"^one.parquet: column 'bmi': not a positive finite number in rows 182, 184, 204 \(3 rows\)$"):
        check_parquet_cohort(_parquet(bad, tmp_path / "one.parquet", rows_per_group=250), block=1000)


def test_a_duplicate_id_in_two_blocks_is_found(cohort, tmp_path):
    bad = cohort.copy()
    bad.loc[240, "person_id"] = bad.loc[3, "person_id"]
    path = _parquet(bad, tmp_path / "c.parquet")
    with pytest.raises(CohortError, match=r"duplicate ids in rows 4, 241 \(2 rows\)"):
        check_parquet_cohort(path, block=50)
    assert check_parquet_cohort(_parquet(cohort, tmp_path / "ok.parquet"), block=50) == len(cohort)


def test_repeated_column_names_are_refused_not_renamed(cohort, tmp_path):
    path = tmp_path / "c.csv"
    text = cohort.assign(extra=1.0).to_csv(index=False).replace(",extra", ",age", 1)
    path.write_text(text)
    assert header_names(path).count("age") == 2
    with pytest.raises(CohortError, match=r"column name\(s\) 'age' appear more than once"):
        read_sim_cohort(path)


def test_ages_outside_the_simulated_range(cohort, tmp_path, params):
    bad = cohort.copy()
    bad["age"] = bad["age"].astype(float)
    row = int(((bad["smoking"] == "never") & ~bad["prior_dvt"]).to_numpy().nonzero()[0][0])
    bad.loc[row, "age"] = 17.5
    path = tmp_path / "c.csv"
    bad.to_csv(path, index=False)
    read_sim_cohort(path)  # within the contract ...
    with pytest.raises(CohortError, match=rf"column 'age': outside the simulated ages \[18, 100\) in rows {row + 1} \(1 row\)"):
        read_sim_cohort(path, params)  # ... but not simulated
