"""Which population a cohort is drawn from: conditions and oversampling (:class:`CohortSpec`).

A spec narrows the population (a fixed age, an age range, one sex, a subset of smoking
statuses) or tilts the sampling towards some persons (older age bands, obesity) and
records the tilt in the ``weight`` column, so that weighted estimates recover the
(conditional) population. Nothing is drawn and discarded: every condition is met by
sampling from the exact conditional distribution (see :mod:`cvirisk.cohort.generator`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cvirisk.exceptions import CohortError

__all__ = ["CohortSpec", "SEXES", "SMOKING"]

#: Categories of ``sex`` and ``smoking``, in the order of the cohort contract.
SEXES: tuple[str, ...] = ("female", "male")
SMOKING: tuple[str, ...] = ("never", "current", "former")


def _number(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise CohortError(f"cohort spec: {name}: {value!r} is not a number") from None
    if not math.isfinite(out):
        raise CohortError(f"cohort spec: {name}: must be finite, got {value!r}")
    return out


@dataclass(frozen=True)
class CohortSpec:
    """Conditions and oversampling for :func:`cvirisk.cohort.generate_cohort`.

    Parameters
    ----------
    age
        Everyone has this baseline age (years).
    age_min, age_max
        Baseline age drawn from the population restricted to ``[age_min, age_max)``;
        either bound may be left out (the age-band table's limits apply).
    sex
        ``"female"`` or ``"male"``: a one-sex cohort.
    smoking
        Allowed smoking statuses, a subset of ``("never", "current", "former")``.
    oversample_age
        One relative sampling factor per age band of ``cohort.age_bands`` (e.g.
        ``(1, 1, 1, 1, 2, 3)`` draws persons aged 60-69 twice and 70-79 three times as
        often as the population has them); weights undo it.
    oversample_obese
        Factor on the odds of drawing an obese person (BMI >= 30); weights undo it.

    Examples
    --------
    >>> CohortSpec(age=50).is_plain
    False
    >>> CohortSpec(smoking=("current", "former")).smoking
    ('current', 'former')
    >>> CohortSpec(age_min=60, age_max=50)
    Traceback (most recent call last):
    ...
    cvirisk.exceptions.CohortError: cohort spec: age range: age_min 60 must be below age_max 50
    """

    age: float | None = None
    age_min: float | None = None
    age_max: float | None = None
    sex: str | None = None
    smoking: tuple[str, ...] | None = None
    oversample_age: tuple[float, ...] | None = None
    oversample_obese: float = 1.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("age", "age_min", "age_max"):
            set_(self, name, _number(name, getattr(self, name)))
        if self.age is not None and (self.age_min is not None or self.age_max is not None):
            raise CohortError("cohort spec: age: give a fixed age or an age range, not both")
        if self.age_min is not None and self.age_max is not None and not self.age_min < self.age_max:
            raise CohortError(
                f"cohort spec: age range: age_min {self.age_min:g} must be below age_max {self.age_max:g}"
            )
        if self.sex is not None and self.sex not in SEXES:
            raise CohortError(f"cohort spec: sex: {self.sex!r} is not one of {', '.join(SEXES)}")
        if self.smoking is not None:
            if isinstance(self.smoking, str):
                set_(self, "smoking", tuple(s.strip() for s in self.smoking.split(",") if s.strip()))
            values = tuple(self.smoking)
            unknown = [s for s in values if s not in SMOKING]
            if unknown or not values:
                raise CohortError(
                    f"cohort spec: smoking: {unknown[0] if unknown else 'empty'!r} is not a subset of "
                    f"{', '.join(SMOKING)}"
                )
            set_(self, "smoking", tuple(s for s in SMOKING if s in values))
        if self.oversample_age is not None:
            factors = tuple(_number("oversample_age", f) for f in self.oversample_age)
            if not factors or any(f <= 0 for f in factors):
                raise CohortError("cohort spec: oversample_age: factors must be positive")
            set_(self, "oversample_age", factors)
        obese = _number("oversample_obese", self.oversample_obese)
        if obese is None or obese <= 0:
            raise CohortError(f"cohort spec: oversample_obese: must be positive, got {self.oversample_obese!r}")
        set_(self, "oversample_obese", obese)

    @property
    def is_plain(self) -> bool:
        """True when the spec neither conditions nor oversamples (the whole population)."""
        return self == CohortSpec()
