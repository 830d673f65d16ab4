"""Run the declared model over a cohort with the compiled kernel; the surgical queue; the log.

:func:`run_compiled` prepares every person's starting state and deterministic schedule
(history start at age 18, smoking start and quitting, the cohort's DVT, the end of BMI drift,
retirement, baseline, the end of follow-up, a scenario's interventions), lives everyone with
:func:`cvirisk.sim.compiled.kernel.live`, resolves the waiting list for rationed surgery in
time order, and returns the event log with ``leg`` and ``value`` columns.

The waiting list: persons belong to catchments of ``care.surgery_catchment_population``
consecutive person ids (:func:`catchments`); each catchment has ``surgery_theatres`` theatres of
its own, each operation holding one for ``theatres / (operations per year per 100,000 * m /
100,000)`` years (``m`` the catchment's persons), first come first served. A referred person
parks; referrals are taken in order of time; each is given the earliest free theatre of its
catchment at or after its referral (the slot is booked then: a death while waiting leaves it
unused) and the person is resumed with the operation scheduled, living on until done or the
next referral. Catchments never interact, so a unit of work holding whole catchments gives
their persons the events of the whole cohort's run.

Examples
--------
>>> from cvirisk.cohort import generate_cohort
>>> from cvirisk.params import load_params
>>> events, persons, _ = run_compiled(generate_cohort(200, seed=1), load_params(), seed=1, years=5)
>>> list(events.columns)
['person_id', 'age', 't', 'leg', 'event', 'detail', 'value']
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from cvirisk.exceptions import InputError
from cvirisk.model.compile import CompiledModel, compile_model
from cvirisk.params.model_spec import model_hash
from cvirisk.params.vocabulary import CEAP_DETAILS, EVENT_KINDS, LEG_NAMES
from cvirisk.random import stream_key, uniforms
from cvirisk.sim.compiled import kernel as K

__all__ = ["run_compiled", "life_table", "build_tables", "needs_capacity", "catchments", "INTERVENTIONS"]

#: Persons lived per call of the compiled kernel (bounds the event buffer between flushes).
BATCH = 20_000


def life_table() -> pd.DataFrame:
    """The shipped period life table (``age, sex, q``), see ``cvirisk/params/defaults/README.md``."""
    with resources.files("cvirisk.params").joinpath("defaults/life_table.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _life_hazards(params, smoking_mix: np.ndarray) -> np.ndarray:
    """Hazard per year by (sex, smoking status, single year of age 0-120).

    The table's hazard ``-log(1 - q)`` is the population average at that age; a never smoker's
    is that divided by the average smoking hazard ratio at the age (``smoking_mix[sex, age]`` =
    shares never, current, former), so that the population reproduces the table.
    """
    lt = life_table()
    tr = params.natural_history.transitions["death_background"]
    scale = 1.0 if tr.rate_per_year is None else float(tr.rate_per_year.value)
    hr = tr.hazard_ratios
    ratios = np.array([1.0, hr["smoking_current"].value if "smoking_current" in hr else 1.0,
                       hr["smoking_former"].value if "smoking_former" in hr else 1.0])
    out = np.zeros((2, 3, 121))
    for s, sex in enumerate(("male", "female")):
        tab = lt[lt["sex"] == sex].set_index("age")["q"]
        mu = np.full(121, np.nan)
        ages = tab.index.to_numpy(int)
        mu[ages] = -np.log1p(-tab.to_numpy(float).clip(max=1 - 1e-12))
        mu[: ages.min()] = mu[ages.min()]
        mu[ages.max() + 1 :] = mu[ages.max()]
        mean_hr = smoking_mix[s] @ ratios
        out[s] = scale * (mu / mean_hr)[None, :] * ratios[:, None]
    return out


def _smoking_mix(params) -> np.ndarray:
    """Shares (never, current, former) by sex (0 male, 1 female) and single year of age."""
    sm = params.cohort.smoking
    bands = params.cohort.age_bands
    lower = list(bands.lower)
    mix = np.zeros((2, 121, 3))
    for s, table in enumerate((sm.male.value, sm.female.value)):
        tab = np.asarray(table, float)
        for a in range(121):
            b = max(i for i, lo in enumerate(lower) if a >= lo) if a >= lower[0] else 0
            mix[s, a] = tab[b]
    return mix




def build_tables(compiled: CompiledModel, params, seed: int, replication: int, unlimited: bool):
    """The namedtuple of arrays and indices the kernel reads, the parameter vector and keys."""
    spec = compiled.spec
    A = compiled.arrays
    vp, care, th = params.venous_pressure, params.care, params.thrombosis
    P = np.zeros(K.N_P)
    P[K.P_NORMAL] = vp.normal_mmhg.value
    P[K.P_SUP] = vp.superficial_reflux_mmhg.value
    P[K.P_DEEP] = vp.deep_reflux_mmhg.value
    P[K.P_SEG] = vp.per_segment_mmhg.value
    P[K.P_OBS] = vp.obstruction_mmhg.value
    P[K.P_BMI] = vp.per_bmi_unit_mmhg.value
    P[K.P_PE] = th.pe_probability.value
    P[K.P_PE_FATAL] = th.pe_case_fatality.value
    P[K.P_PTS] = th.pts_probability.value
    P[K.P_OBSTR] = th.obstruction_probability.value
    P[K.P_SENS] = care.duplex_sensitivity.value
    P[K.P_SPEC] = care.duplex_specificity.value
    P[K.P_ADHERE] = care.compression_adherence.value
    P[K.P_COMP_MIN] = care.compression_min_class.value
    P[K.P_REFER_MIN] = care.surgery_referral_min_class.value
    P[K.P_SEG_REMOVED] = care.surgery_segments_removed.value
    P[K.P_UNLIMITED] = 1.0 if unlimited else 0.0
    names = ["pe.occurs", "pe.fatal", "pts.occurs", "obstruction.occurs", "duplex.left", "duplex.right",
             "compression.adherence", "prior_dvt.leg"]
    names += [f"transition.{tid}" + (f".{LEG_NAMES[leg + 1]}" if leg >= 0 else "") for tid, leg in compiled.instances]
    keys = np.array([stream_key(seed, replication, n) for n in names], np.uint64)
    lv = {n: i for i, n in enumerate(spec.leg_vars)}
    nls = len(spec.leg_stamps)
    st = {n: i for i, n in enumerate(spec.leg_stamps)}
    kind = {k: i for i, k in enumerate(EVENT_KINDS)}
    d = compiled.detail_code
    fields: dict[str, Any] = {k: v for k, v in A.items()}
    fields.update(
        key_index=np.arange(K.N_KEYS, K.N_KEYS + compiled.n_instances, dtype=np.int64),
        leg_offset=compiled.n_person_vars, n_leg_vars=compiled.n_leg_vars, n_leg_stamps=nls,
        v_alive=compiled.var("alive"), v_done=compiled.var("exited"), v_followup=compiled.var("followup"),
        v_smoking_current=compiled.var("smoking_current"), v_smoking_former=compiled.var("smoking_former"),
        v_compression=compiled.var("compression"), v_diagnosed=compiled.var("diagnosed"),
        v_worst=compiled.var("worst_class"), v_prior_dvt=compiled.var("prior_dvt"),
        v_congenital_person=compiled.var("congenital_absence"),
        avp_sup=lv["superficial_reflux"], avp_deep=lv["deep_reflux"], avp_seg=lv["segments"], avp_obs=lv["obstruction"],
        lv_calcification=lv["calcification"], lv_background=lv["background_calcification"],
        lv_periostitis=lv["periostitis"], lv_deep=lv["deep_reflux"], lv_pts=lv["pts_pending"],
        lv_referred=lv["referred"], lv_surgery_done=lv["surgery_done"], lv_varicose=lv["varicose_veins"],
        lv_congenital=lv["congenital"], lv_dvt_count=lv["dvt_count"], lv_ulcer_active=lv["ulcer_active"],
        lv_ulcers=lv["ulcers"], lv_ulcer_healed=lv["ulcer_healed"], lv_lds=lv["lipodermatosclerosis"],
        lv_pigm=lv["pigmentation"], lv_corona=lv["corona"], lv_edema=lv["edema"],
        lv_telangiectasia=lv["telangiectasia"], lv_class=lv["leg_class"], lv_cvi=lv["cvi"],
        st_dvt=st["dvt_at"], st_cvi=st["cvi_at"], st_referred=st["referred_at"],
        k_radiograph=kind["radiograph"], k_exit=kind["exit"], k_pe=kind["pe"], k_death=kind["death"],
        k_compression=kind["compression"], k_diagnosis=kind["diagnosis"], k_surgery=kind["surgery"],
        k_valve=kind["valve_failure"], k_dvt=kind["dvt"], k_ceap=kind["ceap"],
        d_calc=np.array([d(x) for x in ("normal", "punctate", "trabecular", "reticular", "background", "periostitis")], np.int64),
        d_exit_death=d("death"), d_pe_fatal=d("fatal"), d_pe_nonfatal=d("nonfatal"), d_death_pe=d("pe"),
        d_comp_start=d("start"),
        d_duplex=np.array([d(f"duplex_{x}") for x in ("true_positive", "false_negative", "true_negative", "false_positive")], np.int64),
        d_surgery_done=d("done"), d_surgery_referred=d("referred"), d_congenital=d("congenital"), d_dvt_prior=d("prior"),
        d_obstruction=d("residual_obstruction"), k_finding=kind["finding"],
        d_ceap=np.array([d(x) for x in CEAP_DETAILS], np.int64),
        watch=_watched(compiled),
        d_worst=np.array([d(f"C{c}") for c in range(7)], np.int64),
    )
    fields["n_inst"] = compiled.n_instances
    TI, TF = pack_tables(fields)
    return TI, TF, P, keys


#: The variables the derived state after an event reads (kernel ``_after_event``): a leg's
#: CEAP class comes from its findings and ulcers, compression from the diagnosis, referral
#: from compression, superficial reflux and an earlier referral. An event that changes none
#: of them cannot change the derived state, so the kernel skips that pass.
AFTER_EVENT_LEG = ("ulcer_active", "ulcers", "ulcer_healed", "lipodermatosclerosis", "pigmentation", "corona",
                   "edema", "varicose_veins", "surgery_done", "telangiectasia", "superficial_reflux", "referred")
AFTER_EVENT_PERSON = ("diagnosed", "compression", "alive", "exited")


def _watched(compiled: CompiledModel) -> np.ndarray:
    watch = np.zeros(compiled.n_vars + 1, np.int64)  # the last entry stands for BMI
    for name in AFTER_EVENT_PERSON:
        watch[compiled.var(name)] = 1
    for name in AFTER_EVENT_LEG:
        watch[[compiled.var(name, 0), compiled.var(name, 1)]] = 1
    return watch


def pack_tables(fields: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Pack the kernel's tables into one int64 and one float64 array (layout in the kernel).

    Two flat arrays instead of a record of a hundred arrays keep the compiled kernel's
    signature small: numba compiles it faster and moves less between its functions.
    """
    ints: list[np.ndarray] = [np.zeros(K.N_HEADER, np.int64)]
    floats: list[np.ndarray] = [np.zeros(0)]
    pos_i, pos_f = K.N_HEADER, 0
    header = ints[0]
    for name in K.TABLE_FLOAT:
        arr = np.asarray(fields[name], np.float64)
        header[getattr(K, f"H_{name}")] = pos_f
        floats.append(arr)
        pos_f += arr.size
    for name in K.TABLE_INT:
        arr = np.asarray(fields[name], np.int64)
        header[getattr(K, f"H_{name}")] = pos_i
        ints.append(arr)
        pos_i += arr.size
    for name in K.TABLE_SCALAR:
        header[getattr(K, f"H_{name}")] = int(fields[name])
    return np.concatenate(ints), np.concatenate(floats)


