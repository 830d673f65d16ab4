"""The compiled per-person next-reaction loop that interprets the declared model (numba).

One call lives a list of persons one after the other. For each person every transition
instance (a transition in one leg, or the person's) keeps a unit-exponential budget ``E``
drawn from its own counter-based stream (``transition.<id>.<leg>``, occurrence ``occ``), the
time ``tref`` the budget was last brought up to date, and the Gompertz hazard in force since
then (``h0`` at ``tref`` and log slope ``b``), so its firing time is closed form. After an
event only the instances whose guard or hazard reads a variable the event changed are
brought up to date and recomputed (dependency lists from the compiled model), except those
that stay disabled and those whose hazard, evaluated in the new state, is unchanged (see
``_unchanged``): about a third of the marked instances on the default model. Scheduled,
deterministic events (history start, baseline, retirement, a scenario's intervention, a
theatre slot) come from a per-person table of times and win ties.

A person referred for surgery while theatres are rationed stops ("parks") right after the
event, with their whole state kept in the run arrays, so the Python queue can give them a
slot and resume them; everything else runs to death or the end of follow-up.

Every function is compiled without numba's runtime (``_nrt=False``, a numba option that is
not in its public documentation): the kernel allocates nothing (its working arrays come from
:func:`cvirisk.sim.compiled.run._scratch`), and with the runtime the atomic increments and
decrements of array reference counts around every call and view took about two thirds of the
kernel's time (``perf`` on 30,000 persons: the runtime's ``lock incq``/``lock decq``). The
small functions are inlined into ``live`` for the same reason.

The uniforms reproduce :func:`cvirisk.random.uniforms` bit for bit (SplitMix64 of the
stream key, the person id and the occurrence), so streams mean the same in every engine.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_M53 = 2.0**-53
SLOPE_EPS = 1e-10

# indices into the float parameter vector P
P_NORMAL, P_SUP, P_DEEP, P_SEG, P_OBS, P_BMI = 0, 1, 2, 3, 4, 5
P_PE, P_PE_FATAL, P_PTS, P_OBSTR = 6, 7, 8, 9
P_SENS, P_SPEC, P_ADHERE, P_COMP_MIN, P_REFER_MIN, P_SEG_REMOVED = 10, 11, 12, 13, 14, 15
P_UNLIMITED = 16
N_P = 17

# stream keys of decisions (index into the `keys` vector)
K_PE, K_PE_FATAL, K_PTS, K_OBSTR, K_DUPLEX0, K_DUPLEX1, K_ADHERE, K_PRIOR_LEG = range(8)
N_KEYS = 8

# per-person counters kept with the state (index into C)
C_PRESCRIPTIONS, C_PRESENTATIONS, C_DVT, C_LASTCODE0, C_LASTCODE1, C_LASTWORST, C_SWITCHED = range(7)
N_C = 7

STATUS_DONE, STATUS_PARKED = 0, 1
#: Event rows kept free for one person's history (a long life writes a few hundred).
PERSON_ROOM = 20_000

# Layout of the packed tables: TI[H_x] is the offset of integer table x in TI (or of float
# table x in TF), or the value of scalar x. Filled by cvirisk.sim.compiled.run.pack_tables.
TABLE_FLOAT = ('log_rate', 'slope', 'clock_ref', 'f_beta')
TABLE_INT = ('var_max', 'clock', 's_g_ptr', 's_em_kind', 's_e_ptr', 'key_index', 'g_ptr', 'f_var', 'f_ptr', 'em_value', 'em_kind', 'e_ptr', 'dep_ptr', 'a_ptr', 'clock_stamp', 's_leg', 's_hook', 's_g_var', 's_g_val', 's_g_op', 's_em_detail', 's_e_var', 's_e_val', 's_e_kind', 'leg', 'hook', 'g_var', 'g_val', 'g_op', 'frailty', 'f_kind', 'em_detail', 'e_var', 'e_val', 'e_kind', 'dep_inst', 'd_worst', 'd_duplex', 'd_calc', 'd_ceap', 'a_var', 'a_val', 'a_op', 'watch')
TABLE_SCALAR = ('avp_deep', 'avp_obs', 'avp_seg', 'avp_sup', 'd_comp_start', 'd_congenital', 'd_death_pe', 'd_dvt_prior', 'd_exit_death', 'd_pe_fatal', 'd_pe_nonfatal', 'd_surgery_done', 'd_surgery_referred', 'k_ceap', 'k_compression', 'k_death', 'k_diagnosis', 'k_dvt', 'k_exit', 'k_pe', 'k_radiograph', 'k_surgery', 'k_valve', 'leg_offset', 'lv_background', 'lv_calcification', 'lv_class', 'lv_congenital', 'lv_corona', 'lv_cvi', 'lv_deep', 'lv_dvt_count', 'lv_edema', 'lv_lds', 'lv_periostitis', 'lv_pigm', 'lv_pts', 'lv_referred', 'lv_surgery_done', 'lv_telangiectasia', 'lv_ulcer_active', 'lv_ulcer_healed', 'lv_ulcers', 'lv_varicose', 'n_leg_stamps', 'n_leg_vars', 'st_cvi', 'st_dvt', 'st_referred', 'v_alive', 'v_compression', 'v_congenital_person', 'v_diagnosed', 'v_done', 'v_followup', 'v_prior_dvt', 'v_smoking_current', 'v_smoking_former', 'v_worst', 'n_inst', 'd_obstruction', 'k_finding')
H_log_rate = 0
H_slope = 1
H_clock_ref = 2
H_f_beta = 3
H_var_max = 4
H_clock = 5
H_s_g_ptr = 6
H_s_em_kind = 7
H_s_e_ptr = 8
H_key_index = 9
H_g_ptr = 10
H_f_var = 11
H_f_ptr = 12
H_em_value = 13
H_em_kind = 14
H_e_ptr = 15
H_dep_ptr = 16
H_a_ptr = 17
H_clock_stamp = 18
H_s_leg = 19
H_s_hook = 20
H_s_g_var = 21
H_s_g_val = 22
H_s_g_op = 23
H_s_em_detail = 24
H_s_e_var = 25
H_s_e_val = 26
H_s_e_kind = 27
H_leg = 28
H_hook = 29
H_g_var = 30
H_g_val = 31
H_g_op = 32
H_frailty = 33
H_f_kind = 34
H_em_detail = 35
H_e_var = 36
H_e_val = 37
H_e_kind = 38
H_dep_inst = 39
H_d_worst = 40
H_d_duplex = 41
H_d_calc = 42
H_d_ceap = 43
H_a_var = 44
H_a_val = 45
H_a_op = 46
H_avp_deep = 47
H_avp_obs = 48
H_avp_seg = 49
H_avp_sup = 50
H_d_comp_start = 51
H_d_congenital = 52
H_d_death_pe = 53
H_d_dvt_prior = 54
H_d_exit_death = 55
H_d_pe_fatal = 56
H_d_pe_nonfatal = 57
H_d_surgery_done = 58
H_d_surgery_referred = 59
H_k_ceap = 60
H_k_compression = 61
H_k_death = 62
H_k_diagnosis = 63
H_k_dvt = 64
H_k_exit = 65
H_k_pe = 66
H_k_radiograph = 67
H_k_surgery = 68
H_k_valve = 69
H_leg_offset = 70
H_lv_background = 71
H_lv_calcification = 72
H_lv_class = 73
H_lv_congenital = 74
H_lv_corona = 75
H_lv_cvi = 76
H_lv_deep = 77
H_lv_dvt_count = 78
H_lv_edema = 79
H_lv_lds = 80
H_lv_periostitis = 81
H_lv_pigm = 82
H_lv_pts = 83
H_lv_referred = 84
H_lv_surgery_done = 85
H_lv_telangiectasia = 86
H_lv_ulcer_active = 87
H_lv_ulcer_healed = 88
H_lv_ulcers = 89
H_lv_varicose = 90
H_n_leg_stamps = 91
H_n_leg_vars = 92
H_st_cvi = 93
H_st_dvt = 94
H_st_referred = 95
H_v_alive = 96
H_v_compression = 97
H_v_congenital_person = 98
H_v_diagnosed = 99
H_v_done = 100
H_v_followup = 101
H_v_prior_dvt = 102
H_v_smoking_current = 103
H_v_smoking_former = 104
H_v_worst = 105
H_n_inst = 106
H_d_obstruction = 107
H_k_finding = 108
H_watch = 109
N_HEADER = 110


@njit(cache=True, inline="always", _nrt=False)
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, _nrt=False)
def uniform(key, pid, occ):
    """The uniform of :func:`cvirisk.random.uniforms` for one (key, person, occurrence)."""
    z = _mix(key ^ _mix(np.uint64(pid) * _GOLDEN + _GOLDEN))
    z = _mix(z + (np.uint64(occ) + np.uint64(1)) * _GOLDEN)
    return float(z >> np.uint64(11)) * _TWO_M53 + 0.5 * _TWO_M53


@njit(cache=True, inline="always", _nrt=False)
def _gompertz_integral(h0, b, dt):
    if dt <= 0.0 or h0 <= 0.0:
        return 0.0
    if abs(b) < SLOPE_EPS:
        return h0 * dt
    return h0 * math.expm1(b * dt) / b


@njit(cache=True, inline="always", _nrt=False)
def _gompertz_time(h0, b, budget):
    if h0 <= 0.0:
        return np.inf
    ratio = budget / h0
    if abs(b) < SLOPE_EPS:
        return ratio
    arg = b * ratio
    if arg <= -1.0:
        return np.inf
    tau = math.log1p(arg) / b
    return tau if tau >= 0.0 else np.inf


@njit(cache=True, inline="always", _nrt=False)
def _lt_integral(lt, sex, status, a0, a1):
    """Cumulative life-table hazard between ages a0 < a1 (piecewise constant by year)."""
    total = 0.0
    a = a0
    top = lt.shape[2]
    while a < a1:
        k = int(math.floor(a))
        if k >= top:
            return np.inf
        nxt = min(float(k + 1), a1)
        total += lt[sex, status, k] * (nxt - a)
        a = nxt
    return total


@njit(cache=True, inline="always", _nrt=False)
def _lt_time(lt, sex, status, a0, budget):
    """Years from age a0 until the life-table hazard has accumulated ``budget``."""
    a = a0
    top = lt.shape[2]
    while True:
        k = int(math.floor(a))
        if k >= top:
            return np.inf
        mu = lt[sex, status, k]
        span = float(k + 1) - a
        if mu * span >= budget:
            return a + budget / mu - a0 if mu > 0 else np.inf
        budget -= mu * span
        a = float(k + 1)


@njit(cache=True, inline="always", _nrt=False)
def _check(v, op, val):
    if op == 0:
        return v == val
    if op == 1:
        return v != val
    if op == 2:
        return v < val
    if op == 3:
        return v >= val
    if op == 4:
        return v > val
    return v <= val


# positions in the tuple of integer views (``_int_views``) read outside the hazard helpers
G_CLOCK, G_DEP_PTR, G_DEP_INST, G_KEY_INDEX, G_WATCH = 8, 14, 15, 16, 17


@njit(cache=True, inline="always", _nrt=False)
def _int_views(TI):
    """The integer tables the hazards, guards, dependencies and streams read, as views (one
    load an entry, not two: the loop reads them a few hundred times a person)."""
    return (TI[TI[H_g_ptr]:], TI[TI[H_g_var]:], TI[TI[H_g_op]:], TI[TI[H_g_val]:], TI[TI[H_a_ptr]:],
            TI[TI[H_a_var]:], TI[TI[H_a_op]:], TI[TI[H_a_val]:], TI[TI[H_clock]:], TI[TI[H_clock_stamp]:],
            TI[TI[H_frailty]:], TI[TI[H_f_ptr]:], TI[TI[H_f_kind]:], TI[TI[H_f_var]:], TI[TI[H_dep_ptr]:],
            TI[TI[H_dep_inst]:], TI[TI[H_key_index]:], TI[TI[H_watch]:])


@njit(cache=True, inline="always", _nrt=False)
def _float_views(TI, TF):
    """The float tables of the hazards (log rate, log slope, clock origin, feature betas), as views."""
    return TF[TI[H_log_rate]:], TF[TI[H_slope]:], TF[TI[H_clock_ref]:], TF[TI[H_f_beta]:]


@njit(cache=True, inline="always", _nrt=False)
def _enabled(i, V, G):
    g_ptr, g_var, g_op, g_val, a_ptr, a_var, a_op, a_val = G[0], G[1], G[2], G[3], G[4], G[5], G[6], G[7]
    for k in range(g_ptr[i], g_ptr[i + 1]):
        if not _check(V[g_var[k]], g_op[k], g_val[k]):
            return False
    lo, hi = a_ptr[i], a_ptr[i + 1]
    if hi > lo:
        for k in range(lo, hi):
            if _check(V[a_var[k]], a_op[k], a_val[k]):
                return True
        return False
    return True


@njit(cache=True, inline="always", _nrt=False)
def _avp(leg, V, TI, TF, P, bmi):
    o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
    return (P[P_NORMAL] + P[P_SUP] * V[o + TI[H_avp_sup]] + P[P_DEEP] * V[o + TI[H_avp_deep]]
            + P[P_SEG] * V[o + TI[H_avp_seg]] + P[P_OBS] * V[o + TI[H_avp_obs]] + P[P_BMI] * (bmi - 25.0))


@njit(cache=True, inline="always", _nrt=False)
def _hazard(i, t, V, ST, age0, bmi_v, bmi_t, bmi_s, logz, G, F, TI, TF, P):
    """Log hazard of instance ``i`` at time ``t`` in the current state, and its log slope."""
    log_rate, slope_of, clock_ref, f_beta = F[0], F[1], F[2], F[3]
    clock, clock_stamp, frailty, f_ptr, f_kind, f_var = G[8], G[9], G[10], G[11], G[12], G[13]
    slope = slope_of[i]
    if clock[i] == 0:
        x = age0 + t - clock_ref[i]
    else:
        s = ST[clock_stamp[i]]
        x = t - s if s == s else 0.0
    lh = log_rate[i] + slope * x
    if frailty[i] == 1:
        lh += logz
    b = slope
    bmi = bmi_v + bmi_s * (t - bmi_t)
    for k in range(f_ptr[i], f_ptr[i + 1]):
        kind = f_kind[k]
        beta = f_beta[k]
        if kind == 0:
            lh += beta * V[f_var[k]]
        elif kind == 1:
            lh += beta * (bmi - 25.0) / 5.0
            b += beta * bmi_s / 5.0
        else:
            lh += beta * (_avp(f_var[k], V, TI, TF, P, bmi) - 40.0) / 10.0
            b += beta * P[P_BMI] * bmi_s / 10.0
    return lh, b


@njit(cache=True, inline="always", _nrt=False)
def _smoking_status(V, TI, TF):
    if V[TI[H_v_smoking_current]] == 1:
        return 1
    if V[TI[H_v_smoking_former]] == 1:
        return 2
    return 0


@njit(cache=True, _nrt=False)
def live(rows, TI, TF0, P0, keys, lt0, TF1, P1, lt1, switch, pid, age0, sex, logz, sched, bmi_change,
         V_all, C_all, tnow, bmi_state, started, status, park_t, slot,
         h0, hb, lh0, en, nxt, dirty, dirty_list, mark, E, tref, occ, ST, store_f, store_i, n_store,
         buf_r, buf_c, buf_f, n_out):
    """Live persons ``rows`` (resuming parked ones) until each is done or parks again.

    The numbers (``TF``, ``P``, ``lt``) are ``*0`` throughout, or with ``switch`` ``*0`` before
    the baseline and ``*1`` from it (a scenario that changes parameters for follow-up only):
    at ``t = 0`` every budget is brought up to date under the old numbers and every hazard is
    recomputed under the new ones. Event rows go to ``buf_r`` (row), ``buf_c`` (leg + 1, kind,
    detail) and ``buf_f`` (t, value) from ``n_out`` on. A person starts only while :data:`PERSON_ROOM` rows
    are free, so the buffers never grow here (no arrays are passed back and forth between the
    compiled functions); returns the new count and how many of ``rows`` were lived, and the
    caller grows the buffers and calls again with the rest.

    A person's clocks (``E``, ``tref``, ``occ``) and stamps (``ST``) live in one person's
    working arrays while they run; only a person who parks copies them into a row of the
    store (``store_f``: E, tref, stamps; ``store_i``: occurrences; ``slot[r]`` its row,
    ``n_store[0]`` rows used) and takes them back on resuming. A run therefore touches memory
    for its event rows and final states, not for every person's 60 clocks. A new person starts
    only while a store row is free (the caller grows the store as it grows the buffers).
    """
    NI = TI[H_n_inst]
    K = sched.shape[1]
    cap = buf_r.shape[0]
    NS = ST.shape[0]
    G = _int_views(TI)
    for k_row in range(rows.shape[0]):
        r = rows[k_row]
        if n_out + PERSON_ROOM > cap or (slot[r] < 0 and n_store[0] >= store_f.shape[0]):
            return n_out, k_row
        first_row = n_out
        V = V_all[r]
        C = C_all[r]
        p = pid[r]
        a0 = age0[r]
        sx = sex[r]
        lz = logz[r]
        t = tnow[r]
        bm = bmi_state[r]
        if not started[r]:
            started[r] = True
            for i in range(NI):
                E[i] = -math.log(uniform(keys[TI[TI[H_key_index] + i]], p, 0))
                tref[i] = t
                occ[i] = 0
            for j in range(NS):
                ST[j] = np.nan
        else:  # resuming after the waiting list: the state saved when the person parked
            row_f = store_f[slot[r]]
            row_i = store_i[slot[r]]
            for i in range(NI):
                E[i] = row_f[i]
                tref[i] = row_f[NI + i]
                occ[i] = row_i[i]
            for j in range(NS):
                ST[j] = row_f[2 * NI + j]
        status[r] = STATUS_DONE
        switched = switch and C[C_SWITCHED] == 1
        TF = TF1 if switched else TF0
        P = P1 if switched else P0
        lt = lt1 if switched else lt0
        F = _float_views(TI, TF)
        # (re)compute every instance at its tref from the current state
        for i in range(NI):
            en[i] = V[TI[H_v_alive]] == 1 and _enabled(i, V, G)
            _refresh(i, tref[i], V, ST, E, tref, h0, hb, lh0, en, nxt, a0, sx, lz, bm[0], bm[1], bm[2], G, F, TI, TF, P, lt)
        n_dirty = 0
        while V[TI[H_v_alive]] == 1 and V[TI[H_v_done]] == 0:
            if n_out - first_row > PERSON_ROOM - 64:
                raise RuntimeError("a person wrote more event rows than PERSON_ROOM allows")
            # next event: earliest instance or scheduled event (schedules win ties)
            i_best = -1
            t_best = np.inf
            for i in range(NI):  # a disabled instance has nxt = inf (see _refresh)
                if nxt[i] < t_best:
                    t_best = nxt[i]
                    i_best = i
            k_best = -1
            s_best = np.inf
            for k in range(K):
                if sched[r, k] < s_best:
                    s_best = sched[r, k]
                    k_best = k
            if k_best < 0 and i_best < 0:
                break
            if switch and not switched and min(s_best, t_best) >= 0.0:
                # baseline: budgets up to t = 0 under the old numbers, hazards under the new
                for i in range(NI):
                    if en[i]:
                        E[i] -= _consumed(i, 0.0, tref, h0, hb, a0, sx, lt, G)
                    tref[i] = 0.0
                switched = True
                C[C_SWITCHED] = 1
                TF = TF1
                P = P1
                lt = lt1
                F = _float_views(TI, TF)
                for i in range(NI):
                    _refresh(i, 0.0, V, ST, E, tref, h0, hb, lh0, en, nxt, a0, sx, lz, bm[0], bm[1], bm[2], G, F, TI, TF, P, lt)
                continue
            if k_best >= 0 and s_best <= t_best:
                t = s_best
                sched[r, k_best] = np.inf
                n_dirty, n_out = _fire_schedule(
                    k_best, r, t, V, ST, C, bm, bmi_change[r], TI, TF, P, keys, p, dirty, dirty_list,
                    n_dirty, buf_r, buf_c, buf_f, n_out)
                fired = -1
            else:
                t = t_best
                fired = i_best
                occ[fired] += 1
                E[fired] = -math.log(uniform(keys[G[G_KEY_INDEX][fired]], p, occ[fired]))
                tref[fired] = t
                n_dirty, n_out = _fire_transition(
                    fired, r, t, V, ST, C, TI, TF, P, keys, p, a0, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out)
            tnow[r] = t
            parked = False
            operated = False
            for q in range(n_dirty):  # derived state reads only the watched variables
                if G[G_WATCH][dirty_list[q]]:
                    n_dirty, n_out, parked, operated = _after_event(
                        r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out,
                        park_t)
                    break
            if operated:  # an operation (unrationed surgery) changes the leg's class at once
                n_dirty, n_out, again, operated = _after_event(
                    r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out, park_t)
                parked = parked or again
            # bring dependent instances up to date
            if fired >= 0:
                mark[fired] = True
            for q in range(n_dirty):
                v = dirty_list[q]
                dirty[v] = False
                for k in range(G[G_DEP_PTR][v], G[G_DEP_PTR][v + 1]):
                    mark[G[G_DEP_INST][k]] = True
            n_dirty = 0
            alive = V[TI[H_v_alive]] == 1 and V[TI[H_v_done]] == 0
            for i in range(NI):
                if mark[i]:
                    mark[i] = False
                    on = alive and _enabled(i, V, G)
                    if i != fired:
                        if not on and not en[i]:
                            continue  # stays off: its budget waits, its tref is reset when it comes on
                        if on and en[i] and _unchanged(i, V, ST, tref, hb, lh0, a0, lz, bm[0], bm[1], bm[2], G, F, TI, TF, P):
                            continue  # the same hazard from tref on: its firing time stands
                        if en[i]:
                            E[i] -= _consumed(i, t, tref, h0, hb, a0, sx, lt, G)
                    tref[i] = t
                    en[i] = on
                    _refresh(i, t, V, ST, E, tref, h0, hb, lh0, en, nxt, a0, sx, lz, bm[0], bm[1], bm[2], G, F, TI, TF, P, lt)
            if parked:
                status[r] = STATUS_PARKED
                # budgets of untouched instances stay valid from their own tref
                if slot[r] < 0:
                    slot[r] = n_store[0]
                    n_store[0] += 1
                row_f = store_f[slot[r]]
                row_i = store_i[slot[r]]
                for i in range(NI):
                    row_f[i] = E[i]
                    row_f[NI + i] = tref[i]
                    row_i[i] = occ[i]
                for j in range(NS):
                    row_f[2 * NI + j] = ST[j]
                break
    return n_out, rows.shape[0]


@njit(cache=True, inline="always", _nrt=False)
def _consumed(i, t, tref, h0, hb, a0, sx, lt, G):
    if G[G_CLOCK][i] == 2:
        return _lt_integral(lt, sx, int(hb[i]), a0 + tref[i], a0 + t)
    return _gompertz_integral(h0[i], hb[i], t - tref[i])


@njit(cache=True, inline="always", _nrt=False)
def _unchanged(i, V, ST, tref, hb, lh0, a0, lz, b0, b1, b2, G, F, TI, TF, P):
    """Whether an enabled instance's hazard, evaluated in the new state at its ``tref``, is
    the one in force (same log hazard and log slope, bit for bit: the same arithmetic on the
    same inputs). Then its hazard is the same function of time from ``tref`` on and its
    firing time need not be recomputed: an event usually changes a variable that only some
    of its dependants' hazards or guards actually turn on (a guard that stays true, a
    covariate of another leg's class). Life-table clocks: the same smoking status."""
    if G[G_CLOCK][i] == 2:
        return _smoking_status(V, TI, TF) == int(hb[i])
    lh, b = _hazard(i, tref[i], V, ST, a0, b0, b1, b2, lz, G, F, TI, TF, P)
    return lh == lh0[i] and b == hb[i]


