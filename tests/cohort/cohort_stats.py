"""Seeded statistical checks with stated false-alarm rates (shared by the cohort tests)."""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Per-check false-alarm probability. Each test file makes at most ~60 checks, so a
#: correct generator fails a file with probability below 60 * 1e-4 < 1%; the seeds are
#: fixed, so a pass is reproducible and a failure means a real discrepancy of a few SE.
ALPHA = 1e-4
Z = float(stats.norm.isf(ALPHA / 2))  # 3.89: two-sided normal quantile for ALPHA


def assert_binomial(k: int, n: int, p: float, what: str = "") -> None:
    """Exact two-sided binomial test of ``k`` successes in ``n`` against probability ``p``."""
    pvalue = stats.binomtest(int(k), int(n), float(p)).pvalue
    assert pvalue > ALPHA, f"{what}: {k}/{n} = {k / n:.4f} against p = {p:.4f} (exact binomial p = {pvalue:.2g})"


def assert_mean(x: np.ndarray, expected: float, what: str = "", sd: float | None = None) -> None:
    """Normal-theory test of a sample mean (sd estimated from ``x`` unless given)."""
    x = np.asarray(x, float)
    se = (x.std(ddof=1) if sd is None else sd) / np.sqrt(x.size)
    assert abs(x.mean() - expected) < Z * se, f"{what}: mean {x.mean():.5f} against {expected:.5f} (se {se:.2g})"


def assert_uniform(x: np.ndarray, what: str = "") -> None:
    """Kolmogorov-Smirnov test that ``x`` is Uniform(0, 1)."""
    pvalue = stats.kstest(np.asarray(x, float), "uniform").pvalue
    assert pvalue > ALPHA, f"{what}: not uniform (KS p = {pvalue:.2g})"


def assert_counts(observed: np.ndarray, probs: np.ndarray, what: str = "") -> None:
    """Chi-square goodness of fit of category counts to probabilities."""
    observed = np.asarray(observed, float).ravel()
    expected = np.asarray(probs, float).ravel() * observed.sum()
    keep = expected > 0
    assert observed[~keep].sum() == 0, f"{what}: counts in impossible cells"
    pvalue = stats.chisquare(observed[keep], expected[keep]).pvalue
    assert pvalue > ALPHA, f"{what}: chi-square p = {pvalue:.2g}; observed {observed[keep]}, expected {expected[keep].round(1)}"
