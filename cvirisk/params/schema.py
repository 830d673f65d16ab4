"""Typed, frozen, validated parameter objects (pydantic), with semantic checks.

Every number is a :class:`Quantity`-like leaf holding ``value`` and ``source``; a leaf may
declare ``uncertainty`` (for probabilistic sensitivity analysis) and ``calibrate`` bounds
(for calibration). Unknown keys are errors everywhere (``extra="forbid"``).
"""

from __future__ import annotations

import math
from typing import Annotated, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cvirisk.params.model_spec import FEATURES, check_numbers

T = TypeVar("T")

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Node(BaseModel):
    model_config = _STRICT


class Bounds(_Node):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("bounds must be finite")
        if self.low > self.high:
            raise ValueError(f"range low {self.low} > high {self.high}")
        return self


class Calibrate(Bounds):
    """Calibration bounds and the prior of the Bayesian calibration (:mod:`cvirisk.calibration.bayes`).

    ``prior``: ``loguniform`` (uniform in the logarithm, for rates and hazard ratios whose
    order of magnitude is what is unknown) or ``uniform`` on ``(low, high)``; ``why`` says
    why. Both are optional for the block search but required by the Bayesian calibration.
    """

    prior: Literal["uniform", "loguniform"] | None = None
    why: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _positive_for_log(self) -> Calibrate:
        if self.prior == "loguniform" and not self.low > 0:
            raise ValueError(f"a loguniform prior needs low > 0, got low {self.low}")
        if self.prior is not None and not self.high > self.low:
            raise ValueError(f"a prior needs low < high, got ({self.low}, {self.high})")
        return self


class Uncertainty(Bounds):
    """A distribution for PSA whose central 95% interval is (low, high)."""

    distribution: Literal["lognormal", "beta", "normal", "uniform", "gamma"]


class Q(_Node, Generic[T]):
    """A parameter leaf: a value with its source."""

    value: T
    source: Annotated[str, Field(min_length=1)]
    uncertainty: Uncertainty | None = None
    calibrate: Calibrate | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, v: object) -> object:
        # lax pydantic turns true/false (or YAML yes/no) into 1.0/0.0; a number must be written as one
        if cls.model_fields["value"].annotation is not bool and _has_bool(v):
            raise ValueError("expected a number, got a boolean (true/false)")
        return v

    @model_validator(mode="after")
    def _inside_bounds(self) -> Q:
        v = self.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            # a value may lie outside its uncertainty or calibration range (PSA draws,
            # fitted overlays); the ranges themselves are checked by Bounds.
            if math.isnan(float(v)):
                raise ValueError("value must be a number, not NaN")
        return self


def _has_bool(v: object) -> bool:
    if isinstance(v, list | tuple):
        return any(_has_bool(x) for x in v)
    return isinstance(v, bool)


def _finite_leaves(node: object, where: str) -> None:
    """Raise if a number under ``node`` (a dumped section) is infinite."""
    if isinstance(node, dict):
        for key, value in node.items():
            _finite_leaves(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list | tuple):
        for value in node:
            _finite_leaves(value, where)
    elif isinstance(node, float) and not math.isfinite(node):
        raise ValueError(f"{where}: must be finite, got {node}")


def _positive(q: Q, what: str) -> Q:
    if not q.value > 0:
        raise ValueError(f"{what} must be > 0, got {q.value}")
    return q


def _non_negative(q: Q, what: str) -> Q:
    if not q.value >= 0:
        raise ValueError(f"{what} must be >= 0, got {q.value}")
    return q


def _probability(q: Q) -> Q:
    if not 0.0 <= q.value <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {q.value}")
    return q


def _distribution(values: list[float], what: str) -> None:
    arr = np.asarray(values, dtype=float)
    if (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"{what}: probabilities must be in [0, 1]")
    if abs(arr.sum() - 1.0) > 1e-6:
        raise ValueError(f"{what}: probabilities sum to {arr.sum():.6g}, not 1")


class Meta(_Node):
    name: str
    version: int
    description: str = ""


class Simulation(_Node):
    history_start_age: Q[float]
    max_age: Q[float]
    reference_age: Q[float]

    @model_validator(mode="after")
    def _ages(self) -> Simulation:
        if not 0 <= self.history_start_age.value < self.max_age.value <= 120:
            raise ValueError("need 0 <= history_start_age < max_age <= 120")
        return self