@njit(cache=True, inline="always", _nrt=False)
def _refresh(i, t, V, ST, E, tref, h0, hb, lh0, en, nxt, a0, sx, lz, b0, b1, b2, G, F, TI, TF, P, lt):
    if not en[i]:
        nxt[i] = np.inf
        return
    if G[G_CLOCK][i] == 2:
        status = _smoking_status(V, TI, TF)
        h0[i] = 1.0
        hb[i] = status
        nxt[i] = t + _lt_time(lt, sx, status, a0 + t, E[i])
        return
    lh, b = _hazard(i, t, V, ST, a0, b0, b1, b2, lz, G, F, TI, TF, P)
    lh0[i] = lh
    h0[i] = math.exp(lh)
    hb[i] = b
    nxt[i] = t + _gompertz_time(h0[i], b, E[i])


@njit(cache=True, inline="always", _nrt=False)
def _set(V, v, value, vmax, dirty, dirty_list, n_dirty):
    if value < 0:
        value = 0
    if value > vmax:
        value = vmax
    if V[v] != value:
        V[v] = value
        if not dirty[v]:
            dirty[v] = True
            dirty_list[n_dirty] = v
            n_dirty += 1
    return n_dirty


@njit(cache=True, inline="always", _nrt=False)
def _emit(buf_r, buf_c, buf_f, n, r, t, leg, kind, detail, value):
    """Write one event row at ``n`` (the caller keeps room: see ``live``); returns ``n + 1``.

    The buffers are column-major (``buf_c[column, row]``), each column a contiguous run the
    event table uses as it is (the codes are those of its categoricals: leg + 1)."""
    buf_r[n] = r
    buf_c[0, n] = leg + 1
    buf_c[1, n] = kind
    buf_c[2, n] = detail
    buf_f[0, n] = t
    buf_f[1, n] = value
    return n + 1


