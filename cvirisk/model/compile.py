"""Compile the declared structure and its numbers into the flat arrays the engines read.

Variables live in one integer vector per person: the person's variables first, then leg 0's
(left), then leg 1's (right). A transition *instance* is a transition in one leg (or the
person's); guards, features and effects of the instances are ragged lists stored CSR-style
(``*_ptr`` arrays into flat arrays). Dependencies (which instances read which variable) are
derived here, so an engine recomputes only what an event touched.

Examples
--------
>>> from cvirisk.params import load_params
>>> c = compile_model(load_params())
>>> c.n_instances == sum(2 if c.spec.transitions[t]["scope"] == "leg" else 1 for t in c.spec.transition_ids)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cvirisk.params.model_spec import LEGS, ModelSpec, _resolve, load_model, parse_guard
from cvirisk.params.vocabulary import EVENT_KINDS, HOOKS, SCHEDULE_HOOKS, SELF_EMITTING

__all__ = ["CompiledModel", "compile_model", "CLOCK_AGE", "CLOCK_SINCE", "CLOCK_LIFE_TABLE"]

CLOCK_AGE, CLOCK_SINCE, CLOCK_LIFE_TABLE = 0, 1, 2


@dataclass
class CompiledModel:
    """The declared model as flat arrays for the engines (see :func:`compile_model`).

    Variables live in one integer vector per person: the person's variables first, then leg 0's,
    then leg 1's. A transition instance is a transition in one leg (or the person's, for person
    transitions); all per-instance arrays have length ``n_instances``; ragged lists (guards,
    features, effects) are CSR-style ``*_ptr`` arrays into flat arrays.
    """

    spec: ModelSpec
    n_person_vars: int
    n_leg_vars: int
    var_index: dict[str, int]                 # 'name' (person) or 'name@0' / 'name@1' (legs)
    var_max: np.ndarray
    n_stamps: int
    stamp_index: dict[str, int]               # 'name@0' / 'name@1'
    instances: list[tuple[str, int]]          # (transition id, leg or -1)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    sched_ids: tuple[str, ...] = ()
    details: list[str] = field(default_factory=list)   # detail vocabulary (codes index this)

    @property
    def n_vars(self) -> int:
        return self.n_person_vars + 2 * self.n_leg_vars

    @property
    def n_instances(self) -> int:
        return len(self.instances)

    def detail_code(self, detail: str) -> int:
        try:
            return self.details.index(detail)
        except ValueError:
            self.details.append(detail)
            return len(self.details) - 1

    def var(self, name: str, leg: int = -1) -> int:
        return self.var_index[name] if leg < 0 else self.var_index[f"{name}@{leg}"]


def _var_slot(c: CompiledModel, owner: str, name: str, leg: int) -> int:
    if owner == "person":
        return c.var_index[name]
    return c.var_index[f"{name}@{leg if owner == 'self' else 1 - leg}"]


def _effects(c: CompiledModel, node: dict, scope: str, leg: int, lists: dict[str, list]) -> None:
    spec = c.spec
    for var, value in (node.get("sets") or {}).items():
        owner, base = _resolve(spec, var, scope, "sets")
        if owner == "stamp":
            lists["e_kind"].append(2)
            lists["e_var"].append(c.stamp_index[f"{base}@{leg}"])
            lists["e_val"].append(0)
            continue
        slot = _var_slot(c, owner, base, leg)
        if isinstance(value, str):
            lists["e_kind"].append(1)
            lists["e_val"].append(int(value))
        else:
            lists["e_kind"].append(0)
            lists["e_val"].append(int(value))
        lists["e_var"].append(slot)


def compile_model(params, spec: ModelSpec | None = None) -> CompiledModel:
    """Flatten the declared structure with the numbers of ``params`` into engine arrays."""
    spec = load_model() if spec is None else spec
    numbers = params.natural_history.transitions
    var_index: dict[str, int] = {}
    maxes: list[int] = []
    for name in spec.person_vars:
        var_index[name] = len(maxes)
        m = spec.var_meta(name)
        maxes.append(1 if m["kind"] == "flag" else int(m["max"]))
    for leg in (0, 1):
        for name in spec.leg_vars:
            var_index[f"{name}@{leg}"] = len(maxes)
            m = spec.var_meta(name)
            maxes.append(1 if m["kind"] == "flag" else int(m["max"]))
    stamp_index = {f"{s}@{leg}": leg * len(spec.leg_stamps) + i for leg in (0, 1) for i, s in enumerate(spec.leg_stamps)}
    instances = []
    for tid in spec.transition_ids:
        if spec.transitions[tid]["scope"] == "leg":
            instances += [(tid, 0), (tid, 1)]
        else:
            instances.append((tid, -1))
    c = CompiledModel(spec, len(spec.person_vars), len(spec.leg_vars), var_index, np.array(maxes, np.int64),
                      2 * len(spec.leg_stamps), stamp_index, instances, sched_ids=spec.schedule_ids)
    c.details.append("")
    ref_age = float(params.simulation.reference_age.value)
    L: dict[str, list] = {k: [] for k in ("g_var", "g_op", "g_val", "a_var", "a_op", "a_val", "f_kind", "f_var",
                                          "f_beta", "e_kind", "e_var", "e_val")}
    ptr = {k: [0] for k in ("g", "a", "f", "e")}
    per: dict[str, list] = {k: [] for k in ("log_rate", "slope", "clock", "clock_stamp", "clock_ref", "frailty",
                                            "em_kind", "em_detail", "em_value", "hook", "leg", "trans")}
    for tid, leg in instances:
        d = spec.transitions[tid]
        scope = d["scope"]
        for key, lst in (("requires", "g"), ("requires_any", "a")):
            for g in d.get(key) or []:
                owner, var, op, num = parse_guard(spec, g, scope, tid)
                L[f"{lst}_var"].append(_var_slot(c, owner, var, leg))
                L[f"{lst}_op"].append(op)
                L[f"{lst}_val"].append(num)
            ptr[lst].append(len(L[f"{lst}_var"]))
        num = numbers[tid]
        for feat, node in num.hazard_ratios.items():
            beta = math.log(float(node.value))
            if feat == "bmi_per_5":
                L["f_kind"].append(1)
                L["f_var"].append(-1)
            elif feat == "avp_per_10":
                L["f_kind"].append(2)
                L["f_var"].append(leg)
            else:
                owner, var = _resolve(spec, feat, scope, tid)
                L["f_kind"].append(0)
                L["f_var"].append(_var_slot(c, owner, var, leg))
            L["f_beta"].append(beta)
        ptr["f"].append(len(L["f_kind"]))
        _effects(c, d, scope, leg, L)
        ptr["e"].append(len(L["e_kind"]))
        clock = d["clock"]
        if clock == "life_table":
            per["clock"].append(CLOCK_LIFE_TABLE)
            per["clock_stamp"].append(-1)
            per["clock_ref"].append(0.0)
            per["log_rate"].append(0.0)
            per["slope"].append(0.0)
        else:
            rate = float(num.rate_per_year.value)
            per["log_rate"].append(math.log(rate) if rate > 0 else -math.inf)
            per["slope"].append(float(num.log_slope_per_year.value))
            if clock == "age":
                per["clock"].append(CLOCK_AGE)
                per["clock_stamp"].append(-1)
                per["clock_ref"].append(ref_age)
            else:
                per["clock"].append(CLOCK_SINCE)
                per["clock_stamp"].append(c.stamp_index[f"{clock[6:]}@{leg}"])
                per["clock_ref"].append(0.0)
        per["frailty"].append(1 if d.get("frailty") else 0)
        em = d["emits"]
        per["em_kind"].append(-1 if d.get("hook") in SELF_EMITTING else EVENT_KINDS.index(em["event"]))
        per["em_detail"].append(c.detail_code(str(em.get("detail", ""))))
        per["em_value"].append(_var_slot(c, *_resolve(spec, em["value"], scope, tid), leg) if "value" in em else -1)
        per["hook"].append(HOOKS.index(d["hook"]) + 1 if d.get("hook") else 0)
        per["leg"].append(leg)
        per["trans"].append(spec.transition_ids.index(tid))
    # schedules: effects compiled per schedule kind (person scope; leg schedules name their leg)
    S: dict[str, list] = {k: [] for k in ("e_kind", "e_var", "e_val", "g_var", "g_op", "g_val")}
    sptr = {"e": [0], "g": [0]}
    sper: dict[str, list] = {k: [] for k in ("em_kind", "em_detail", "hook", "leg")}
    for sid in spec.schedule_ids:
        d = spec.schedules[sid]
        leg = LEGS.index(d["leg"]) if d.get("leg") else -1
        scope = "leg" if leg >= 0 else "person"
        _effects(c, d, scope, max(leg, 0), S)
        sptr["e"].append(len(S["e_kind"]))
        for g in d.get("requires") or []:
            owner, var, op, num = parse_guard(spec, g, scope, sid)
            S["g_var"].append(_var_slot(c, owner, var, max(leg, 0)))
            S["g_op"].append(op)
            S["g_val"].append(num)
        sptr["g"].append(len(S["g_var"]))
        sper["em_kind"].append(-1 if d.get("hook") in SELF_EMITTING else EVENT_KINDS.index(d["emits"]["event"]))
        sper["em_detail"].append(c.detail_code(str(d["emits"].get("detail", ""))))
        sper["hook"].append(SCHEDULE_HOOKS.index(d["hook"]) + 1 if d.get("hook") else 0)
        sper["leg"].append(leg)
    A = c.arrays
    for k, v in L.items():
        A[k] = np.array(v, np.float64 if k == "f_beta" else np.int64)
    for k, v in ptr.items():
        A[f"{k}_ptr"] = np.array(v, np.int64)
    for k, v in per.items():
        A[k] = np.array(v, np.float64 if k in ("log_rate", "slope", "clock_ref") else np.int64)
    for k, v in S.items():
        A[f"s_{k}"] = np.array(v, np.int64)
    for k, v in sptr.items():
        A[f"s_{k}_ptr"] = np.array(v, np.int64)
    for k, v in sper.items():
        A[f"s_{k}"] = np.array(v, np.int64)
    A["var_max"] = c.var_max
    _dependencies(c)
    return c


def _dependencies(c: CompiledModel) -> None:
    """For each variable (and the pseudo-variable BMI), the instances whose hazard or guard reads it.

    An event recomputes only the instances that depend on a variable it changed.
    """
    A = c.arrays
    nv = c.n_vars
    avp_vars = {leg: [c.var(n, leg) for n in ("superficial_reflux", "deep_reflux", "segments", "obstruction")] for leg in (0, 1)}
    deps: list[set[int]] = [set() for _ in range(nv + 1)]  # last = BMI
    for i in range(c.n_instances):
        for lst in ("g", "a"):
            for k in range(A[f"{lst}_ptr"][i], A[f"{lst}_ptr"][i + 1]):
                deps[A[f"{lst}_var"][k]].add(i)
        for k in range(A["f_ptr"][i], A["f_ptr"][i + 1]):
            kind = A["f_kind"][k]
            if kind == 0:
                deps[A["f_var"][k]].add(i)
            elif kind == 1:
                deps[nv].add(i)
            else:
                deps[nv].add(i)
                for v in avp_vars[A["f_var"][k]]:
                    deps[v].add(i)
    A["dep_ptr"] = np.cumsum([0] + [len(d) for d in deps]).astype(np.int64)
    A["dep_inst"] = np.array([i for d in deps for i in sorted(d)], np.int64)