def _schedules(spec, params, cohort: pd.DataFrame, years: float, interventions: dict | None):
    sid = {s: i for i, s in enumerate(spec.schedule_ids)}
    n = len(cohort)
    S = np.full((n, len(sid)), np.inf)
    hs = float(params.simulation.history_start_age.value)
    max_age = float(params.simulation.max_age.value)
    age0 = cohort["age"].to_numpy(float)
    t0 = hs - age0
    S[:, sid["history_start"]] = t0
    smoking = cohort["smoking"].astype(str).to_numpy()
    start = float(params.cohort.smoking.start_age.value)
    quit_age = np.clip(cohort["smoking_quit_age"].to_numpy(float), hs, age0)
    smoker = smoking != "never"
    former = smoking == "former"
    S[:, sid["smoking_start"]] = np.where(smoker, np.maximum(start, hs) - age0, np.inf)
    S[:, sid["smoking_quit_prior"]] = np.where(former, np.maximum(quit_age, max(start, hs)) - age0, np.inf)
    prior = cohort["prior_dvt"].to_numpy(bool)
    p_age = np.clip(cohort["prior_dvt_age"].to_numpy(float), hs, age0)
    S[:, sid["prior_dvt"]] = np.where(prior, p_age - age0, np.inf)
    d_end = float(params.cohort.bmi.drift_end_age.value)
    S[:, sid["bmi_drift_end"]] = np.where(d_end < max_age, d_end - age0, np.inf)
    ret = float(params.cohort.work.retirement_age.value)
    working = cohort["standing_work"].to_numpy(bool) | cohort["sitting_work"].to_numpy(bool)
    S[:, sid["work_end"]] = np.where(working & (ret > hs), ret - age0, np.inf)
    S[:, sid["baseline"]] = 0.0
    S[:, sid["end_of_follow_up"]] = float(years)
    S[:, sid["max_age"]] = np.where(max_age - age0 < years, max_age - age0, np.inf)
    for name, times in (interventions or {}).items():
        if name not in sid:
            raise KeyError(name)
        S[:, sid[name]] = np.where(np.isnan(times), np.inf, times)
    return S