@njit(cache=True, inline="always", _nrt=False)
def _apply(lo, hi, h_kind, h_var, h_val, V, ST, t, TI, TF, dirty, dirty_list, n_dirty):
    ok, ov, ol = TI[h_kind], TI[h_var], TI[h_val]
    for k in range(lo, hi):
        kind = TI[ok + k]
        v = TI[ov + k]
        if kind == 2:
            ST[v] = t
        elif kind == 1:
            n_dirty = _set(V, v, V[v] + TI[ol + k], TI[TI[H_var_max] + v], dirty, dirty_list, n_dirty)
        else:
            n_dirty = _set(V, v, TI[ol + k], TI[TI[H_var_max] + v], dirty, dirty_list, n_dirty)
    return n_dirty


@njit(cache=True, _nrt=False)
def _fire_transition(i, r, t, V, ST, C, TI, TF, P, keys, p, a0, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out):
    leg = TI[TI[H_leg] + i]
    n_dirty = _apply(TI[TI[H_e_ptr] + i], TI[TI[H_e_ptr] + i + 1], H_e_kind, H_e_var, H_e_val, V, ST, t, TI, TF, dirty, dirty_list, n_dirty)
    if TI[TI[H_em_kind] + i] >= 0:
        val = np.nan if TI[TI[H_em_value] + i] < 0 else float(V[TI[TI[H_em_value] + i]])
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[TI[H_em_kind] + i], TI[TI[H_em_detail] + i], val)
    hook = TI[TI[H_hook] + i]
    if hook == 1:  # dvt
        n_dirty, n_out = _dvt(leg, r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                                            buf_r, buf_c, buf_f, n_out)
    elif hook == 2:  # duplex
        n_dirty, n_out = _duplex(r, t, V, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                                               buf_r, buf_c, buf_f, n_out)
    elif hook == 3:  # radiograph
        o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
        c = V[o + TI[H_lv_calcification]]
        if c > 0:
            d = TI[TI[H_d_calc] + c]
        elif V[o + TI[H_lv_background]] == 1:
            d = TI[TI[H_d_calc] + 4]
        else:
            d = TI[TI[H_d_calc] + 0]
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_radiograph], d, np.nan)
        if V[o + TI[H_lv_periostitis]] == 1:
            n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_radiograph], TI[TI[H_d_calc] + 5], np.nan)
    elif hook == 4:  # death
        n_out = _die(r, t, V, TI, TF, buf_r, buf_c, buf_f, n_out)
    return n_dirty, n_out


