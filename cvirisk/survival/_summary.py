"""A summary table with lifelines' columns, built from coefficients and standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SUMMARY_COLUMNS = (
    "coef", "exp(coef)", "se(coef)", "coef lower {ci}%", "coef upper {ci}%",
    "exp(coef) lower {ci}%", "exp(coef) upper {ci}%", "cmp to", "z", "p", "-log2(p)",
)


def summary_table(params: pd.Series, se: pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    """lifelines' summary columns (Wald intervals and tests against 0), one row a covariate.

    Examples
    --------
    >>> t = summary_table(pd.Series({"x": 0.0}), pd.Series({"x": 1.0}))
    >>> list(t.columns)[:3], float(t.loc["x", "p"])
    (['coef', 'exp(coef)', 'se(coef)'], 1.0)
    """
    ci = f"{100 * (1 - alpha):g}"
    z_crit = stats.norm.isf(alpha / 2)
    b = params.astype(float)
    s = se.reindex(b.index).astype(float)
    z = b / s
    p = 2 * stats.norm.sf(np.abs(z))
    with np.errstate(divide="ignore"):
        log2p = -np.log2(p)
    cols = [c.format(ci=ci) for c in SUMMARY_COLUMNS]
    values = [b, np.exp(b), s, b - z_crit * s, b + z_crit * s, np.exp(b - z_crit * s),
              np.exp(b + z_crit * s), 0.0 * b, z, p, log2p]
    out = pd.DataFrame(dict(zip(cols, values, strict=True)), index=b.index)
    out.index.name = "covariate"
    return out
