from pathlib import Path

import pytest

from cvirisk.calibration import load_targets, targets_path
from cvirisk.calibration.targets import INPUT_TARGETS, REQUIRED_COLUMNS, target_scale
from cvirisk.exceptions import InputError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "targets.csv"


def test_packaged_targets_start_with_the_shared_file_verbatim():
    """The packaged copy is the shared file, extended only by rows of further published figures."""
    if not SHARED.is_file():
        pytest.skip("shared targets not present")
    assert targets_path().read_bytes().startswith(SHARED.read_bytes())


def test_every_target_has_a_resolved_source_and_a_role():
    t = load_targets()
    assert len(t) == 34
    assert list(t.columns[: len(REQUIRED_COLUMNS)]) == list(REQUIRED_COLUMNS)
    assert (t["source_full"].str.len() > 10).all()
    assert "same" not in set(t["source_full"].str.lower())
    assert t.loc["bonn1_c6_all", "source_full"].startswith("Rabe E et al. Bonner Venenstudie")
    assert t.loc["vte_incidence_85_up", "source_full"].startswith("Naess IA")
    assert t.loc["bonn1_c6_all", "source"] == "same"  # the text is kept as written
    assert set(t.index[t["role"] == "input"]) == set(INPUT_TARGETS)
    assert t.loc["evs_vv_incidence_13y", ["value", "low", "high"]].tolist() == [18.2, 15.2, 21.6]


def test_missing_column_is_named(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("target_id,quantity,value\nx,share,1\n")
    with pytest.raises(InputError, match="missing columns population, low, high, unit, source, note"):
        load_targets(bad)


def test_interval_must_contain_value(tmp_path):
    text = targets_path().read_text().replace("18.2,15.2,21.6", "18.2,19.0,21.6")
    p = tmp_path / "t.csv"
    p.write_text(text)
    with pytest.raises(InputError, match="evs_vv_incidence_13y"):
        load_targets(p)


def test_scale_rules():
    assert target_scale(10.0, None, None) == pytest.approx(1.0)
    assert target_scale(2.17, 1.52, 3.10) == pytest.approx((3.10 - 1.52) / 2 / 1.96)