@njit(cache=True, inline="always", _nrt=False)
def _die(r, t, V, TI, TF, buf_r, buf_c, buf_f, n_out):
    V[TI[H_v_alive]] = 0
    V[TI[H_v_done]] = 1
    return _emit(buf_r, buf_c, buf_f, n_out, r, t, -1, TI[H_k_exit], TI[H_d_exit_death], np.nan)


@njit(cache=True, _nrt=False)
def _dvt(leg, r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out):
    occ = C[C_DVT]
    C[C_DVT] += 1
    o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
    if uniform(keys[K_PE], p, occ) < P[P_PE]:
        fatal = V[TI[H_v_followup]] == 1 and uniform(keys[K_PE_FATAL], p, occ) < P[P_PE_FATAL]
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, -1, TI[H_k_pe], TI[H_d_pe_fatal] if fatal else TI[H_d_pe_nonfatal], np.nan)
        if fatal:
            n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, -1, TI[H_k_death], TI[H_d_death_pe], np.nan)
            n_out = _die(r, t, V, TI, TF, buf_r, buf_c, buf_f, n_out)
            return n_dirty, n_out
    if V[o + TI[H_lv_deep]] == 0 and V[o + TI[H_lv_pts]] == 0 and uniform(keys[K_PTS], p, occ) < P[P_PTS]:
        n_dirty = _set(V, o + TI[H_lv_pts], 1, 1, dirty, dirty_list, n_dirty)
        if uniform(keys[K_OBSTR], p, occ) < P[P_OBSTR]:
            n_dirty = _set(V, o + TI[H_avp_obs], 1, 1, dirty, dirty_list, n_dirty)
            n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_finding], TI[H_d_obstruction], np.nan)
    return n_dirty, n_out