class AgeBands(_Node):
    lower: list[float]
    upper: list[float]
    share: Q[list[float]]
    female_share: Q[list[float]]

    @model_validator(mode="after")
    def _bands(self) -> AgeBands:
        n = len(self.lower)
        if n == 0 or len(self.upper) != n or len(self.share.value) != n or len(self.female_share.value) != n:
            raise ValueError("lower, upper, share and female_share must have the same non-zero length")
        for i, (lo, hi) in enumerate(zip(self.lower, self.upper, strict=True)):
            if lo >= hi:
                raise ValueError(f"band {i}: range low {lo} >= high {hi}")
            if i and lo != self.upper[i - 1]:
                raise ValueError(f"band {i}: lower {lo} does not continue the previous upper {self.upper[i - 1]}")
        _distribution(self.share.value, "share")
        for p in self.female_share.value:
            if not 0 <= p <= 1:
                raise ValueError(f"female_share: {p} is not a probability")
        return self


class Smoking(_Node):
    male: Q[list[list[float]]]
    female: Q[list[list[float]]]
    start_age: Q[float]
    quit_rate_per_year: Q[float]

    @model_validator(mode="after")
    def _rows(self) -> Smoking:
        for sex, table in (("male", self.male.value), ("female", self.female.value)):
            for i, row in enumerate(table):
                if len(row) != 3:
                    raise ValueError(f"{sex}: row {i} must be (never, current, former)")
                _distribution(row, f"{sex} row {i}")
        _non_negative(self.quit_rate_per_year, "quit_rate_per_year")
        return self


class Bmi(_Node):
    mean_at_40_male: Q[float]
    mean_at_40_female: Q[float]
    drift_per_year: Q[float]
    drift_end_age: Q[float]
    sd_log: Q[float]
    minimum: Q[float]

    @model_validator(mode="after")
    def _checks(self) -> Bmi:
        for name in ("mean_at_40_male", "mean_at_40_female", "sd_log", "minimum"):
            _positive(getattr(self, name), name)
        return self


class Work(_Node):
    share: Q[float]
    standing_fraction: Q[float]
    retirement_age: Q[float]

    _p = field_validator("share", "standing_fraction")(classmethod(lambda cls, q: _probability(q)))


class Share(_Node):
    share: Q[float]

    _p = field_validator("share")(classmethod(lambda cls, q: _probability(q)))


class Parity(_Node):
    distribution: Q[list[float]]

    @model_validator(mode="after")
    def _sum(self) -> Parity:
        _distribution(self.distribution.value, "distribution")
        return self


class Correlation(_Node):
    order: list[Literal["bmi", "smoking", "work", "family_history"]]
    matrix: Q[list[list[float]]]

    @model_validator(mode="after")
    def _psd(self) -> Correlation:
        m = np.asarray(self.matrix.value, dtype=float)
        k = len(self.order)
        if sorted(self.order) != sorted(set(self.order)) or k != 4:
            raise ValueError("order must name bmi, smoking, work and family_history once each")
        if m.shape != (k, k):
            raise ValueError(f"matrix must be {k}x{k}")
        if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1.0):
            raise ValueError("matrix must be symmetric with a unit diagonal")
        if np.linalg.eigvalsh(m).min() <= 0:
            raise ValueError("matrix must be positive definite")
        return self


class Cohort(_Node):
    age_bands: AgeBands
    smoking: Smoking
    bmi: Bmi
    work: Work
    family_history: Share
    parity: Parity
    congenital_absence: Share
    correlation: Correlation

    @model_validator(mode="after")
    def _smoking_rows(self) -> Cohort:
        _finite_leaves(self.model_dump(exclude_none=True), "")
        n = len(self.age_bands.lower)
        for sex in ("male", "female"):
            if len(getattr(self.smoking, sex).value) != n:
                raise ValueError(f"smoking.{sex} needs one row per age band ({n})")
        return self


class VenousPressure(_Node):
    normal_mmhg: Q[float]
    superficial_reflux_mmhg: Q[float]
    deep_reflux_mmhg: Q[float]
    per_segment_mmhg: Q[float]
    obstruction_mmhg: Q[float]
    per_bmi_unit_mmhg: Q[float]


class Frailty(_Node):
    sd_log: Q[float]

    @model_validator(mode="after")
    def _checks(self) -> Frailty:
        _non_negative(self.sd_log, "sd_log")
        return self


class Transition(_Node):
    """The numbers of one declared transition: a Gompertz hazard in its clock with hazard
    ratios on named features. A life-table transition has no slope; its optional
    ``rate_per_year`` multiplies the table (1 when absent; 0 switches it off)."""

    rate_per_year: Q[float] | None = None
    log_slope_per_year: Q[float] | None = None
    hazard_ratios: dict[str, Q[float]] = {}

    @model_validator(mode="after")
    def _checks(self) -> Transition:
        if self.log_slope_per_year is not None and self.rate_per_year is None:
            raise ValueError("log_slope_per_year needs rate_per_year")
        if self.rate_per_year is not None:
            _non_negative(self.rate_per_year, "rate_per_year")
            slope = 0.0 if self.log_slope_per_year is None else self.log_slope_per_year.value
            if not math.isfinite(self.rate_per_year.value) or not math.isfinite(slope):
                raise ValueError("rate_per_year and log_slope_per_year must be finite")
        for name, hr in self.hazard_ratios.items():
            if name not in FEATURES:
                raise ValueError(f"hazard ratio on unknown feature {name!r} (features: the model's variables, "
                                 "other.<leg variable>, bmi_per_5, avp_per_10)")
            _positive(hr, f"hazard ratio {name}")
            if not math.isfinite(hr.value):
                raise ValueError(f"hazard ratio {name} must be finite")
        return self


