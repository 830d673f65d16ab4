"""What each transition and scheduled event does, which transitions are enabled, and the
instantaneous chains that follow an event (CEAP class, compression, referral, death).

Every function takes the :class:`~cvirisk.model.kernel.Kernel` and an index array of persons
and acts on all of them at once. Decisions draw from separate named uniform streams
(``pe.occurs``, ``pe.fatal``, ``pts.occurs``, ``duplex``, ``compression.adherence``), each
indexed by the person's own count of that decision, so a draw never depends on other persons.

Deaths (background and fatal PE) and incident DVT are enabled only in follow-up (``t >= 0``):
the cohort is alive at baseline and carries its own DVT history, so the history before
baseline is simulated *conditional* on survival to baseline and on the cohort's DVT record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cvirisk.model.hazards import FEATURE_INDEX as FI
from cvirisk.model.state import SCHED

if TYPE_CHECKING:  # pragma: no cover
    from cvirisk.model.kernel import Kernel

__all__ = ["enabled", "update_avp", "after_event", "operate", "TRANSITION_EFFECTS", "SCHEDULED_EFFECTS"]

_SUP, _DEEP, _SEG_MAX = FI["superficial_reflux"], FI["deep_reflux"], "max_segments"


def _on(k: Kernel, name: str, idx: np.ndarray) -> np.ndarray:
    return k.state.X[idx, FI[name]] > 0.5


def _set(k: Kernel, name: str, idx: np.ndarray, value: float) -> None:
    k.state.X[idx, FI[name]] = value


_ENABLING = (
    "superficial_failure", "deep_failure", "post_thrombotic", "recruitment", "telangiectasia",
    "varicose_veins", "edema", "skin_changes", "thickening", "ulcer_open", "ulcer_heal",
    "ulcer_recur", "pruritus", "pain", "infection_ulcer", "infection_edema", "dvt", "lymphedema",
    "calcification_punctate", "calcification_trabecular", "calcification_reticular",
    "periostitis", "presentation", "compression_stop", "smoking_quit", "death_background",
)  # fmt: skip


def enabled(k: Kernel, idx: np.ndarray) -> np.ndarray:
    """Which transitions can fire for persons ``idx`` in their current state, shape (m, T)."""
    st = k.state
    x = st.X[idx] > 0.5
    sup, deep = x[:, _SUP], x[:, _DEEP]
    skin, edema = x[:, FI["skin_changes"]], x[:, FI["edema"]]
    active, history = x[:, FI["active_ulcer"]], x[:, FI["ulcer_history"]]
    ceap, calc, fu = st.ceap[idx], st.calcification[idx], st.followup[idx]
    cvi = st.cvi_onset_age[idx] >= 0.0
    c2 = ceap >= 2
    max_seg = int(k.params.venous_pressure.max_segments.value)
    out = np.empty((len(idx), k.n_transitions), bool)
    col = k.hazards.index
    out[:, col["superficial_failure"]] = ~sup
    out[:, col["deep_failure"]] = ~deep
    out[:, col["post_thrombotic"]] = st.pts_pending[idx] & ~deep
    out[:, col["recruitment"]] = (sup | deep) & (st.segments[idx] < max_seg)
    out[:, col["telangiectasia"]] = ~st.telangiectasia[idx]
    out[:, col["varicose_veins"]] = ~x[:, FI["varicose_veins"]]
    out[:, col["edema"]] = ~edema
    out[:, col["skin_changes"]] = ~skin
    out[:, col["thickening"]] = skin & ~x[:, FI["thickening"]]
    out[:, col["ulcer_open"]] = skin & ~history
    out[:, col["ulcer_heal"]] = active
    out[:, col["ulcer_recur"]] = history & ~active
    out[:, col["pruritus"]] = c2 & ~st.pruritus[idx]
    out[:, col["pain"]] = c2 & ~st.pain[idx]
    out[:, col["infection_ulcer"]] = active
    out[:, col["infection_edema"]] = edema & ~active
    out[:, col["dvt"]] = fu
    out[:, col["lymphedema"]] = cvi & ~x[:, FI["lymphedema"]]
    out[:, col["calcification_punctate"]] = skin & (calc == 0)
    out[:, col["calcification_trabecular"]] = calc == 1
    out[:, col["calcification_reticular"]] = calc == 2
    out[:, col["periostitis"]] = cvi & ~st.periostitis[idx]
    out[:, col["presentation"]] = c2 & (st.diagnosed[idx] != 2)
    out[:, col["compression_stop"]] = x[:, FI["compression"]]
    out[:, col["smoking_quit"]] = fu & x[:, FI["smoking_current"]]
    out[:, col["death_background"]] = fu
    out &= (st.started[idx] & ~st.done[idx])[:, None]
    return out


def update_avp(k: Kernel, idx: np.ndarray) -> None:
    """Recompute ambulatory venous pressure (``avp_per_10``, value and slope) from the veins and BMI."""
    st, vp = k.state, k.params.venous_pressure
    bmi_excess = 5.0 * st.X[idx, FI["bmi_per_5"]]
    avp = (
        vp.normal_mmhg.value
        + vp.superficial_reflux_mmhg.value * st.X[idx, _SUP]
        + vp.deep_reflux_mmhg.value * st.X[idx, _DEEP]
        + vp.per_segment_mmhg.value * st.segments[idx]
        + vp.per_bmi_unit_mmhg.value * bmi_excess
    )
    st.X[idx, FI["avp_per_10"]] = (avp - 40.0) / 10.0
    st.X1[idx, FI["avp_per_10"]] = vp.per_bmi_unit_mmhg.value * 5.0 * st.X1[idx, FI["bmi_per_5"]] / 10.0


def _add_segments(k: Kernel, idx: np.ndarray, n: int) -> None:
    max_seg = int(k.params.venous_pressure.max_segments.value)
    k.state.segments[idx] = np.minimum(k.state.segments[idx] + n, max_seg)


def _valve(name: str, feats: tuple[str, ...], segs: int):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        for f in feats:
            _set(k, f, idx, 1.0)
        _add_segments(k, idx, segs)
        if name == "post_thrombotic":
            k.state.pts_pending[idx] = False
        k.emit(idx, "valve_failure", name)
        update_avp(k, idx)

    return effect


def _recruitment(k: Kernel, idx: np.ndarray) -> None:
    _add_segments(k, idx, 1)
    k.emit(idx, "recruitment", k.state.segments[idx].astype(str).astype(object))
    update_avp(k, idx)


def _sign(feature: str | None, attr: str | None = None, finding: str | None = None):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        if feature is not None:
            _set(k, feature, idx, 1.0)
        if attr is not None:
            getattr(k.state, attr)[idx] = True
        if finding is not None:
            k.emit(idx, "finding", finding)

    return effect


def _ulcer_opens(k: Kernel, idx: np.ndarray) -> None:
    _set(k, "active_ulcer", idx, 1.0)
    _set(k, "ulcer_history", idx, 1.0)


def _ulcer_heals(k: Kernel, idx: np.ndarray) -> None:
    _set(k, "active_ulcer", idx, 0.0)
    _set(k, "infection_recent", idx, 0.0)


def _infection(site: str):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        k.emit(idx, "infection", site)
        if site == "ulcer":
            _set(k, "infection_recent", idx, 1.0)

    return effect


def _lymphedema(k: Kernel, idx: np.ndarray) -> None:
    _set(k, "lymphedema", idx, 1.0)
    k.emit(idx, "lymphedema", "")


def _periostitis(k: Kernel, idx: np.ndarray) -> None:
    k.state.periostitis[idx] = True
    k.emit(idx, "periostitis", "")


def _calcification(level: int, name: str):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        k.state.calcification[idx] = level
        k.emit(idx, "calcification", name)

    return effect


def die(k: Kernel, idx: np.ndarray, cause: str) -> None:
    """Death now: ``death <cause>`` then ``exit death``."""
    st = k.state
    k.emit(idx, "death", cause)
    k.emit(idx, "exit", "death")
    st.alive[idx] = False
    st.done[idx] = True
    st.death_t[idx] = st.t[idx]
    st.death_cause[idx] = cause
    st.exit_t[idx] = st.t[idx]
    st.exit_reason[idx] = "death"


def _dvt(detail: str):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        st, th = k.state, k.params.thrombosis
        k.emit(idx, "dvt", detail)
        occ = st.dvt_count[idx].copy()
        st.dvt_count[idx] += 1
        _set(k, "prior_dvt", idx, 1.0)
        pe = k.uniform("pe.occurs", idx, occ) < th.pe_probability.value
        fatal = pe & st.followup[idx] & (k.uniform("pe.fatal", idx, occ) < th.pe_case_fatality.value)
        pts = k.uniform("pts.occurs", idx, occ) < th.pts_probability.value
        k.emit(idx[pe & fatal], "pe", "fatal")
        k.emit(idx[pe & ~fatal], "pe", "nonfatal")
        die(k, idx[fatal], "pe")
        survivors = idx[pts & ~fatal]
        st.pts_pending[survivors] = ~_on(k, "deep_reflux", survivors)

    return effect


def _presentation(k: Kernel, idx: np.ndarray) -> None:
    st, care = k.state, k.params.care
    j = k.hazards.index["presentation"]
    u = k.uniform("duplex", idx, st.occ[idx, j] - 1)
    reflux = _on(k, "superficial_reflux", idx) | _on(k, "deep_reflux", idx)
    positive = np.where(reflux, u < care.duplex_sensitivity.value, u >= care.duplex_specificity.value)
    for r, p, name in ((1, 1, "true_positive"), (1, 0, "false_negative"), (0, 0, "true_negative"), (0, 1, "false_positive")):
        k.emit(idx[(reflux == r) & (positive == p)], "diagnosis", f"duplex_{name}")
    st.diagnosed[idx] = np.where(positive, 2, 1)
    pos = idx[positive & (st.ceap[idx] >= care.compression_min_class.value) & ~_on(k, "compression", idx)]
    prescribe(k, pos)


def prescribe(k: Kernel, idx: np.ndarray) -> None:
    """Prescribe compression; each prescription is worn with probability ``compression_adherence``."""
    st = k.state
    if len(idx) == 0:
        return
    u = k.uniform("compression.adherence", idx, st.prescriptions[idx])
    st.prescriptions[idx] += 1
    wear = idx[u < k.params.care.compression_adherence.value]
    _set(k, "compression", wear, 1.0)
    k.emit(wear, "compression", "start")


def _compression_stop(k: Kernel, idx: np.ndarray) -> None:
    _set(k, "compression", idx, 0.0)
    k.emit(idx, "compression", "stop")


def _covariate(changes: dict[str, float], detail: str, flag: str | None = None):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        for name, value in changes.items():
            _set(k, name, idx, value)
        if flag is not None:
            getattr(k.state, flag)[idx] = True
        if detail:
            k.emit(idx, "covariate", detail)
        if "bmi_per_5" in changes:
            update_avp(k, idx)

    return effect


def _bmi_slope(which: str):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        drift = k.params.cohort.bmi.drift_per_year.value
        k.state.X1[idx, FI["bmi_per_5"]] = drift / 5.0 if which == "floor" else 0.0
        update_avp(k, idx)

    return effect


def _intervention_quit(k: Kernel, idx: np.ndarray) -> None:
    """Scheduled quitting (a scenario): current smokers become former smokers; others unchanged."""
    _covariate({"smoking_current": 0.0, "smoking_former": 1.0}, "smoking=former")(k, idx[_on(k, "smoking_current", idx)])


def _intervention_sedentary(k: Kernel, idx: np.ndarray) -> None:
    """Scheduled end of sedentary work (a scenario); the retirement event is then moot."""
    sub = idx[_on(k, "sedentary_work", idx)]
    _covariate({"sedentary_work": 0.0}, "sedentary_work=False")(k, sub)
    k.state.sched[sub, SCHED["retirement"]] = np.inf


def _intervention_bmi(k: Kernel, idx: np.ndarray) -> None:
    """Scheduled BMI change (a scenario): BMI jumps by ``bmi_change``, then drifts as before.

    The crossing of BMI 30 (``bmi_30``) is rescheduled on the new line, before the drift ends.
    """
    st = k.state
    f = FI["bmi_per_5"]
    st.X[idx, f] += st.bmi_change[idx] / 5.0
    bmi = 25.0 + 5.0 * st.X[idx, f]
    slope = 5.0 * st.X1[idx, f]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = st.t[idx] + (30.0 - bmi) / slope
    ok = (slope > 0) & (bmi < 30.0) & (cross < st.sched[idx, SCHED["drift_end"]])
    st.sched[idx, SCHED["bmi_30"]] = np.where(ok, cross, np.inf)
    k.emit(idx, "covariate", np.array([f"bmi={b:.1f}" for b in bmi], dtype=object))
    update_avp(k, idx)


def _history_start(k: Kernel, idx: np.ndarray) -> None:
    st = k.state
    st.started[idx] = True
    k.emit(idx, "entry", "history_start")
    cong = idx[st.congenital[idx]]
    _set(k, "superficial_reflux", cong, 1.0)
    _set(k, "deep_reflux", cong, 1.0)
    _add_segments(k, cong, 2)
    k.emit(cong, "valve_failure", "congenital")
    update_avp(k, cong)


def _baseline(k: Kernel, idx: np.ndarray) -> None:
    k.state.followup[idx] = True
    k.state.ceap_baseline[idx] = k.state.ceap[idx]
    k.emit(idx, "entry", "baseline")


def _exit(reason: str):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        st = k.state
        k.emit(idx, "exit", reason)
        st.done[idx] = True
        st.exit_t[idx] = st.t[idx]
        st.exit_reason[idx] = reason

    return effect


_CEAP_COLS = [FI[f] for f in ("active_ulcer", "ulcer_history", "skin_changes", "edema", "varicose_veins")]
_CEAP_LEVELS = np.array([6, 5, 4, 3, 2])


def ceap_class(k: Kernel, idx: np.ndarray) -> np.ndarray:
    """CEAP clinical class of the worst leg: the highest sign present (C5 healed, C6 active ulcer)."""
    signs = (k.state.X[idx][:, _CEAP_COLS] > 0.5) * _CEAP_LEVELS
    return np.maximum(signs.max(axis=1), k.state.telangiectasia[idx])


def after_event(k: Kernel, idx: np.ndarray, before: np.ndarray) -> None:
    """Instantaneous chains after events: CEAP class, compression prescription, referral."""
    st, care = k.state, k.params.care
    live = st.alive[idx]
    if not live.all():
        idx, before = idx[live], before[live]
        if len(idx) == 0:
            return
    new = ceap_class(k, idx)
    changed = new != before
    if changed.any():
        ch, new_c, old_c = idx[changed], new[changed], before[changed]
        st.ceap[ch] = new_c
        k.emit(ch, "ceap", np.array([f"C{c}" for c in new_c], dtype=object))
        onset = ch[(new_c >= 3) & np.isnan(st.cvi_onset_age[ch])]
        st.cvi_onset_age[onset] = st.age0[onset] + st.t[onset]
        st.X1[onset, FI["years_since_cvi"]] = 1.0
        minc = care.compression_min_class.value
        crossed = ((old_c < minc) & (new_c >= minc)) | (new_c == 6)
        prescribe(k, ch[crossed & (st.diagnosed[ch] == 2) & ~_on(k, "compression", ch)])
    cand = idx[st.ceap[idx] >= care.surgery_referral_min_class.value]
    if len(cand) == 0:
        return
    refer = cand[
        _on(k, "compression", cand) & _on(k, "superficial_reflux", cand) & ~st.referred[cand] & ~st.done[cand]
    ]
    if len(refer) == 0:
        return
    st.referred[refer] = True
    st.awaiting_surgery[refer] = True
    st.referral_t[refer] = st.t[refer]
    k.emit(refer, "surgery", "referred")
    if k.unlimited_surgery:
        operate(k, refer)


def operate(k: Kernel, idx: np.ndarray) -> None:
    """Superficial surgery: reflux removed, segments reduced, ``surgery done wait_years=...``."""
    st, care = k.state, k.params.care
    idx = idx[st.awaiting_surgery[idx] & ~st.done[idx]]
    wait = st.t[idx] - st.referral_t[idx]
    k.emit(idx, "surgery", np.array([f"done wait_years={w:.4f}" for w in wait], dtype=object))
    _set(k, "superficial_reflux", idx, 0.0)
    _set(k, "surgery_done", idx, 1.0)
    floor = np.where(_on(k, "deep_reflux", idx), 1, 0)
    st.segments[idx] = np.maximum(st.segments[idx] - int(care.surgery_segments_removed.value), floor)
    st.awaiting_surgery[idx] = False
    st.referred[idx] = False
    st.surgeries[idx] += 1
    update_avp(k, idx)


TRANSITION_EFFECTS = {
    "superficial_failure": _valve("superficial", ("superficial_reflux",), 1),
    "deep_failure": _valve("deep", ("deep_reflux",), 1),
    "post_thrombotic": _valve("post_thrombotic", ("deep_reflux",), 1),
    "recruitment": _recruitment,
    "telangiectasia": _sign(None, attr="telangiectasia"),
    "varicose_veins": _sign("varicose_veins"),
    "edema": _sign("edema", finding="edema"),
    "skin_changes": _sign("skin_changes", finding="discoloration"),
    "thickening": _sign("thickening", finding="thickening"),
    "ulcer_open": _ulcer_opens,
    "ulcer_heal": _ulcer_heals,
    "ulcer_recur": _ulcer_opens,
    "pruritus": _sign(None, attr="pruritus", finding="pruritus"),
    "pain": _sign(None, attr="pain", finding="pain"),
    "infection_ulcer": _infection("ulcer"),
    "infection_edema": _infection("edematous_skin"),
    "dvt": _dvt("incident"),
    "lymphedema": _lymphedema,
    "calcification_punctate": _calcification(1, "punctate"),
    "calcification_trabecular": _calcification(2, "trabecular"),
    "calcification_reticular": _calcification(3, "reticular"),
    "periostitis": _periostitis,
    "presentation": _presentation,
    "compression_stop": _compression_stop,
    "smoking_quit": _covariate({"smoking_current": 0.0, "smoking_former": 1.0}, "smoking=former"),
    "death_background": lambda k, idx: die(k, idx, "background"),
}

SCHEDULED_EFFECTS = {
    "history_start": _history_start,
    "smoking_start": _covariate({"smoking_current": 1.0}, "smoking=current"),
    "smoking_quit_prior": _covariate({"smoking_current": 0.0, "smoking_former": 1.0}, "smoking=former"),
    "prior_dvt": _dvt("prior"),
    "bmi_floor": _bmi_slope("floor"),
    "bmi_30": _covariate({"bmi_per_5": 1.0}, "bmi=30.0"),
    "drift_end": _bmi_slope("end"),
    "retirement": _covariate({"sedentary_work": 0.0}, "sedentary_work=False"),
    "baseline": _baseline,
    "end_of_follow_up": _exit("end_of_follow_up"),
    "max_age": _exit("max_age"),
    "intervention_quit": _intervention_quit,
    "intervention_bmi": _intervention_bmi,
    "intervention_sedentary": _intervention_sedentary,
}