@njit(cache=True, _nrt=False)
def _prescribe(r, t, V, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out):
    u = uniform(keys[K_ADHERE], p, C[C_PRESCRIPTIONS])
    C[C_PRESCRIPTIONS] += 1
    if u < P[P_ADHERE]:
        n_dirty = _set(V, TI[H_v_compression], 1, 1, dirty, dirty_list, n_dirty)
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, -1, TI[H_k_compression], TI[H_d_comp_start], np.nan)
    return n_dirty, n_out


@njit(cache=True, _nrt=False)
def _duplex(r, t, V, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out):
    occ = C[C_PRESENTATIONS]
    C[C_PRESENTATIONS] += 1
    positive_any = False
    for leg in range(2):
        o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
        reflux = V[o + TI[H_avp_sup]] == 1 or V[o + TI[H_avp_deep]] == 1
        u = uniform(keys[K_DUPLEX0 + leg], p, occ)
        positive = (u < P[P_SENS]) if reflux else (u >= P[P_SPEC])
        if reflux:
            d = TI[TI[H_d_duplex] + 0] if positive else TI[TI[H_d_duplex] + 1]
        else:
            d = TI[TI[H_d_duplex] + 3] if positive else TI[TI[H_d_duplex] + 2]
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_diagnosis], d, np.nan)
        positive_any = positive_any or positive
    n_dirty = _set(V, TI[H_v_diagnosed], 2 if positive_any else 1, 2, dirty, dirty_list, n_dirty)
    if positive_any and V[TI[H_v_worst]] >= P[P_COMP_MIN] and V[TI[H_v_compression]] == 0:
        n_dirty, n_out = _prescribe(r, t, V, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                                                  buf_r, buf_c, buf_f, n_out)
    return n_dirty, n_out


