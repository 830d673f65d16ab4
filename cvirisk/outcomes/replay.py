"""Replay an event log through the declared model: each person's state, and the graph check.

Every change of state writes an event, so applying, row by row, what the declared transition
or schedule that wrote it ``sets`` (and what the named hooks do) rebuilds each person's and
each leg's variables at any time. While replaying, every row written by a declared transition
is checked against that transition's guard (``requires``, ``requires_any``) in the state just
before it, and every ``ceap`` row against the class the replayed state implies: a history the
declared graph does not allow is reported, whatever engine wrote it.

One leg variable is latent and not in the log: ``pts_pending`` (a DVT that will go on to
damage the deep valves); a ``deep_post_thrombotic`` valve failure is checked against an
earlier DVT in that leg instead.

Examples
--------
>>> from cvirisk import generate_cohort, load_params
>>> from cvirisk.sim import simulate
>>> res = simulate(generate_cohort(200, seed=2), seed=2, years=10)
>>> rep = replay(res.events, res.persons)
>>> rep.violations
[]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cvirisk.params.model_spec import OPS, ModelSpec, load_model, parse_guard

__all__ = ["replay", "Replay", "LATENT"]

#: Leg variables that change without an event of their own (see the module notes).
LATENT = frozenset({"pts_pending"})
_CLASS_DETAIL = {"C0": 0, "C1": 1, "C2": 2, "C2r": 2, "C3": 3, "C4a": 4, "C4b": 4, "C4c": 4, "C5": 5, "C6": 6, "C6r": 6}


@dataclass
class Replay:
    """The replayed state at the end of the log, and every row the declared graph does not allow.

    ``state`` is a frame indexed by ``person_id`` with one column a person variable and one a
    leg variable per leg (``name@0`` left, ``name@1`` right).
    """

    state: pd.DataFrame
    violations: list[str] = field(default_factory=list)
    rows: int = 0


def _cmp(v: int, op: int, val: int) -> bool:
    return [v == val, v != val, v < val, v >= val, v > val, v <= val][op]


def _emit_map(spec: ModelSpec) -> dict[tuple[str, str, str], list[tuple[str, dict]]]:
    out: dict[tuple[str, str, str], list[tuple[str, dict]]] = {}
    for tid, d in spec.transitions.items():
        em = d["emits"]
        scope = "leg" if d["scope"] == "leg" else "person"
        out.setdefault((em["event"], str(em.get("detail", "")), scope), []).append((tid, d))
    for sid, d in spec.schedules.items():
        em = d["emits"]
        scope = "leg" if d.get("leg") else "person"
        out.setdefault((em["event"], str(em.get("detail", "")), scope), []).append((f"schedule:{sid}", d))
    return out


def _leg_class(s: dict, o: str) -> tuple[int, str]:
    g = lambda n: s[f"{n}{o}"]  # noqa: E731
    if g("ulcer_active"):
        return 6, "C6r" if g("ulcers") > 1 else "C6"
    if g("ulcer_healed"):
        return 5, "C5"
    if g("lipodermatosclerosis"):
        return 4, "C4b"
    if g("pigmentation"):
        return 4, "C4a"
    if g("corona"):
        return 4, "C4c"
    if g("edema"):
        return 3, "C3"
    if g("varicose_veins"):
        return 2, "C2r" if g("surgery_done") else "C2"
    if g("telangiectasia"):
        return 1, "C1"
    return 0, "C0"


def _apply(spec: ModelSpec, maxes: dict, s: dict, node: dict, leg: int) -> None:
    """What a declared transition or schedule ``sets``, applied to the replayed state ``s``."""
    for var, value in (node.get("sets") or {}).items():
        if var in spec.leg_stamps or (isinstance(value, str) and value == "now"):
            continue
        other = var.startswith("other.")
        base = var.removeprefix("other.")
        key = base if base in spec.person_vars else f"{base}@{(1 - leg) if other else leg}"
        if isinstance(value, str):
            s[key] = min(max(s[key] + int(value), 0), maxes[base])
        else:
            s[key] = int(value)


def _guard_problem(spec, guards, tid, node, s, leg, dvt_legs, slot) -> str | None:
    """Why the declared ``tid`` could not have written this row now (None when it could)."""
    if tid.startswith("schedule:"):
        sc = "leg" if leg >= 0 else "person"
        for g in node.get("requires") or []:
            owner, var, op, val = parse_guard(spec, g, sc, tid)
            if not _cmp(s[slot(owner, var, max(leg, 0))], op, val):
                return f"{tid}: guard {g!r} does not hold (a schedule whose guard fails writes nothing)"
        return None
    req, any_ = guards[tid]
    for owner, var, op, val in req:
        if var in LATENT:
            if var == "pts_pending" and leg not in dvt_legs:
                return f"{tid}: post-thrombotic damage with no DVT in this leg"
            continue
        if not _cmp(s[slot(owner, var, leg)], op, val):
            return f"{tid}: guard {var} {list(OPS)[op]} {val} does not hold"
    if any_ and not any(_cmp(s[slot(ow, v, leg)], op, val) for ow, v, op, val in any_):
        return f"{tid}: none of {[v for _, v, _, _ in any_]} holds"
    return None


def replay(events: pd.DataFrame, persons: pd.DataFrame, spec: ModelSpec | None = None) -> Replay:
    """Replay every person's log; see the module notes.

    ``persons`` gives the fixed drivers (``sex``, ``family_history``, ``parity``,
    ``congenital_absence``, ``standing_work``, ``sitting_work``) the history starts from.
    """
    spec = load_model() if spec is None else spec
    emits = _emit_map(spec)
    maxes = {n: (1 if m["kind"] == "flag" else int(m["max"]))
             for scope in ("person", "leg") for n, m in spec.raw["variables"][scope].items()}
    guards = {}
    for tid, d in spec.transitions.items():
        guards[tid] = ([parse_guard(spec, g, d["scope"], tid) for g in d.get("requires") or []],
                       [parse_guard(spec, g, d["scope"], tid) for g in d.get("requires_any") or []])
    drivers = persons.set_index("person_id")
    columns = list(spec.person_vars) + [f"{n}@{leg}" for leg in (0, 1) for n in spec.leg_vars]
    final: dict[int, dict] = {}
    violations: list[str] = []
    legs = {"left": 0, "right": 1}
    ev = events[["person_id", "t", "leg", "event", "detail", "value"]]
    for pid, rows in ev.groupby("person_id", sort=True, observed=True):
        d = drivers.loc[pid]
        s = dict.fromkeys(columns, 0)
        s["alive"] = 1
        s["female"] = int(str(d["sex"]) == "female")
        s["family_history"] = int(bool(d["family_history"]))
        s["parity_per_birth"] = int(d["parity"]) if s["female"] else 0
        s["congenital_absence"] = int(bool(d["congenital_absence"]))
        s["standing_work"] = int(bool(d["standing_work"]))
        s["sitting_work"] = int(bool(d["sitting_work"]))
        dvt_legs: set[int] = set()

        def slot(owner: str, name: str, leg: int) -> str:
            if owner == "person":
                return name
            return f"{name}@{leg if owner == 'self' else 1 - leg}"

        for t, leg_name, kind, detail, value in zip(rows["t"].to_numpy(), rows["leg"].astype(str).to_numpy(),
                                                    rows["event"].astype(str).to_numpy(),
                                                    rows["detail"].astype(str).to_numpy(), rows["value"].to_numpy(),
                                                    strict=True):
            leg = legs.get(leg_name, -1)
            where = f"person {pid} at t={t:.4f} ({kind} {detail}{' ' + leg_name if leg_name else ''})"
            o = f"@{leg}"
            if kind == "ceap":
                if leg >= 0:
                    cls, name = _leg_class(s, o)
                    if name != detail:
                        violations.append(f"{where}: the replayed leg is {name}")
                    s[f"leg_class{o}"] = cls
                    if cls >= 3 and not s[f"cvi{o}"]:
                        s[f"cvi{o}"] = 1
                else:
                    worst = max(_CLASS_DETAIL[_leg_class(s, "@0")[1]], _CLASS_DETAIL[_leg_class(s, "@1")[1]])
                    if f"C{worst}" != detail:
                        violations.append(f"{where}: the replayed worse leg is C{worst}")
                    s["worst_class"] = worst
                continue
            if kind == "valve_failure" and detail == "congenital":
                s[f"congenital{o}"] = s[f"superficial_reflux{o}"] = s[f"deep_reflux{o}"] = 1
                s[f"segments{o}"] = min(s[f"segments{o}"] + 2, maxes["segments"])
                continue
            if kind == "dvt" and detail == "prior":
                s[f"dvt_count{o}"] += 1
                s["prior_dvt"] = 1
                dvt_legs.add(leg)
                continue
            if kind in ("pe", "radiograph"):
                if kind == "radiograph":
                    c = s[f"calcification{o}"]
                    shown = {1: "punctate", 2: "trabecular", 3: "reticular"}.get(c)
                    ok = (detail == shown) if shown else detail in (("background",) if s[f"background_calcification{o}"] else ("normal",))
                    if detail == "periostitis":
                        ok = bool(s[f"periostitis{o}"])
                    if not ok:
                        violations.append(f"{where}: the replayed leg shows calcification {c}")
                continue
            if kind == "death":
                s["alive"] = 0
                continue
            if kind == "finding" and detail == "residual_obstruction":  # written by the dvt hook
                s[f"obstruction{o}"] = 1
                continue
            if kind == "exit":
                s["exited"] = 1
                continue
            if kind == "diagnosis" and detail.startswith("duplex_"):
                positive = detail in ("duplex_true_positive", "duplex_false_positive")
                s["diagnosed"] = max(s["diagnosed"], 2 if positive else 1)
                continue
            if kind == "compression" and detail == "start":
                s["compression"] = 1
                continue
            if kind == "surgery":
                if detail == "referred":
                    s[f"referred{o}"] = 1
                else:
                    s[f"referred{o}"] = 0
                    s[f"surgery_done{o}"] = 1
                    s[f"superficial_reflux{o}"] = 0
                    s[f"varicose_veins{o}"] = 0
                    floor = 1 if (s[f"deep_reflux{o}"] or s[f"congenital{o}"]) else 0
                    s[f"segments{o}"] = max(s[f"segments{o}"] - 2, floor)
                continue
            scope = "leg" if leg >= 0 else "person"
            found = emits.get((kind, detail, scope))
            if not found:
                violations.append(f"{where}: no declared transition or schedule writes this")
                continue
            chosen, problems = None, []
            for tid, node in found:
                why = _guard_problem(spec, guards, tid, node, s, leg, dvt_legs, slot)
                if why is None:
                    chosen = (tid, node)
                    break
                problems.append(why)
            if chosen is None:
                violations.append(f"{where}: {problems[0]}")
                continue
            tid, node = chosen
            if tid == "dvt":
                dvt_legs.add(leg)
            _apply(spec, maxes, s, node, max(leg, 0))
            if kind == "recruitment" and not np.isnan(value) and int(value) != s[f"segments{o}"]:
                violations.append(f"{where}: value {value} but the replayed leg has {s[f'segments{o}']} segments")
        final[int(pid)] = s
    state = pd.DataFrame.from_dict(final, orient="index")[columns]
    state.index.name = "person_id"
    return Replay(state=state, violations=violations, rows=len(ev))