class NaturalHistory(_Node):
    transitions: dict[str, Transition]

    @model_validator(mode="after")
    def _structure(self) -> NaturalHistory:
        check_numbers(self.transitions)
        return self


class Thrombosis(_Node):
    pe_probability: Q[float]
    pe_case_fatality: Q[float]
    pts_probability: Q[float]
    obstruction_probability: Q[float]

    _p = field_validator("pe_probability", "pe_case_fatality", "pts_probability", "obstruction_probability")(
        classmethod(lambda cls, q: _probability(q))
    )


class Care(_Node):
    duplex_sensitivity: Q[float]
    duplex_specificity: Q[float]
    compression_adherence: Q[float]
    compression_min_class: Q[int]
    surgery_referral_min_class: Q[int]
    surgery_operations_per_year_per_100000: Q[float]
    surgery_theatres: Q[int]
    surgery_catchment_population: Q[int]
    surgery_segments_removed: Q[int]

    _p = field_validator("duplex_sensitivity", "duplex_specificity", "compression_adherence")(
        classmethod(lambda cls, q: _probability(q))
    )

    @model_validator(mode="after")
    def _checks(self) -> Care:
        for name in ("compression_min_class", "surgery_referral_min_class"):
            if not 1 <= getattr(self, name).value <= 6:
                raise ValueError(f"{name} must be a CEAP class from 1 to 6")
        if self.surgery_theatres.value < 1:
            raise ValueError("surgery_theatres must be at least 1")
        if self.surgery_catchment_population.value < 1:
            raise ValueError("surgery_catchment_population must be at least 1 person")
        # .inf means unlimited capacity (no waiting list)
        _non_negative(self.surgery_operations_per_year_per_100000, "surgery_operations_per_year_per_100000")
        return self


class Utilities(_Node):
    """EQ-5D index by the person's CEAP class (C0-C5) and while an ulcer is open (C6)."""

    C0: Q[float]
    C1: Q[float]
    C2: Q[float]
    C3: Q[float]
    C4: Q[float]
    C5: Q[float]
    open_ulcer: Q[float]

    @model_validator(mode="after")
    def _at_most_one(self) -> Utilities:
        for name, q in self:
            if not q.value <= 1.0:
                raise ValueError(f"{name}: a utility must be at most 1 (full health), got {q.value}")
        return self


class UtilityDecrements(_Node):
    dvt: Q[float]
    pe: Q[float]
    post_thrombotic_syndrome: Q[float]

    _p = field_validator("dvt", "pe", "post_thrombotic_syndrome")(classmethod(lambda cls, q: _probability(q)))


class EpisodeYears(_Node):
    dvt: Q[float]
    pe: Q[float]

    _p = field_validator("dvt", "pe")(classmethod(lambda cls, q: _non_negative(q, "episode_years")))


class Costs(_Node):
    duplex_scan: Q[float]
    compression_per_year: Q[float]
    surgery: Q[float]
    ulcer_care_per_week: Q[float]
    infection: Q[float]
    dvt_treatment: Q[float]
    pe_treatment: Q[float]

    @model_validator(mode="after")
    def _non_negative(self) -> Costs:
        for name, q in self:
            _non_negative(q, name)
        _finite_leaves(self.model_dump(exclude_none=True), "")
        return self


class Economics(_Node):
    """Utilities, costs (``currency`` at ``price_year`` prices) and annual discount rates."""

    currency: Q[str]
    price_year: Q[int]
    discount_rate_costs_per_year: Q[float]
    discount_rate_effects_per_year: Q[float]
    utilities: Utilities
    utility_decrements: UtilityDecrements
    episode_years: EpisodeYears
    costs: Costs

    @model_validator(mode="after")
    def _rates(self) -> Economics:
        for name in ("discount_rate_costs_per_year", "discount_rate_effects_per_year"):
            if not 0.0 <= getattr(self, name).value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name).value}")
        return self


class Params(_Node):
    """All parameters of cvirisk: cohort distributions, natural history, care."""

    meta: Meta
    simulation: Simulation
    cohort: Cohort
    venous_pressure: VenousPressure
    frailty: Frailty
    natural_history: NaturalHistory
    thrombosis: Thrombosis
    care: Care
    economics: Economics