@njit(cache=True, _nrt=False)
def _operate(leg, r, t, V, ST, TI, TF, P, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out):
    o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
    if V[o + TI[H_lv_referred]] == 0:
        return n_dirty, n_out
    wait = t - ST[TI[H_st_referred] + leg * TI[H_n_leg_stamps]]
    n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_surgery], TI[H_d_surgery_done], wait)
    n_dirty = _set(V, o + TI[H_lv_referred], 0, 1, dirty, dirty_list, n_dirty)
    n_dirty = _set(V, o + TI[H_lv_surgery_done], 1, 1, dirty, dirty_list, n_dirty)
    n_dirty = _set(V, o + TI[H_avp_sup], 0, 1, dirty, dirty_list, n_dirty)
    n_dirty = _set(V, o + TI[H_lv_varicose], 0, 1, dirty, dirty_list, n_dirty)
    floor = 1 if (V[o + TI[H_avp_deep]] == 1 or V[o + TI[H_lv_congenital]] == 1) else 0
    seg = max(V[o + TI[H_avp_seg]] - int(P[P_SEG_REMOVED]), floor)
    n_dirty = _set(V, o + TI[H_avp_seg], seg, 6, dirty, dirty_list, n_dirty)
    return n_dirty, n_out


@njit(cache=True, _nrt=False)
def _fire_schedule(k, r, t, V, ST, C, bmi, bmi_change, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                   buf_r, buf_c, buf_f, n_out):
    for g in range(TI[TI[H_s_g_ptr] + k], TI[TI[H_s_g_ptr] + k + 1]):
        if not _check(V[TI[TI[H_s_g_var] + g]], TI[TI[H_s_g_op] + g], TI[TI[H_s_g_val] + g]):
            return n_dirty, n_out
    n_dirty = _apply(TI[TI[H_s_e_ptr] + k], TI[TI[H_s_e_ptr] + k + 1], H_s_e_kind, H_s_e_var, H_s_e_val, V, ST, t, TI, TF, dirty,
                     dirty_list, n_dirty)
    hook = TI[TI[H_s_hook] + k]
    leg = TI[TI[H_s_leg] + k]
    value = np.nan
    if hook == 3 or hook == 5:  # bmi_drift_end, bmi_change: bmi = (value at bmi_t, bmi_t, slope)
        cur = bmi[0] + bmi[2] * (t - bmi[1])
        if hook == 3:
            bmi[2] = 0.0
        else:
            cur += bmi_change
        bmi[0] = cur
        bmi[1] = t
        value = cur
        if not dirty[dirty.shape[0] - 1]:
            dirty[dirty.shape[0] - 1] = True
            dirty_list[n_dirty] = dirty.shape[0] - 1
            n_dirty += 1
    if TI[TI[H_s_em_kind] + k] >= 0:
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[TI[H_s_em_kind] + k], TI[TI[H_s_em_detail] + k], value)
    if hook == 1:  # history_start: congenital absence of valves
        if V[TI[H_v_congenital_person]] == 1:
            for lg in range(2):
                o = TI[H_leg_offset] + lg * TI[H_n_leg_vars]
                n_dirty = _set(V, o + TI[H_lv_congenital], 1, 1, dirty, dirty_list, n_dirty)
                n_dirty = _set(V, o + TI[H_avp_sup], 1, 1, dirty, dirty_list, n_dirty)
                n_dirty = _set(V, o + TI[H_avp_deep], 1, 1, dirty, dirty_list, n_dirty)
                n_dirty = _set(V, o + TI[H_avp_seg], 2, 6, dirty, dirty_list, n_dirty)
                n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, lg, TI[H_k_valve], TI[H_d_congenital], np.nan)
    elif hook == 2:  # prior_dvt: the cohort's DVT, in a leg chosen by its own stream
        lg = 0 if uniform(keys[K_PRIOR_LEG], p, 0) < 0.5 else 1
        o = TI[H_leg_offset] + lg * TI[H_n_leg_vars]
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, lg, TI[H_k_dvt], TI[H_d_dvt_prior], np.nan)
        n_dirty = _set(V, o + TI[H_lv_dvt_count], V[o + TI[H_lv_dvt_count]] + 1, 20, dirty, dirty_list, n_dirty)
        n_dirty = _set(V, TI[H_v_prior_dvt], 1, 1, dirty, dirty_list, n_dirty)
        ST[TI[H_st_dvt] + lg * TI[H_n_leg_stamps]] = t
        n_dirty, n_out = _dvt(lg, r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                                            buf_r, buf_c, buf_f, n_out)
    elif hook == 4:  # exit
        V[TI[H_v_done]] = 1
    elif hook == 6:  # operate (a theatre slot for this leg)
        n_dirty, n_out = _operate(leg, r, t, V, ST, TI, TF, P, dirty, dirty_list, n_dirty,
                                                buf_r, buf_c, buf_f, n_out)
    return n_dirty, n_out


