"""A cheap stand-in for the study designs, for fast tests of the ABC machinery.

Two real calibrated leaves drive three binomial "studies" of 400 persons each; the
calibration's model adds each study's error (3 percentage points) as it does for the real
targets. The function is seeded, so the same seed gives the same figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RATE = "natural_history.transitions.telangiectasia.rate_per_year"  # log-uniform prior (0.01, 1)
SLOPE = "natural_history.transitions.varicose_veins.log_slope_per_year"  # uniform prior (0, 0.08)
KEYS = (RATE, SLOPE)
PERSONS = 400


def toy_probabilities(rate: float, slope: float) -> dict[str, float]:
    p1 = 1.0 - np.exp(-2.0 * rate)
    p2 = 0.1 + 8.0 * slope
    return {"toy_a": p1, "toy_b": p2, "toy_ab": p1 * p2}


def toy_simulate(values: dict[str, float], seed: int) -> dict[str, tuple[float, float]]:
    """Percent of PERSONS with each toy event, and its binomial standard error."""
    probs = toy_probabilities(float(values[RATE]), float(values[SLOPE]))
    rng = np.random.default_rng(seed)
    out = {}
    for t, p in probs.items():
        v = rng.binomial(PERSONS, p) / PERSONS
        out[t] = (100.0 * v, 100.0 * np.sqrt(max(v * (1 - v), 1e-4) / PERSONS))
    return out


def toy_targets() -> pd.DataFrame:
    """Observed figures at rate 0.3, slope 0.04, each with a 95% interval of +-5.88 points (scale 3)."""
    probs = toy_probabilities(0.3, 0.04)
    rows = [{"target_id": t, "quantity": t, "unit": "percent", "value": 100 * p, "low": 100 * p - 5.88,
             "high": 100 * p + 5.88} for t, p in probs.items()]  # fmt: skip
    return pd.DataFrame(rows).set_index("target_id", drop=False)
