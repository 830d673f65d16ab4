"""The reference engine: a second, plain implementation of the declared model in simpy.

It shares with the compiled engine only the declared model (structure and numbers), the
random streams and the event vocabulary (and the preparation of each person's starting point
from the cohort: schedule times, BMI at 18, the life table by smoking status). Everything else
is written again here, to be read: one simpy process a person; the state as dictionaries of
named variables; at every event *every* enabled transition is brought up to date and its next
time recomputed (no dependency lists); surgery as one :class:`simpy.Resource` a catchment (blocks of
``care.surgery_catchment_population`` person ids) whose queue is that catchment's waiting list. A slot is held once it is reached, even by a person who died while waiting (as in
the compiled engine, where the slot is booked at referral).

It is slow on purpose (a few hundred persons a second); :mod:`tests.sim` compares it with the
compiled engine event by event.

Examples
--------
>>> from cvirisk import generate_cohort, load_params
>>> ev, persons = run_reference(generate_cohort(20, seed=1), load_params(), seed=1, years=5)
>>> list(ev.columns)
['person_id', 'age', 't', 'leg', 'event', 'detail', 'value']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import simpy
from scipy.special import ndtri

from cvirisk.params.model_spec import OPS, load_model, parse_guard
from cvirisk.params.vocabulary import EVENT_KINDS, LEG_NAMES, SELF_EMITTING
from cvirisk.random import stream_key, uniforms

__all__ = ["run_reference"]

_OP = {v: k for k, v in OPS.items()}
_EPS = 1e-10


def _holds(value: int, op: int, bound: int) -> bool:
    return {"==": value == bound, "!=": value != bound, "<": value < bound, ">=": value >= bound,
            ">": value > bound, "<=": value <= bound}[_OP[op]]


def _gompertz_integral(h0: float, b: float, dt: float) -> float:
    if dt <= 0.0 or h0 <= 0.0:
        return 0.0
    return h0 * dt if abs(b) < _EPS else h0 * math.expm1(b * dt) / b


def _gompertz_time(h0: float, b: float, budget: float) -> float:
    if h0 <= 0.0:
        return math.inf
    if abs(b) < _EPS:
        return budget / h0
    arg = b * budget / h0
    if arg <= -1.0:
        return math.inf
    tau = math.log1p(arg) / b
    return tau if tau >= 0.0 else math.inf


class _Transition:
    """One declared transition in one leg (``leg`` None for the person's)."""

    def __init__(self, spec, params, tid: str, leg: int | None, seed: int, replication: int) -> None:
        d = spec.transitions[tid]
        num = params.natural_history.transitions[tid]
        self.tid, self.leg, self.d = tid, leg, d
        scope = d["scope"]
        self.requires = [parse_guard(spec, g, scope, tid) for g in d.get("requires") or []]
        self.requires_any = [parse_guard(spec, g, scope, tid) for g in d.get("requires_any") or []]
        self.clock = d["clock"]
        self.life = self.clock == "life_table"
        self.rate = None if num.rate_per_year is None else float(num.rate_per_year.value)
        self.slope = 0.0 if num.log_slope_per_year is None else float(num.log_slope_per_year.value)
        self.ref = float(params.simulation.reference_age.value) if self.clock == "age" else 0.0
        self.ratios = {f: math.log(float(q.value)) for f, q in num.hazard_ratios.items()}
        self.frailty = bool(d.get("frailty"))
        name = f"transition.{tid}" + (f".{LEG_NAMES[leg + 1]}" if leg is not None else "")
        self.key = stream_key(seed, replication, name)


class _Person:
    """One person's state: person variables, two legs' variables and stamps, budgets, counters."""

    def __init__(self, spec) -> None:
        self.p = {n: 0 for n in spec.person_vars}
        self.legs = [{n: 0 for n in spec.leg_vars} for _ in range(2)]
        self.stamps = [{n: math.nan for n in spec.leg_stamps} for _ in range(2)]
        self.rows: list[tuple] = []
        self.count = {"prescriptions": 0, "presentations": 0, "dvt": 0}
        self.shown = ["C0", "C0"]
        self.worst_shown = 0
        self.switched = False


class _Engine:
    def __init__(self, cohort: pd.DataFrame, params, seed: int, years: float, replication: int,
                 unlimited: bool, interventions, params_followup) -> None:
        from cvirisk.sim.compiled.run import (  # the shared preparation
            _life_hazards,
            _schedules,
            _smoking_mix,
        )

        self.spec = load_model()
        self.params, self.seed, self.rep = params, seed, replication
        self.legged = [(t, leg) for t in self.spec.transition_ids
                       for leg in ((0, 1) if self.spec.transitions[t]["scope"] == "leg" else (None,))]
        self.numbers = {0: self._numbers(params)}
        self.numbers[1] = self._numbers(params_followup) if params_followup is not None else self.numbers[0]
        self.switch = params_followup is not None
        self.life = {0: _life_hazards(params, _smoking_mix(params))}
        self.life[1] = (_life_hazards(params_followup, _smoking_mix(params_followup)) if self.switch
                        else self.life[0])
        interventions = dict(interventions or {})
        self.bmi_change = np.asarray(interventions.pop("bmi_change_value", np.zeros(len(cohort))), float)
        self.sched = _schedules(self.spec, params, cohort, years, interventions)
        self.cohort = cohort.reset_index(drop=True)
        self.unlimited = unlimited
        self.keys = {k: stream_key(seed, replication, k) for k in (
            "pe.occurs", "pe.fatal", "pts.occurs", "obstruction.occurs", "duplex.left", "duplex.right",
            "compression.adherence", "prior_dvt.leg")}
        sd = float(params.frailty.sd_log.value)
        pid = self.cohort["person_id"].to_numpy(np.int64)
        self.logz = sd * ndtri(uniforms(seed, replication, "frailty", pid)) - 0.5 * sd * sd

    def _numbers(self, params) -> dict:
        return {"trans": [_Transition(self.spec, params, t, leg, self.seed, self.rep) for t, leg in self.legged],
                "vp": params.venous_pressure, "care": params.care, "th": params.thrombosis}

    # -- reading the state -------------------------------------------------------------------
    def _value(self, s: _Person, owner: str, var: str, leg: int | None) -> int:
        if owner == "person":
            return s.p[var]
        return s.legs[leg if owner == "self" else 1 - leg][var]

    def _enabled(self, s: _Person, tr: _Transition) -> bool:
        if not s.p["alive"] or s.p["exited"]:
            return False
        if not all(_holds(self._value(s, o, v, tr.leg), op, b) for o, v, op, b in tr.requires):
            return False
        return not tr.requires_any or any(_holds(self._value(s, o, v, tr.leg), op, b) for o, v, op, b in tr.requires_any)

    def _bmi(self, s: _Person, t: float) -> tuple[float, float]:
        value, at, slope = s.bmi
        return value + slope * (t - at), slope

    def _avp(self, s: _Person, leg: int, bmi: float, vp) -> float:
        g = s.legs[leg]
        return (vp.normal_mmhg.value + vp.superficial_reflux_mmhg.value * g["superficial_reflux"]
                + vp.deep_reflux_mmhg.value * g["deep_reflux"] + vp.per_segment_mmhg.value * g["segments"]
                + vp.obstruction_mmhg.value * g["obstruction"] + vp.per_bmi_unit_mmhg.value * (bmi - 25.0))

    def _hazard(self, s: _Person, tr: _Transition, t: float, nums: dict) -> tuple[float, float]:
        """Hazard at ``t`` and its log slope in time, in the current state."""
        if tr.clock == "age":
            x = s.age0 + t - tr.ref
        else:
            stamp = s.stamps[tr.leg][tr.clock[6:]]
            x = t - stamp if stamp == stamp else 0.0
        lh = (math.log(tr.rate) if tr.rate > 0 else -math.inf) + tr.slope * x
        if tr.frailty:
            lh += s.logz
        b = tr.slope
        bmi, dbmi = self._bmi(s, t)
        for feat, beta in tr.ratios.items():
            if feat == "bmi_per_5":
                lh += beta * (bmi - 25.0) / 5.0
                b += beta * dbmi / 5.0
            elif feat == "avp_per_10":
                lh += beta * (self._avp(s, tr.leg, bmi, nums["vp"]) - 40.0) / 10.0
                b += beta * nums["vp"].per_bmi_unit_mmhg.value * dbmi / 10.0
            else:
                owner, var = ("other", feat[6:]) if feat.startswith("other.") else (
                    ("person", feat) if feat in s.p else ("self", feat))
                lh += beta * self._value(s, owner, var, tr.leg)
        return math.exp(lh), b

    def _status(self, s: _Person) -> int:
        return 1 if s.p["smoking_current"] else 2 if s.p["smoking_former"] else 0

    def _life_time(self, s: _Person, t: float, budget: float, table) -> float:
        a = s.age0 + t
        while True:
            k = int(math.floor(a))
            if k >= table.shape[2]:
                return math.inf
            mu = table[s.sex, self._status(s), k]
            if mu * (k + 1 - a) >= budget:
                return a + budget / mu - s.age0 - t if mu > 0 else math.inf
            budget -= mu * (k + 1 - a)
            a = float(k + 1)

    def _life_integral(self, s: _Person, t0: float, t1: float, table) -> float:
        a, end, total = s.age0 + t0, s.age0 + t1, 0.0
        while a < end:
            k = int(math.floor(a))
            if k >= table.shape[2]:
                return math.inf
            nxt = min(float(k + 1), end)
            total += table[s.sex, self._status(s), k] * (nxt - a)
            a = nxt
        return total

    # -- changing the state ------------------------------------------------------------------
    def _emit(self, s: _Person, t: float, leg: int | None, kind: str, detail: str, value: float = math.nan) -> None:
        s.rows.append((t, "" if leg is None else LEG_NAMES[leg + 1], kind, detail, value))

    def _apply(self, s: _Person, node: dict, leg: int | None, t: float) -> None:
        for var, value in (node.get("sets") or {}).items():
            if value == "now":
                s.stamps[leg][var] = t
                continue
            other = var.startswith("other.")
            base = var.removeprefix("other.")
            target = s.p if base in s.p else s.legs[(1 - leg) if other else leg]
            meta = self.spec.var_meta(base)
            top = 1 if meta["kind"] == "flag" else int(meta["max"])
            new = target[base] + int(value) if isinstance(value, str) else int(value)
            target[base] = min(max(new, 0), top)

    def _die(self, s: _Person, t: float) -> None:
        s.p["alive"] = 0
        s.p["exited"] = 1
        self._emit(s, t, None, "exit", "death")

    def _dvt(self, s: _Person, leg: int, t: float, nums: dict) -> None:
        occ = s.count["dvt"]
        s.count["dvt"] += 1
        th, g = nums["th"], s.legs[leg]
        u = lambda name: float(uniforms(0, 0, "", [s.pid], occ, key=self.keys[name])[0])  # noqa: E731
        if u("pe.occurs") < th.pe_probability.value:
            fatal = s.p["followup"] == 1 and u("pe.fatal") < th.pe_case_fatality.value
            self._emit(s, t, None, "pe", "fatal" if fatal else "nonfatal")
            if fatal:
                self._emit(s, t, None, "death", "pe")
                self._die(s, t)
                return
        if not g["deep_reflux"] and not g["pts_pending"] and u("pts.occurs") < th.pts_probability.value:
            g["pts_pending"] = 1
            if u("obstruction.occurs") < th.obstruction_probability.value:
                g["obstruction"] = 1
                self._emit(s, t, leg, "finding", "residual_obstruction")

    def _prescribe(self, s: _Person, t: float, nums: dict) -> None:
        u = float(uniforms(0, 0, "", [s.pid], s.count["prescriptions"], key=self.keys["compression.adherence"])[0])
        s.count["prescriptions"] += 1
        if u < nums["care"].compression_adherence.value:
            s.p["compression"] = 1
            self._emit(s, t, None, "compression", "start")

    def _duplex(self, s: _Person, t: float, nums: dict) -> None:
        occ = s.count["presentations"]
        s.count["presentations"] += 1
        care, any_positive = nums["care"], False
        for leg in (0, 1):
            g = s.legs[leg]
            reflux = bool(g["superficial_reflux"] or g["deep_reflux"])
            u = float(uniforms(0, 0, "", [s.pid], occ, key=self.keys[("duplex.left", "duplex.right")[leg]])[0])
            positive = u < care.duplex_sensitivity.value if reflux else u >= care.duplex_specificity.value
            name = {(True, True): "true_positive", (True, False): "false_negative",
                    (False, False): "true_negative", (False, True): "false_positive"}[(reflux, positive)]
            self._emit(s, t, leg, "diagnosis", f"duplex_{name}")
            any_positive |= positive
        s.p["diagnosed"] = 2 if any_positive else 1
        if any_positive and s.p["worst_class"] >= care.compression_min_class.value and not s.p["compression"]:
            self._prescribe(s, t, nums)

    def _operate(self, s: _Person, leg: int, t: float, nums: dict) -> None:
        g = s.legs[leg]
        if not g["referred"]:
            return
        self._emit(s, t, leg, "surgery", "done", t - s.stamps[leg]["referred_at"])
        g["referred"], g["surgery_done"], g["superficial_reflux"], g["varicose_veins"] = 0, 1, 0, 0
        floor = 1 if (g["deep_reflux"] or g["congenital"]) else 0
        g["segments"] = min(max(g["segments"] - int(nums["care"].surgery_segments_removed.value), floor), 6)

    @staticmethod
    def _leg_class(g: dict) -> tuple[int, str]:
        if g["ulcer_active"]:
            return 6, "C6r" if g["ulcers"] > 1 else "C6"
        if g["ulcer_healed"]:
            return 5, "C5"
        for flag, name in (("lipodermatosclerosis", "C4b"), ("pigmentation", "C4a"), ("corona", "C4c")):
            if g[flag]:
                return 4, name
        if g["edema"]:
            return 3, "C3"
        if g["varicose_veins"]:
            return 2, "C2r" if g["surgery_done"] else "C2"
        return (1, "C1") if g["telangiectasia"] else (0, "C0")

    def _derive(self, s: _Person, t: float, nums: dict) -> list[int]:
        """Classes, CVI onset, compression on crossing the threshold, referrals; returns referred legs."""
        if not s.p["alive"] or s.p["exited"]:
            return []
        worst, opened = 0, False
        for leg in (0, 1):
            g = s.legs[leg]
            cls, name = self._leg_class(g)
            if name != s.shown[leg]:
                s.shown[leg] = name
                self._emit(s, t, leg, "ceap", name)
            if g["leg_class"] != cls:
                opened |= cls == 6
                g["leg_class"] = cls
            if cls >= 3 and not g["cvi"]:
                g["cvi"] = 1
                s.stamps[leg]["cvi_at"] = t
            worst = max(worst, cls)
        old = s.p["worst_class"]
        if worst != s.worst_shown:
            s.worst_shown = worst
            self._emit(s, t, None, "ceap", f"C{worst}")
        s.p["worst_class"] = worst
        care = nums["care"]
        minc = int(care.compression_min_class.value)
        if s.p["diagnosed"] == 2 and not s.p["compression"] and (old < minc <= worst or opened):
            self._prescribe(s, t, nums)
        referred = []
        if s.p["compression"]:
            for leg in (0, 1):
                g = s.legs[leg]
                if g["leg_class"] >= care.surgery_referral_min_class.value and g["superficial_reflux"] and not g["referred"]:
                    g["referred"] = 1
                    s.stamps[leg]["referred_at"] = t
                    self._emit(s, t, leg, "surgery", "referred")
                    if self.unlimited:
                        self._operate(s, leg, t, nums)
                    else:
                        referred.append(leg)
        return referred

    def _fire(self, s: _Person, tr: _Transition, t: float, nums: dict) -> None:
        d = tr.d
        self._apply(s, d, tr.leg, t)
        hook = d.get("hook")
        if hook not in SELF_EMITTING:
            em = d["emits"]
            value = float(s.legs[tr.leg][em["value"]]) if "value" in em else math.nan
            self._emit(s, t, tr.leg, em["event"], str(em.get("detail", "")), value)
        if hook == "dvt":
            self._dvt(s, tr.leg, t, nums)
        elif hook == "duplex":
            self._duplex(s, t, nums)
        elif hook == "radiograph":
            g = s.legs[tr.leg]
            shown = {1: "punctate", 2: "trabecular", 3: "reticular"}.get(g["calcification"])
            self._emit(s, t, tr.leg, "radiograph", shown or ("background" if g["background_calcification"] else "normal"))
            if g["periostitis"]:
                self._emit(s, t, tr.leg, "radiograph", "periostitis")
        elif hook == "death":
            self._die(s, t)

    def _schedule(self, s: _Person, sid: str, t: float, nums: dict) -> None:
        d = self.spec.schedules[sid]
        leg = ("left", "right").index(d["leg"]) if d.get("leg") else None
        scope = "leg" if leg is not None else "person"
        for g in d.get("requires") or []:
            o, v, op, b = parse_guard(self.spec, g, scope, sid)
            if not _holds(self._value(s, o, v, leg if leg is not None else 0), op, b):
                return
        self._apply(s, d, leg, t)
        hook, value = d.get("hook"), math.nan
        if hook in ("bmi_drift_end", "bmi_change"):
            bmi, _ = self._bmi(s, t)
            bmi += s.bmi_change if hook == "bmi_change" else 0.0
            s.bmi = (bmi, t, 0.0 if hook == "bmi_drift_end" else s.bmi[2])
            value = bmi
        if hook not in SELF_EMITTING:
            self._emit(s, t, leg, d["emits"]["event"], str(d["emits"].get("detail", "")), value)
        if hook == "history_start" and s.p["congenital_absence"]:
            for lg in (0, 1):
                g = s.legs[lg]
                g["congenital"] = g["superficial_reflux"] = g["deep_reflux"] = 1
                g["segments"] = min(g["segments"] + 2, 6)
                self._emit(s, t, lg, "valve_failure", "congenital")
        elif hook == "prior_dvt":
            lg = 0 if float(uniforms(0, 0, "", [s.pid], 0, key=self.keys["prior_dvt.leg"])[0]) < 0.5 else 1
            self._emit(s, t, lg, "dvt", "prior")
            s.legs[lg]["dvt_count"] = min(s.legs[lg]["dvt_count"] + 1, 20)
            s.p["prior_dvt"] = 1
            s.stamps[lg]["dvt_at"] = t
            self._dvt(s, lg, t, nums)
        elif hook == "exit":
            s.p["exited"] = 1
        elif hook == "operate":
            self._operate(s, leg, t, nums)

    # -- a life --------------------------------------------------------------------------------
    def live(self, env: simpy.Environment, row: int, theatre, service: float):
        """The life of cohort row ``row`` as a simpy process (see the module notes)."""
        c = self.cohort.iloc[row]
        s = _Person(self.spec)
        s.pid, s.age0, s.sex, s.logz = int(c["person_id"]), float(c["age"]), int(str(c["sex"]) == "female"), float(self.logz[row])
        s.bmi_change = float(self.bmi_change[row])
        self._start(s, c)
        t = float(self.params.simulation.history_start_age.value) - s.age0
        nums, table = self.numbers[0], self.life[0]
        budgets = {i: -math.log(float(uniforms(0, 0, "", [s.pid], 0, key=tr.key)[0]))
                   for i, tr in enumerate(nums["trans"])}
        fired_count = dict.fromkeys(budgets, 0)
        sched = {sid: float(self.sched[row, k]) for k, sid in enumerate(self.spec.schedule_ids)}
        pending: dict = {}  # theatre requests by leg
        self.rows[row] = s.rows
        self.states[row] = s
        off = self.offset  # simpy's clock starts at 0: env time = t + offset
        yield env.timeout(max(t + off - env.now, 0.0))
        while s.p["alive"] and not s.p["exited"]:
            hazards = {}
            best_i, best_t = None, math.inf
            for i, tr in enumerate(nums["trans"]):
                if not self._enabled(s, tr):
                    continue
                if tr.life:
                    tau = self._life_time(s, t, budgets[i], table)
                else:
                    h0, b = hazards[i] = self._hazard(s, tr, t, nums)
                    tau = _gompertz_time(h0, b, budgets[i])
                if t + tau < best_t:
                    best_i, best_t = i, t + tau
            sid = min(sched, key=lambda k: (sched[k], self.spec.schedule_ids.index(k)))
            s_t = sched[sid]
            t_next = min(s_t, best_t)
            if not math.isfinite(t_next):
                break
            if self.switch and not s.switched and t_next >= 0.0:
                # baseline: budgets up to t = 0 under the old numbers, hazards from then on under the new
                for i, tr in enumerate(nums["trans"]):
                    if self._enabled(s, tr):
                        budgets[i] -= (self._life_integral(s, t, 0.0, table) if tr.life
                                       else _gompertz_integral(*hazards[i], 0.0 - t))
                t, s.switched, nums, table = 0.0, True, self.numbers[1], self.life[1]
                continue
            # a theatre may come first
            wait = env.timeout(max(t_next + off - env.now, 0.0))
            yield env.any_of([wait, *pending.values()])
            granted = [leg for leg, req in pending.items() if req.triggered]
            now = env.now - off if granted else t_next
            for i, tr in enumerate(nums["trans"]):  # every enabled budget up to now
                if self._enabled(s, tr):
                    budgets[i] -= (self._life_integral(s, t, now, table) if tr.life
                                   else _gompertz_integral(*hazards[i], now - t))
            t = now
            if granted:
                for leg in sorted(granted):
                    req = pending.pop(leg)
                    self._operate(s, leg, t, nums)
                    env.process(self._hold(env, theatre, req, service))
            elif s_t <= best_t:
                sched[sid] = math.inf
                self._schedule(s, sid, t, nums)
            else:
                tr = nums["trans"][best_i]
                fired_count[best_i] += 1
                budgets[best_i] = -math.log(float(uniforms(0, 0, "", [s.pid], fired_count[best_i], key=tr.key)[0]))
                self._fire(s, tr, t, nums)
            referred = self._derive(s, t, nums) + self._derive(s, t, nums)
            for leg in referred:
                pending[leg] = theatre.request()
        for req in pending.values():  # a slot reached after death is used (booked), as in the compiled engine
            env.process(self._hold(env, theatre, req, service))

    @staticmethod
    def _hold(env, theatre, req, service):
        yield req
        yield env.timeout(service)
        theatre.release(req)

    def _start(self, s: _Person, c) -> None:
        from cvirisk.sim.compiled.run import _initial_vars  # the shared starting point

        compiled_vars, bmi = _initial_vars(self._compiled, self.params, self.cohort.iloc[[int(c.name)]])
        for name in self.spec.person_vars:
            s.p[name] = int(compiled_vars[0, self._compiled.var(name)])
        s.bmi = tuple(float(x) for x in bmi[0])

    def run(self) -> tuple[list, np.ndarray]:
        from cvirisk.model.compile import compile_model

        self._compiled = compile_model(self.params)
        env = simpy.Environment()
        care = self.params.care
        ops = float(care.surgery_operations_per_year_per_100000.value)
        n = len(self.cohort)
        theatres = int(care.surgery_theatres.value)
        # one operating list per catchment (blocks of care.surgery_catchment_population ids),
        # its capacity in proportion to the persons it holds
        size = int(care.surgery_catchment_population.value)
        pid = self.cohort["person_id"].to_numpy(np.int64)
        members: dict[int, int] = {}
        for p in pid.tolist():
            members[p // size] = members.get(p // size, 0) + 1
        lists = {c: simpy.Resource(env, capacity=theatres) for c in members}
        service = {c: 0.0 if self.unlimited else (math.inf if ops <= 0 else theatres / (ops * m / 100_000.0))
                   for c, m in members.items()}
        self.rows: list = [None] * n
        self.offset = float(self.cohort["age"].max()) - float(self.params.simulation.history_start_age.value)
        self.states: list = [None] * n
        for row in range(n):
            c = int(pid[row]) // size
            env.process(self.live(env, row, lists[c], service[c]))
        env.run()
        return self.rows, self.cohort["person_id"].to_numpy(np.int64)


def run_reference(cohort: pd.DataFrame, params, seed: int = 1, years: float = 20.0, replication: int = 0,
                  unlimited_surgery: bool = False, interventions=None, params_followup=None):
    """The event log and persons table of the reference engine (see the module notes)."""
    from cvirisk.sim.compiled.run import _persons

    ops = float(params.care.surgery_operations_per_year_per_100000.value)
    unlimited = bool(unlimited_surgery) or math.isinf(ops)
    eng = _Engine(cohort, params, seed, years, replication, unlimited, interventions, params_followup)
    rows, pid = eng.run()
    age0 = eng.cohort["age"].to_numpy(float)
    t, leg, kind, detail, value, who = [], [], [], [], [], []
    for r, person_rows in enumerate(rows):
        for tt, lg, k, d, v in person_rows:
            t.append(tt), leg.append(lg), kind.append(k), detail.append(d), value.append(v), who.append(r)
    who = np.asarray(who, np.int64)
    codes, present = pd.factorize(np.asarray(detail, dtype=object), sort=True)
    events = pd.DataFrame({
        "person_id": pid[who], "age": age0[who] + np.asarray(t, float), "t": np.asarray(t, float),
        "leg": pd.Categorical(leg, categories=list(LEG_NAMES)),
        "event": pd.Categorical(kind, categories=list(EVENT_KINDS)),
        "detail": pd.Categorical.from_codes(codes, categories=pd.Index(present, dtype=object)),
        "value": np.asarray(value, float),
    })
    V = np.zeros((len(pid), eng._compiled.n_vars), np.int64)  # the final state, in the persons table's layout
    for r, st in enumerate(eng.states):
        for name, value in st.p.items():
            V[r, eng._compiled.var(name)] = value
        for leg in (0, 1):
            for name, value in st.legs[leg].items():
                V[r, eng._compiled.var(name, leg)] = value
    return events, _persons(eng._compiled, eng.cohort, V, events)