@njit(cache=True, inline="always", _nrt=False)
def _leg_code(V, o, TI, TF):
    """CEAP clinical class of a leg (0-6) and the index of its detail in CEAP_DETAILS."""
    if V[o + TI[H_lv_ulcer_active]] == 1:
        return 6, 10 if V[o + TI[H_lv_ulcers]] > 1 else 9
    if V[o + TI[H_lv_ulcer_healed]] == 1:
        return 5, 8
    if V[o + TI[H_lv_lds]] == 1:
        return 4, 6
    if V[o + TI[H_lv_pigm]] == 1:
        return 4, 5
    if V[o + TI[H_lv_corona]] == 1:
        return 4, 7
    if V[o + TI[H_lv_edema]] == 1:
        return 3, 4
    if V[o + TI[H_lv_varicose]] == 1:
        return 2, 3 if V[o + TI[H_lv_surgery_done]] == 1 else 2
    if V[o + TI[H_lv_telangiectasia]] == 1:
        return 1, 1
    return 0, 0


@njit(cache=True, _nrt=False)
def _after_event(r, t, V, ST, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty, buf_r, buf_c, buf_f, n_out, park_t):
    """Derived state after any event: each leg's CEAP class (logged when it changes), the
    person's worst class, the start of CVI in a leg, compression on crossing the threshold,
    and referral for surgery. Also says whether it operated (unrationed surgery): only then
    can a second pass change anything (a prescription is followed by the referral check
    below in this same pass)."""
    parked = False
    operated = False
    if V[TI[H_v_alive]] == 0 or V[TI[H_v_done]] == 1:
        return n_dirty, n_out, parked, operated
    worst = 0
    ulcer_opened = False
    for leg in range(2):
        o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
        cls, code = _leg_code(V, o, TI, TF)
        if code != C[C_LASTCODE0 + leg]:
            C[C_LASTCODE0 + leg] = code
            n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_ceap], TI[TI[H_d_ceap] + code], np.nan)
        if V[o + TI[H_lv_class]] != cls:
            if cls == 6:
                ulcer_opened = True
            n_dirty = _set(V, o + TI[H_lv_class], cls, 6, dirty, dirty_list, n_dirty)
        if cls >= 3 and V[o + TI[H_lv_cvi]] == 0:
            n_dirty = _set(V, o + TI[H_lv_cvi], 1, 1, dirty, dirty_list, n_dirty)
            ST[TI[H_st_cvi] + leg * TI[H_n_leg_stamps]] = t
        worst = max(worst, cls)
    old = V[TI[H_v_worst]]
    if worst != C[C_LASTWORST]:
        C[C_LASTWORST] = worst
        n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, -1, TI[H_k_ceap], TI[TI[H_d_worst] + worst], np.nan)
    n_dirty = _set(V, TI[H_v_worst], worst, 6, dirty, dirty_list, n_dirty)
    minc = int(P[P_COMP_MIN])
    if V[TI[H_v_diagnosed]] == 2 and V[TI[H_v_compression]] == 0 and ((old < minc <= worst) or ulcer_opened):
        n_dirty, n_out = _prescribe(r, t, V, C, TI, TF, P, keys, p, dirty, dirty_list, n_dirty,
                                                  buf_r, buf_c, buf_f, n_out)
    if V[TI[H_v_compression]] == 1:
        for leg in range(2):
            o = TI[H_leg_offset] + leg * TI[H_n_leg_vars]
            if (V[o + TI[H_lv_class]] >= P[P_REFER_MIN] and V[o + TI[H_avp_sup]] == 1 and V[o + TI[H_lv_referred]] == 0):
                n_dirty = _set(V, o + TI[H_lv_referred], 1, 1, dirty, dirty_list, n_dirty)
                ST[TI[H_st_referred] + leg * TI[H_n_leg_stamps]] = t
                n_out = _emit(buf_r, buf_c, buf_f, n_out, r, t, leg, TI[H_k_surgery], TI[H_d_surgery_referred], np.nan)
                if P[P_UNLIMITED] > 0:
                    operated = True
                    n_dirty, n_out = _operate(leg, r, t, V, ST, TI, TF, P, dirty, dirty_list, n_dirty,
                                                            buf_r, buf_c, buf_f, n_out)
                else:
                    parked = True
                    park_t[r, leg] = t
    return n_dirty, n_out, parked, operated