def _initial_vars(compiled: CompiledModel, params, cohort: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = len(cohort)
    V = np.zeros((n, compiled.n_vars), np.int8)  # every variable is clamped to 0..var_max (at most 50)
    female = (cohort["sex"].astype(str) == "female").to_numpy()
    V[:, compiled.var("alive")] = 1
    V[:, compiled.var("female")] = female
    V[:, compiled.var("family_history")] = cohort["family_history"].to_numpy(bool)
    V[:, compiled.var("parity_per_birth")] = np.where(female, cohort["parity"].to_numpy(np.int64), 0)
    V[:, compiled.var("congenital_absence")] = cohort["congenital_absence"].to_numpy(bool)
    hs = float(params.simulation.history_start_age.value)
    ret = float(params.cohort.work.retirement_age.value)
    if ret > hs:
        V[:, compiled.var("standing_work")] = cohort["standing_work"].to_numpy(bool)
        V[:, compiled.var("sitting_work")] = cohort["sitting_work"].to_numpy(bool)
    # BMI at the start of the history (age 18): drift back from baseline, floored
    bp = params.cohort.bmi
    drift, d_end, b_min = float(bp.drift_per_year.value), float(bp.drift_end_age.value), float(bp.minimum.value)
    age0 = cohort["age"].to_numpy(float)
    bmi0 = cohort["bmi"].to_numpy(float)
    bmi18 = np.maximum(bmi0 + drift * (min(hs, d_end) - np.minimum(age0, d_end)), b_min)
    bmi = np.zeros((n, 3))
    bmi[:, 0] = bmi18
    bmi[:, 1] = hs - age0
    bmi[:, 2] = drift if hs < d_end else 0.0
    return V, bmi


def needs_capacity(params) -> bool:
    """True when ``params`` rations surgery (finite operations per year), which couples persons."""
    return not math.isinf(float(params.care.surgery_operations_per_year_per_100000.value))


#: Scenario interventions the engine schedules: name -> what it does (the declared schedule).
INTERVENTIONS: tuple[str, ...] = ("quit_smoking", "leave_standing_work", "leave_sitting_work", "bmi_change")


def run_compiled(
    cohort: pd.DataFrame,
    params,
    seed: int = 1,
    years: float = 20.0,
    replication: int = 0,
    unlimited_surgery: bool = False,
    interventions: Mapping[str, np.ndarray] | None = None,
    params_followup=None,
    callback: Callable[[int, int], None] | None = None,
    state_out: dict | None = None,
    spec=None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Simulate every person's history (from age 18) and follow-up under the declared model.

    Parameters
    ----------
    cohort : DataFrame
        Rows of the cohort contract (already validated).
    params : Params
    interventions : mapping, optional
        Schedule name (:data:`INTERVENTIONS`) -> time per person in years since baseline (NaN =
        none); ``bmi_change`` also needs ``bmi_change_value`` (kg/m2 added to BMI then).
    params_followup : Params, optional
        Numbers in force from the baseline on (the history runs under ``params``); the model's
        structure is the same.
    state_out : dict, optional
        Receives the engine's final state (``V``, one row a person; ``columns``), for tests.
    spec : ModelSpec, optional
        Another declared structure (the shipped one by default), for tests of the checks.

    Returns
    -------
    events, persons, manifest
    """
    compiled = compile_model(params, spec)
    spec = compiled.spec
    ops = float(params.care.surgery_operations_per_year_per_100000.value)
    n = len(cohort)
    unlimited = bool(unlimited_surgery) or math.isinf(ops)
    TI, TF0, P0, keys = build_tables(compiled, params, seed, replication, unlimited)
    lt0 = _life_hazards(params, _smoking_mix(params))
    if params_followup is not None:
        _, TF1, P1, _ = build_tables(compile_model(params_followup, spec), params_followup, seed, replication, unlimited)
        lt1 = _life_hazards(params_followup, _smoking_mix(params_followup))
    else:
        TF1, P1, lt1 = TF0, P0, lt0
    pid = cohort["person_id"].to_numpy(np.int64)
    age0 = cohort["age"].to_numpy(np.float64)
    sex = (cohort["sex"].astype(str) == "female").to_numpy().astype(np.int64)
    sd = float(params.frailty.sd_log.value)
    logz = sd * ndtri(uniforms(seed, replication, "frailty", pid)) - 0.5 * sd * sd
    interventions = dict(interventions or {})
    bmi_change = np.asarray(interventions.pop("bmi_change_value", np.zeros(n)), np.float64)
    unknown = sorted(set(interventions) - set(INTERVENTIONS))
    if unknown:
        raise InputError(f"interventions: unknown schedule(s) {', '.join(unknown)} (known: {', '.join(INTERVENTIONS)})")
    sched = _schedules(spec, params, cohort, years, interventions)
    V, bmi = _initial_vars(compiled, params, cohort)
    NI = compiled.n_instances
    C = np.zeros((n, K.N_C), np.int64)
    tnow = float(params.simulation.history_start_age.value) - age0
    started = np.zeros(n, np.bool_)
    status = np.zeros(n, np.int64)
    park_t = np.full((n, 2), np.nan)
    slot = np.full(n, -1, np.int64)
    live = K.live
    args = [TI, TF0, P0, keys, lt0, TF1, P1, lt1, params_followup is not None, pid, age0, sex, logz, sched,
            bmi_change, V, C, tnow, bmi, started, status, park_t, slot, *_scratch(NI, compiled.n_vars, compiled.n_stamps)]
    # room for 64 rows a person (a default life writes about 40); pages never written are
    # never resident, so the generous size costs address space only and the buffer rarely grows
    buf = _Buffer(2 * K.PERSON_ROOM + 64 * n, 0 if unlimited else max(64, n // 32), NI, compiled.n_stamps)
    for lo in range(0, n, BATCH):
        buf.live(live, np.arange(lo, min(n, lo + BATCH), dtype=np.int64), args)
        if callback is not None:
            callback(min(n, lo + BATCH), n)
    first = buf.n  # rows so far: every person's life up to any parking, in person order
    if not unlimited:
        _queue(compiled, params, n, live, args, buf, ops)
    del args, sched, C  # the engine's state, but V, is not needed from here
    events = _event_frame(compiled, buf.r[: buf.n], buf.c[:, : buf.n], buf.f[:, : buf.n], pid, age0, first)
    del buf
    persons = _persons(compiled, cohort, V, events)
    if state_out is not None:
        names = sorted(compiled.var_index, key=compiled.var_index.get)
        state_out["V"] = pd.DataFrame(V, columns=names, index=pd.Index(pid, name="person_id"))
    manifest = {"model_hash": model_hash(spec), "unlimited_surgery": unlimited,
                "parameters_switch_at_baseline": params_followup is not None}
    return events, persons, manifest


def _persons(compiled: CompiledModel, cohort: pd.DataFrame, V: np.ndarray, events: pd.DataFrame) -> pd.DataFrame:
    """The cohort columns followed by each person's outcome at the end (both legs summarised).

    ``events`` holds each person's rows together, in the order they happened (both engines
    write it so). The last baseline CEAP, exit and death of each person are found from the
    categorical codes, without comparing strings row by row.
    """
    persons = cohort.reset_index(drop=True).copy()

    def both(name: str) -> np.ndarray:
        return V[:, [compiled.var(name, 0), compiled.var(name, 1)]]

    pos = pd.Index(persons["person_id"].to_numpy(np.int64))
    who = events["person_id"].to_numpy(np.int64)
    kind = events["event"].cat.codes.to_numpy()
    detail = events["detail"]

    def last(mask: np.ndarray, column: np.ndarray) -> np.ndarray:
        """Each person's value of ``column`` at their last row in ``mask`` (NaN when none)."""
        idx = np.flatnonzero(mask)
        if idx.size:
            idx = idx[np.append(who[idx[1:]] != who[idx[:-1]], True)]
        at = pos.get_indexer(who[idx])
        out = np.full(len(pos), np.nan, dtype=np.float64 if column.dtype.kind == "f" else object)
        out[at] = column[idx]
        return out

    names = detail.cat.categories.to_numpy(object)
    dcode = detail.cat.codes.to_numpy()
    row_detail = names.take(dcode)  # object references into the categories, no new strings
    person_ceap = (kind == EVENT_KINDS.index("ceap")) & (events["leg"].cat.codes.to_numpy() == 0)
    base = last(person_ceap & (events["t"].to_numpy() <= 0), row_detail)
    base[pd.isna(base)] = "C0"
    persons["ceap_baseline"] = _present(base)
    persons["ceap_final"] = _present(np.array([f"C{c}" for c in range(7)], dtype=object)[V[:, compiled.var("worst_class")]])
    persons["superficial_reflux"] = both("superficial_reflux").max(axis=1) == 1
    persons["deep_reflux"] = both("deep_reflux").max(axis=1) == 1
    persons["bilateral_reflux"] = (both("superficial_reflux") | both("deep_reflux")).min(axis=1) == 1
    persons["segments"] = both("segments").max(axis=1).astype(np.int8)
    persons["ever_ulcer"] = both("ulcers").max(axis=1) > 0
    persons["dvt_count"] = both("dvt_count").sum(axis=1).astype(np.int16)
    persons["surgeries"] = (both("surgery_done").sum(axis=1)).astype(np.int16)
    persons["alive"] = V[:, compiled.var("alive")] == 1
    age = events["age"].to_numpy(np.float64)
    exits = kind == EVENT_KINDS.index("exit")
    persons["exit_age"] = last(exits, age)
    persons["exit_reason"] = _present(last(exits, row_detail))
    deaths = kind == EVENT_KINDS.index("death")
    persons["death_age"] = last(deaths, age)
    cause = last(deaths, row_detail)
    cause[pd.isna(cause)] = ""
    persons["death_cause"] = _present(cause)
    return persons


def _present(values: np.ndarray) -> pd.Categorical:
    """A categorical of the values present, sorted (so chunks collect to the whole run's bytes)."""
    return pd.Categorical(values, categories=sorted(set(values.tolist())))


def _scratch(n_inst: int, n_vars: int, n_stamps: int) -> list[np.ndarray]:
    """The kernel's working arrays for one person (made here: the kernel allocates nothing).

    Hazard at ``tref``, its log slope and its log, enabled, next firing time and marks by instance;
    changed-variable flags and list (the last variable stands for BMI); the running person's
    budgets, their times, occurrences by instance, and stamps.
    """
    return [np.zeros(n_inst), np.zeros(n_inst), np.zeros(n_inst), np.zeros(n_inst, np.bool_), np.full(n_inst, np.inf),
            np.zeros(n_vars + 1, np.bool_), np.empty(4 * (n_vars + 1), np.int64), np.zeros(n_inst, np.bool_),
            np.zeros(n_inst), np.zeros(n_inst), np.zeros(n_inst, np.int64), np.full(n_stamps, np.nan)]


class _Buffer:
    """The event rows of a run (row; int16 codes: leg + 1, kind, detail; float: t, value; column
    by column) and the
    store of parked persons' clocks (see :func:`cvirisk.sim.compiled.kernel.live`), grown here."""

    def __init__(self, rows: int, parked: int, n_inst: int, n_stamps: int) -> None:
        self.r = np.empty(rows, np.int32)  # column-major: each column one contiguous run
        self.c = np.empty((3, rows), np.int16)
        self.f = np.empty((2, rows), np.float64)
        self.n = 0
        self.store_f = np.empty((max(parked, 1), 2 * n_inst + n_stamps))
        self.store_i = np.empty((max(parked, 1), n_inst), np.int64)
        self.n_store = np.zeros(1, np.int64)

    def live(self, live, rows: np.ndarray, args: list) -> None:
        """Live ``rows``, doubling the buffers or the store whenever the kernel stops for room."""
        while rows.size:
            self.n, done = live(rows, *args, self.store_f, self.store_i, self.n_store, self.r, self.c, self.f, self.n)
            rows = rows[done:]
            if rows.size and self.n + K.PERSON_ROOM > self.r.shape[0]:
                grow = max(self.r.shape[0], 2 * K.PERSON_ROOM)
                self.r = np.concatenate([self.r, np.empty(grow, np.int32)])
                self.c = np.concatenate([self.c, np.empty((3, grow), np.int16)], axis=1)
                self.f = np.concatenate([self.f, np.empty((2, grow), np.float64)], axis=1)
            if rows.size and self.n_store[0] >= self.store_f.shape[0]:
                self.store_f = np.concatenate([self.store_f, np.empty_like(self.store_f)])
                self.store_i = np.concatenate([self.store_i, np.empty_like(self.store_i)])


def catchments(params, pid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's catchment (index into the catchments present) and each catchment's persons.

    A person belongs to catchment ``person_id // care.surgery_catchment_population``; the
    theatres of a catchment serve only its persons, so a unit of work holding whole
    catchments resolves their waiting lists exactly as the whole cohort would.
    """
    size = int(params.care.surgery_catchment_population.value)
    _, which, persons = np.unique(np.asarray(pid, np.int64) // size, return_inverse=True, return_counts=True)
    return which.astype(np.int64), persons


def _queue(compiled, params, n, live, args, buf, ops):
    """Resolve each catchment's waiting list in time order (see the module notes)."""
    pid, sched, status, park_t = args[9], args[13], args[20], args[21]
    theatres = int(params.care.surgery_theatres.value)
    which, persons = catchments(params, pid)
    # operations per year of a catchment: ops per 100,000 times its persons; each list holds
    # a theatre for theatres / (operations per year) years an operation
    service = [math.inf if ops <= 0 else theatres / (ops * m / 100_000.0) for m in persons.tolist()]
    free = [[-math.inf] * theatres for _ in range(len(persons))]
    sid = {s: i for i, s in enumerate(compiled.spec.schedule_ids)}
    op_col = (sid["operation_left"], sid["operation_right"])
    heap: list[tuple[float, int, int]] = []
    pending = np.zeros(n, np.int64)

    def park(rows):
        for r in rows:
            for leg in (0, 1):
                if not math.isnan(park_t[r, leg]):
                    heapq.heappush(heap, (float(park_t[r, leg]), int(r), leg))
                    pending[r] += 1
                    park_t[r, leg] = np.nan

    park(np.flatnonzero(status == K.STATUS_PARKED))
    # one heap for all catchments: their lists never interact, so this is each list in time order
    while heap:
        t_r, r, leg = heapq.heappop(heap)
        c = int(which[r])
        lists = free[c]
        k = min(range(theatres), key=lambda j: lists[j])
        start = max(t_r, lists[k])
        lists[k] = start + service[c]
        sched[r, op_col[leg]] = start
        pending[r] -= 1
        if pending[r] == 0:
            buf.live(live, np.array([r], np.int64), args)
            if status[r] == K.STATUS_PARKED:
                park([r])


def _event_frame(compiled: CompiledModel, br: np.ndarray, bc: np.ndarray, bf: np.ndarray, pid: np.ndarray,
                 age0: np.ndarray, first: int | None = None) -> pd.DataFrame:
    """The event table from the kernel's rows (``br``: row; ``bc``: leg + 1, kind, detail
    codes; ``bf``: t, value; views of its column-major buffers), in (person, order of events)
    order.

    The first ``first`` rows were written person by person in order; the rows after them
    are the lives of persons resumed from the waiting list, each person's segments in the
    order they happened. Those few rows are merged into place inside the buffers
    (:func:`cvirisk.sim.compiled.kernel.merge_resumed`), not by sorting and gathering every
    column; the table's ``t`` and ``value`` are then the buffer's own columns. New memory
    costs its page faults (zeroing ran at about 1 GB/s on this machine), so each new column
    is made once, in its final dtype. Details become a categorical of the details present,
    sorted by name (as a chunked run's collection restores them), from their integer codes:
    no strings are made per row.
    """
    n = br.shape[0]
    first = n if first is None else first
    if first < n:
        tail = np.argsort(br[first:], kind="stable") + first
        K.merge_resumed(br, bc, bf, first, n, br[tail], bc[:, tail], bf[:, tail])
    names = np.asarray(compiled.details, dtype=object)
    used = np.flatnonzero(np.bincount(bc[2], minlength=len(names)))
    by_name = used[np.argsort(names[used].astype(str), kind="stable")]
    recode = np.full(len(names), -1, np.int16 if len(by_name) > 127 else np.int8)
    recode[by_name] = np.arange(len(by_name))
    t = bf[0]
    age = age0[br]
    age += t
    return pd.DataFrame({
        "person_id": pid[br],
        "age": age,
        "t": t,
        "leg": pd.Categorical.from_codes(bc[0].astype(np.int8), categories=list(LEG_NAMES)),
        "event": pd.Categorical.from_codes(bc[1].astype(np.int8), categories=list(EVENT_KINDS)),
        "detail": pd.Categorical.from_codes(recode[bc[2]], categories=pd.Index(names[by_name], dtype=object)),
        "value": bf[1],
    }, copy=False)  # the buffer's columns and fresh arrays: consolidating them would copy them
