"""Sobol indices (SALib): the Ishigami function's known indices, and the simulator with a tiny cohort."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from cvirisk.calibration.sensitivity import input_quantiles, simulator_sobol, sobol_indices
from cvirisk.exceptions import ParameterError
from cvirisk.params import load_params

# Ishigami (a = 7, b = 0.1), inputs uniform on (-pi, pi): analytic first-order and total indices
A, B = 7.0, 0.1
V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
TRUE_S1 = {"x1": V1 / V, "x2": V2 / V, "x3": 0.0}
TRUE_ST = {"x1": (V1 + V13) / V, "x2": V2 / V, "x3": V13 / V}


def test_ishigami_indices_match_the_analytic_values():
    ppf = [lambda u: -np.pi + 2 * np.pi * u] * 3
    tab = sobol_indices(Ishigami.evaluate, ["x1", "x2", "x3"], ppf, n=1024, seed=1)
    for x in ("x1", "x2", "x3"):
        # SALib's bootstrap half-width is 1.96 standard errors; allow two of them (about 4 sd)
        assert abs(tab.loc[x, "S1"] - TRUE_S1[x]) < 2 * tab.loc[x, "S1_conf"], (x, tab.loc[x])
        assert abs(tab.loc[x, "ST"] - TRUE_ST[x]) < 2 * tab.loc[x, "ST_conf"], (x, tab.loc[x])
    assert tab.loc["x3", "ST"] > 0.15 and abs(tab.loc["x3", "S1"]) < 0.1  # x3 acts only with x1


def test_inputs_need_a_distribution():
    params = load_params()
    with pytest.raises(ParameterError, match="no distribution"):
        input_quantiles(params, ["cohort.size_never_declared"])
    (q,) = input_quantiles(params, ["natural_history.transitions.pigmentation.rate_per_year"])
    assert q(np.array([0.0]))[0] == pytest.approx(0.00005) and q(np.array([1.0]))[
        0
    ] == pytest.approx(0.03)


def test_simulator_sobol_ranks_the_rate_that_makes_the_class():
    """Bonn C4 (skin changes) share: the pigmentation rate drives it, the DVT rate barely does."""
    keys = [
        "natural_history.transitions.pigmentation.rate_per_year",
        "natural_history.transitions.dvt.rate_per_year",
    ]
    tab = simulator_sobol(load_params(), keys, "bonn1_c4_all", n=8, persons=400, seed=2)
    assert list(tab.index) == keys and np.isfinite(tab.to_numpy()).all()
    assert tab.loc[keys[0], "ST"] > 0.5 and tab.loc[keys[0], "ST"] > 3 * abs(tab.loc[keys[1], "ST"])