@njit(cache=True, _nrt=False)
def merge_resumed(buf_r, buf_c, buf_f, first, n, t_r, t_c, t_f):
    """Put the resumed rows in their places, in the buffers themselves (no new memory).

    Rows ``[0, first)`` are in person order; ``t_r``/``t_c``/``t_f`` are copies of the rows
    written after them (persons resumed from the waiting list), sorted stably by person.
    Each goes after its person's earlier rows. A merge from the back moves each main row at
    most once, right by the number of resumed rows that go before it.
    """
    k_n = t_r.shape[0]
    w = n - 1
    m = first - 1
    for k in range(k_n - 1, -1, -1):
        while m >= 0 and buf_r[m] > t_r[k]:
            _copy_row(buf_r, buf_c, buf_f, w, buf_r, buf_c, buf_f, m)
            w -= 1
            m -= 1
        _copy_row(buf_r, buf_c, buf_f, w, t_r, t_c, t_f, k)
        w -= 1


@njit(cache=True, inline="always", _nrt=False)
def _copy_row(dst_r, dst_c, dst_f, w, src_r, src_c, src_f, j):
    dst_r[w] = src_r[j]
    for c in range(dst_c.shape[0]):
        dst_c[c, w] = src_c[c, j]
    for c in range(dst_f.shape[0]):
        dst_f[c, w] = src_f[c, j]
