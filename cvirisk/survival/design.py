"""Covariates through a formula: categories with a reference level, interactions, splines.

A regression model in cvirisk sees numbers only. :class:`Design` turns the columns of a
validated cohort table into a numeric design matrix with formulaic (``C(x)`` for a category,
``C(x, contr.treatment("b"))`` to choose the reference level, ``a:b`` and ``a*b`` for
interactions, ``bs(age, df=3)`` and ``cr(age, df=4)`` for splines, ``I(bmi / 5)`` for a
transform). Text columns named without ``C()`` become categories as well, with the first
level in sorted order as the reference, as R does. The intercept is dropped (the baseline
hazard plays its part). The encoding learnt in ``fit`` (levels, spline knots) is kept, so
new rows -- a person in the risk calculator -- are encoded the same way.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"sex": ["F", "M", "F", "M"], "age": [50.0, 60, 70, 80]})
>>> d = Design.from_covariates(["age", "sex"]).fit(df)
>>> d.columns_
['age', 'sex[T.M]']
>>> d.transform(pd.DataFrame({"sex": ["M"], "age": [55.0]})).to_numpy().tolist()
[[55.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cvirisk.exceptions import InputError, NotFittedError

__all__ = ["Design"]


def _quote(name: str) -> str:
    """A column name as a formula term (backticks unless it is a plain identifier)."""
    return name if name.isidentifier() else "`" + name.replace("`", "") + "`"


class Design:
    """A formula's right-hand side, fitted to a table (formulaic's ``model_matrix``).

    Parameters
    ----------
    formula : str
        Right-hand side, e.g. ``"age + C(sex) + C(celltype, contr.treatment('squamous'))"``.

    Attributes (after ``fit``): ``columns_`` (design-matrix column names), ``variables_``
    (table columns the formula reads), ``levels_`` (category -> levels, reference first).
    """

    def __init__(self, formula: str):
        self.formula = formula

    @classmethod
    def from_covariates(cls, covariates: Sequence[str]) -> Design:
        """Each covariate as its own term (text columns become categories)."""
        design = cls(" + ".join(_quote(str(c)) for c in covariates) or "0")
        design._origin = "--covariates"
        return design

    def _label(self) -> str:
        if getattr(self, "_origin", "") == "--covariates":
            return "covariates"
        return f"--formula {self.formula!r}"

    def fit(self, df: pd.DataFrame) -> Design:
        import formulaic

        try:
            mm = formulaic.model_matrix(self.formula, df, na_action="raise")
        except Exception as exc:  # formulaic raises many types for a bad formula or variable
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise InputError(f"{self._label()}: {reason}") from None
        spec = mm.model_spec
        keep = [c for c in mm.columns if c != "Intercept"]
        if not keep:
            raise InputError(f"{self._label()}: no covariate terms")
        x = mm[keep].to_numpy(float)
        x = x - x.mean(axis=0)
        if np.linalg.matrix_rank(x) < len(keep):
            redundant, rank = [], 0
            for j in range(len(keep)):  # a column that adds no rank is a combination of the ones before it
                r = np.linalg.matrix_rank(x[:, : j + 1])
                if r == rank:
                    redundant.append(keep[j])
                rank = r
            raise InputError(f"{self._label()}: {', '.join(map(repr, redundant))} "
                             f"{'is a linear combination' if len(redundant) == 1 else 'are linear combinations'} "
                             "of the other covariates (or constant); leave "
                             f"{'it' if len(redundant) == 1 else 'them'} out")
        self.spec_ = spec
        self.columns_ = keep
        self.variables_ = [str(c) for c in df.columns if str(c) in self.formula]
        self.levels_ = {str(name): list(state[1].get("categories", []))
                        for name, state in spec.encoder_state.items() if "categories" in state[1]}
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """The design matrix of ``df`` (same encoding as in ``fit``), one row a row of ``df``."""
        if not hasattr(self, "spec_"):
            raise NotFittedError("Design is not fitted yet; call fit first")
        try:
            mm = self.spec_.get_model_matrix(df, na_action="raise")
        except Exception as exc:
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise InputError(f"cannot encode the rows with {self.formula!r}: {reason}") from None
        out = pd.DataFrame(mm[self.columns_].to_numpy(float), columns=self.columns_)
        out.index = df.index
        return out

    def __repr__(self) -> str:
        return f"Design({self.formula!r})"
