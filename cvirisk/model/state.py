"""The struct-of-arrays person state and its construction from a cohort.

One :class:`PersonState` holds every person of a run as arrays of length ``n`` (row ``i`` is
the ``i``-th cohort row). Binary and per-unit drivers and disease features live in the
feature matrix ``X`` (columns :data:`cvirisk.model.hazards.FEATURE_INDEX`), their slopes in
age within the current segment in ``X1``; the remaining disease state is in named arrays.

Deterministic *scheduled* events are the columns of ``sched`` (times in years since baseline,
``inf`` once done or never), in the order of :data:`SCHEDULED`, which also breaks ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.exceptions import CohortError
from cvirisk.model.features import FEATURES
from cvirisk.model.hazards import FEATURE_INDEX as FI
from cvirisk.params.schema import Params

__all__ = [
    "PersonState", "SCHEDULED", "SCHED", "REQUIRED_COLUMNS", "INTERVENTION_COLUMNS", "init_state", "validate_cohort",
]  # fmt: skip

#: Scheduled (deterministic) events; the order breaks ties at equal times.
SCHEDULED: tuple[str, ...] = (
    "history_start",
    "smoking_start",
    "smoking_quit_prior",
    "prior_dvt",
    "bmi_floor",
    "bmi_30",
    "drift_end",
    "retirement",
    "baseline",
    "end_of_follow_up",
    "max_age",
    # per-person driver changes in follow-up, from optional cohort columns (scenarios)
    "intervention_quit",
    "intervention_bmi",
    "intervention_sedentary",
)
SCHED: dict[str, int] = {k: i for i, k in enumerate(SCHEDULED)}

REQUIRED_COLUMNS: tuple[str, ...] = (
    "person_id", "sex", "age", "bmi", "smoking", "smoking_quit_age", "sedentary_work",
    "family_history", "parity", "prior_dvt", "prior_dvt_age", "congenital_absence",
)  # fmt: skip

#: Optional cohort columns scheduling a driver change at ``t >= 0`` (NaN = none) and the
#: scheduled event each sets; ``bmi_change`` (kg/m2, added to BMI) goes with ``bmi_change_at_t``.
INTERVENTION_COLUMNS: dict[str, str] = {
    "quit_smoking_at_t": "intervention_quit",
    "bmi_change_at_t": "intervention_bmi",
    "sedentary_stop_at_t": "intervention_sedentary",
}


class PersonState:
    """Every person's state as arrays; see the module docstring."""

    def __init__(self, n: int, n_transitions: int) -> None:
        f, tr, s = len(FEATURES), n_transitions, len(SCHEDULED)
        self.n = n
        self.pid = np.zeros(n, np.int64)
        self.age0 = np.zeros(n)
        self.t = np.zeros(n)
        self.X = np.zeros((n, f))
        self.X1 = np.zeros((n, f))
        self.E = np.zeros((n, tr))
        self.occ = np.zeros((n, tr), np.int64)
        self.sched = np.full((n, s), np.inf)
        self.congenital = np.zeros(n, bool)
        self.started = np.zeros(n, bool)
        self.followup = np.zeros(n, bool)
        self.done = np.zeros(n, bool)
        self.alive = np.ones(n, bool)
        self.segments = np.zeros(n, np.int64)
        self.telangiectasia = np.zeros(n, bool)
        self.pruritus = np.zeros(n, bool)
        self.pain = np.zeros(n, bool)
        self.calcification = np.zeros(n, np.int64)  # 0 none, 1 punctate, 2 trabecular, 3 reticular
        self.periostitis = np.zeros(n, bool)
        self.pts_pending = np.zeros(n, bool)
        self.diagnosed = np.zeros(n, np.int64)  # 0 never, 1 negative duplex, 2 positive duplex
        self.referred = np.zeros(n, bool)
        self.awaiting_surgery = np.zeros(n, bool)
        self.referral_t = np.full(n, np.nan)
        self.ceap = np.zeros(n, np.int64)
        self.ceap_baseline = np.full(n, -1, np.int64)
        self.cvi_onset_age = np.full(n, np.nan)
        self.dvt_count = np.zeros(n, np.int64)
        self.prescriptions = np.zeros(n, np.int64)
        self.surgeries = np.zeros(n, np.int64)
        self.seq = np.zeros(n, np.int64)
        self.death_t = np.full(n, np.nan)
        self.death_cause = np.full(n, "", dtype=object)
        self.exit_t = np.full(n, np.nan)
        self.exit_reason = np.full(n, "", dtype=object)
        self.bmi_change = np.zeros(n)  # scheduled BMI change of intervention_bmi (kg/m2)

    def feature(self, name: str, idx: np.ndarray) -> np.ndarray:
        """A feature column for persons ``idx``, as booleans for indicator features."""
        return self.X[idx, FI[name]] > 0.5


