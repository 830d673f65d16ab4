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

if TYPE_CHECKING:  # pragma: no cover
    from cvirisk.model.kernel import Kernel

__all__ = ["enabled", "update_avp", "after_event", "operate", "TRANSITION_EFFECTS", "SCHEDULED_EFFECTS"]

_SUP, _DEEP, _SEG_MAX = FI["superficial_reflux"], FI["deep_reflux"], "max_segments"


def _on(k: Kernel, name: str, idx: np.ndarray) -> np.ndarray:
    return k.state.X[idx, FI[name]] > 0.5


def _set(k: Kernel, name: str, idx: np.ndarray, value: float) -> None:
    k.state.X[idx, FI[name]] = value


def enabled(k: Kernel, idx: np.ndarray) -> np.ndarray:
    """Which transitions can fire for persons ``idx`` in their current state, shape (m, T)."""
    st = k.state
    sup, deep = _on(k, "superficial_reflux", idx), _on(k, "deep_reflux", idx)
    skin, edema = _on(k, "skin_changes", idx), _on(k, "edema", idx)
    active, history = _on(k, "active_ulcer", idx), _on(k, "ulcer_history", idx)
    ceap, calc, fu = st.ceap[idx], st.calcification[idx], st.followup[idx]
    cvi = np.isfinite(st.cvi_onset_age[idx])
    max_seg = int(k.params.venous_pressure.max_segments.value)
    cond = {
        "superficial_failure": ~sup,
        "deep_failure": ~deep,
        "post_thrombotic": st.pts_pending[idx] & ~deep,
        "recruitment": (sup | deep) & (st.segments[idx] < max_seg),
        "telangiectasia": ~st.telangiectasia[idx],
        "varicose_veins": ~_on(k, "varicose_veins", idx),
        "edema": ~edema,
        "skin_changes": ~skin,
        "thickening": skin & ~_on(k, "thickening", idx),
        "ulcer_open": skin & ~history,
        "ulcer_heal": active,
        "ulcer_recur": history & ~active,
        "pruritus": (ceap >= 2) & ~st.pruritus[idx],
        "pain": (ceap >= 2) & ~st.pain[idx],
        "infection_ulcer": active,
        "infection_edema": edema & ~active,
        "dvt": fu,
        "lymphedema": cvi & ~_on(k, "lymphedema", idx),
        "calcification_punctate": skin & (calc == 0),
        "calcification_trabecular": calc == 1,
        "calcification_reticular": calc == 2,
        "periostitis": cvi & ~st.periostitis[idx],
        "presentation": (ceap >= 2) & (st.diagnosed[idx] != 2),
        "compression_stop": _on(k, "compression", idx),
        "smoking_quit": fu & _on(k, "smoking_current", idx),
        "death_background": fu,
    }
    out = np.column_stack([cond[tid] for tid in k.hazards.ids])
    return out & (st.started[idx] & ~st.done[idx])[:, None]


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


def _simple(kind: str, detail: str = ""):
    def effect(k: Kernel, idx: np.ndarray) -> None:
        k.emit(idx, kind, detail)

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


def _ceap(k: Kernel, idx: np.ndarray) -> np.ndarray:
    on = lambda name: _on(k, name, idx)  # noqa: E731
    return np.select(
        [on("active_ulcer"), on("ulcer_history"), on("skin_changes"), on("edema"), on("varicose_veins"),
         k.state.telangiectasia[idx]],
        [6, 5, 4, 3, 2, 1],
        0,
    )  # fmt: skip


def after_event(k: Kernel, idx: np.ndarray, before: np.ndarray) -> None:
    """Instantaneous chains after events: CEAP class, compression prescription, referral."""
    st, care = k.state, k.params.care
    live = st.alive[idx]
    idx, before = idx[live], before[live]
    new = _ceap(k, idx)
    changed = new != before
    ch = idx[changed]
    st.ceap[ch] = new[changed]
    k.emit(ch, "ceap", np.array([f"C{c}" for c in new[changed]], dtype=object))
    onset = ch[(new[changed] >= 3) & np.isnan(st.cvi_onset_age[ch])]
    st.cvi_onset_age[onset] = st.age0[onset] + st.t[onset]
    st.X1[onset, FI["years_since_cvi"]] = 1.0
    minc = care.compression_min_class.value
    crossed = (before < minc) & (new >= minc) | (new == 6) & (before != 6)
    rx = idx[crossed & (st.diagnosed[idx] == 2) & ~_on(k, "compression", idx) & ~st.done[idx]]
    prescribe(k, rx)
    refer = idx[
        ~st.done[idx]
        & (st.ceap[idx] >= care.surgery_referral_min_class.value)
        & _on(k, "compression", idx)
        & _on(k, "superficial_reflux", idx)
        & ~st.referred[idx]
    ]
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
}
