"""cvirisk against the results R's cmprsk printed for its own test data (test.Rout.save, 2001).

The data (``cvirisk/data/cmprsk_example.csv``) are re-drawn by ``synthetic/make_cmprsk_example.py``;
the first test shows they are R's by reproducing every printed ``cuminc`` estimate to its 7
digits, so the ``crr`` comparison that follows is against a published printout, not against
another implementation of ours.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cvirisk.data import cmprsk_printout, load_cmprsk_example
from cvirisk.survival.competing import AalenJohansen, FineGray

ROOT = Path(__file__).resolve().parents[2]
PRINTOUT = cmprsk_printout()


def _signif(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def _printed_digits(text: float) -> int:
    """Significant digits R printed for a number as quoted (trailing zeros count)."""
    mantissa = f"{abs(text):.6g}".lstrip("0.").replace(".", "")
    return max(len(mantissa), 1)


def test_the_generator_rebuilds_the_shipped_data():
    spec = importlib.util.spec_from_file_location(
        "make_cmprsk_example", ROOT / "synthetic" / "make_cmprsk_example.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = load_cmprsk_example()
    rebuilt = module.build()
    pd.testing.assert_frame_equal(shipped, rebuilt)


@pytest.mark.parametrize("entry", PRINTOUT["cuminc"], ids=lambda e: e["call"])
def test_aalen_johansen_reproduces_every_printed_cuminc_estimate(entry):
    """7 printed digits: an absolute difference below 5e-8 at times 1, 2, 3, ..."""
    df = load_cmprsk_example()
    checked = 0
    for label, printed in entry["estimates"].items():
        group, cause = (
            (None, int(label))
            if entry["group"] is None
            else (label.split()[0], int(label.split()[1]))
        )
        part = df if group is None else df[df[entry["group"]] == group]
        aj = AalenJohansen().fit(part, entry["time"], "cc", event_of_interest=cause)
        times = np.arange(1, len(printed) + 1, dtype=float)
        ours = aj.predict(times)
        for t, want, got in zip(times, printed, ours, strict=True):
            if want is None:  # R prints NA after the group's last time
                assert t > part[entry["time"]].max()
                continue
            assert abs(got - want) < 5e-8, (
                f"{entry['call']} {label} at {t:g}: {got:.8f} against printed {want}"
            )
            checked += 1
    assert checked >= 9


@pytest.mark.parametrize("entry", PRINTOUT["crr"], ids=lambda e: e["call"])
def test_fine_gray_reproduces_printed_crr_coefficients_and_standard_errors(entry):
    """Each number rounded to the significant digits R printed equals the printed number."""
    df = load_cmprsk_example()
    df = df.dropna(subset=["cv1"]).astype(
        {"cv1": float}
    )  # crr: "3 cases omitted due to missing values"
    assert len(df) == 97
    fit = FineGray().fit(
        df, "ss", "cc", event_of_interest=entry["failcode"], covariates=entry["covariates"]
    )
    for column, key in (("coef", "coefficients"), ("se(coef)", "standard_errors")):
        for name, printed in zip(entry["covariates"], entry[key], strict=True):
            ours = float(fit.summary.loc[name, column])
            digits = _printed_digits(printed)
            assert _signif(ours, digits) == pytest.approx(printed, abs=1e-12), (
                f"{entry['call']} {name} {column}: {ours:.6g} against printed {printed}"
            )
    for name, printed in zip(entry["covariates"], entry["p_values"], strict=True):
        assert round(float(fit.summary.loc[name, "p"]), 2) == pytest.approx(printed)


def test_model_based_errors_differ_from_crr():
    """The inverse information alone misses the censoring term: it does not give crr's numbers."""
    df = load_cmprsk_example().dropna(subset=["cv1"]).astype({"cv1": float})
    model = FineGray(variance="model").fit(df, "ss", "cc", covariates=["cv1", "cv2", "cv3"])
    assert _signif(float(model.standard_errors_["cv3"]), 4) != 0.3544