def validate_cohort(cohort: pd.DataFrame, params: Params) -> None:
    """Raise :class:`CohortError` naming the column and rows when the cohort breaks the contract."""
    missing = [c for c in REQUIRED_COLUMNS if c not in cohort.columns]
    if missing:
        raise CohortError(f"cohort: missing column(s) {', '.join(missing)}")
    if len(cohort) == 0:
        raise CohortError("cohort: no persons")
    pid = cohort["person_id"].to_numpy()
    if pd.isna(pid).any() or (pid.astype(np.int64) < 0).any():
        raise CohortError("cohort: person_id must be non-negative integers")
    if len(np.unique(pid)) != len(pid):
        raise CohortError("cohort: person_id must be unique")
    age = cohort["age"].to_numpy(float)
    lo = float(params.simulation.history_start_age.value)
    hi = float(params.simulation.max_age.value)
    bad = np.flatnonzero(~((age >= lo) & (age < hi)))
    if bad.size:
        raise CohortError(f"cohort: age outside [{lo:g}, {hi:g}) in rows {bad[:5].tolist()}")
    if not set(cohort["sex"].astype(str)) <= {"female", "male"}:
        raise CohortError("cohort: sex must be 'female' or 'male'")
    if not set(cohort["smoking"].astype(str)) <= {"never", "current", "former"}:
        raise CohortError("cohort: smoking must be never, current or former")
    if not np.isfinite(cohort["bmi"].to_numpy(float)).all():
        raise CohortError("cohort: bmi must be finite")
    former = (cohort["smoking"].astype(str) == "former").to_numpy()
    bad = np.flatnonzero(former & ~np.isfinite(cohort["smoking_quit_age"].to_numpy(float)))
    if bad.size:
        raise CohortError(f"cohort: smoking_quit_age missing for former smokers in rows {bad[:5].tolist()}")
    prior = cohort["prior_dvt"].to_numpy(bool)
    bad = np.flatnonzero(prior & ~np.isfinite(cohort["prior_dvt_age"].to_numpy(float)))
    if bad.size:
        raise CohortError(f"cohort: prior_dvt_age missing for prior DVT in rows {bad[:5].tolist()}")


def _crossing_age(b_at: np.ndarray, a_at: float | np.ndarray, slope: float, level: float) -> np.ndarray:
    """Age where ``b_at + slope*(age - a_at)`` reaches ``level`` (nan when slope is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return a_at + (level - b_at) / slope if slope != 0 else np.full_like(b_at, np.nan)


def init_state(params: Params, cohort: pd.DataFrame, years: float, n_transitions: int) -> PersonState:
    """The state of every person at the start of their history (age 18; ``t = 18 - age``).

    Budgets ``E`` are *not* drawn here (the kernel draws them from the named streams).
    BMI follows ``bmi(age) = bmi0 + drift * (min(age, drift_end) - min(age0, drift_end))``
    floored at ``cohort.bmi.minimum`` (for a non-negative drift, the floor can only bind at
    young ages); parity acts as the lifetime number of births from age 18.
    """
    validate_cohort(cohort, params)
    n = len(cohort)
    st = PersonState(n, n_transitions)
    hs = float(params.simulation.history_start_age.value)
    max_age = float(params.simulation.max_age.value)
    st.pid[:] = cohort["person_id"].to_numpy(np.int64)
    st.age0[:] = cohort["age"].to_numpy(np.float64)
    age0 = st.age0
    t0 = hs - age0
    st.t[:] = t0
    female = (cohort["sex"].astype(str) == "female").to_numpy()
    X, X1 = st.X, st.X1
    X[:, FI["female"]] = female
    X[:, FI["family_history"]] = cohort["family_history"].to_numpy(bool)
    X[:, FI["parity_per_birth"]] = np.where(female, cohort["parity"].to_numpy(float), 0.0)
    st.congenital[:] = cohort["congenital_absence"].to_numpy(bool)

    # smoking: current from start_age; former smokers quit at smoking_quit_age (before baseline)
    smoking = cohort["smoking"].astype(str).to_numpy()
    start = float(params.cohort.smoking.start_age.value)
    quit_age = np.clip(cohort["smoking_quit_age"].to_numpy(float), hs, age0)
    smoker = smoking != "never"
    former = smoking == "former"
    quits_before_start = former & (quit_age <= max(start, hs))
    X[:, FI["smoking_former"]] = quits_before_start
    X[:, FI["smoking_current"]] = smoker & ~quits_before_start & (start <= hs)
    if start > hs:
        st.sched[:, SCHED["smoking_start"]] = np.where(smoker & ~quits_before_start, start - age0, np.inf)
    st.sched[:, SCHED["smoking_quit_prior"]] = np.where(former & ~quits_before_start, quit_age - age0, np.inf)

    # sedentary or standing work until retirement
    sed = cohort["sedentary_work"].to_numpy(bool)
    ret = float(params.cohort.sedentary_work.retirement_age.value)
    X[:, FI["sedentary_work"]] = sed & (ret > hs)
    st.sched[:, SCHED["retirement"]] = np.where(sed & (ret > hs), ret - age0, np.inf)

    # BMI: linear drift to drift_end_age, floored at the minimum
    bp = params.cohort.bmi
    drift, d_end, b_min = float(bp.drift_per_year.value), float(bp.drift_end_age.value), float(bp.minimum.value)
    bmi0 = cohort["bmi"].to_numpy(float)
    lin18 = bmi0 + drift * (min(hs, d_end) - np.minimum(age0, d_end))
    slope18 = drift if hs < d_end else 0.0
    floored = lin18 < b_min
    bmi18 = np.where(floored, b_min, lin18)
    X[:, FI["bmi_per_5"]] = (bmi18 - 25.0) / 5.0
    X1[:, FI["bmi_per_5"]] = np.where(floored, 0.0, slope18 / 5.0)
    if drift > 0:
        a_floor = _crossing_age(lin18, hs, drift, b_min)
        st.sched[:, SCHED["bmi_floor"]] = np.where(floored & (a_floor < d_end), a_floor - age0, np.inf)
        a30 = _crossing_age(lin18, hs, drift, 30.0)
        st.sched[:, SCHED["bmi_30"]] = np.where((bmi18 < 30.0) & (a30 < d_end) & (a30 < max_age), a30 - age0, np.inf)
    if hs < d_end < max_age and drift != 0:
        st.sched[:, SCHED["drift_end"]] = d_end - age0

    # the cohort's DVT history (before baseline)
    prior = cohort["prior_dvt"].to_numpy(bool)
    p_age = np.clip(cohort["prior_dvt_age"].to_numpy(float), hs, age0)
    st.sched[:, SCHED["prior_dvt"]] = np.where(prior, p_age - age0, np.inf)

    st.sched[:, SCHED["history_start"]] = t0
    st.sched[:, SCHED["baseline"]] = 0.0
    st.sched[:, SCHED["end_of_follow_up"]] = float(years)
    st.sched[:, SCHED["max_age"]] = np.where(max_age - age0 < years, max_age - age0, np.inf)
    _schedule_interventions(st, cohort)
    return st


def _schedule_interventions(st: PersonState, cohort: pd.DataFrame) -> None:
    """Driver changes in follow-up from the optional :data:`INTERVENTION_COLUMNS` (history untouched)."""
    for column, event in INTERVENTION_COLUMNS.items():
        if column not in cohort.columns:
            continue
        at = cohort[column].to_numpy(float)
        bad = np.flatnonzero(~(np.isnan(at) | ((at >= 0) & (at < np.inf))))
        if bad.size:
            raise CohortError(f"cohort: {column} must be NaN or a finite time >= 0 in rows {bad[:5].tolist()}")
        st.sched[:, SCHED[event]] = np.where(np.isnan(at), np.inf, at)
    if "bmi_change_at_t" in cohort.columns:
        if "bmi_change" not in cohort.columns:
            raise CohortError("cohort: bmi_change_at_t needs a bmi_change column")
        change = cohort["bmi_change"].to_numpy(float)
        bad = np.flatnonzero(np.isfinite(st.sched[:, SCHED["intervention_bmi"]]) & ~np.isfinite(change))
        if bad.size:
            raise CohortError(f"cohort: bmi_change must be finite where bmi_change_at_t is set, rows {bad[:5].tolist()}")
        st.bmi_change[:] = np.where(np.isfinite(change), change, 0.0)
