"""Read and validate the declared structure of the natural history (``defaults/model.yaml``).

The YAML says which variables a person and each leg have, which transitions may fire in which
state (``requires``, ``requires_any``), what they change (``sets``), what they write to the
event log (``emits``), their clock, and the few named hooks; the numbers of each transition
(rate, slope, hazard ratios) are parameters (``natural_history.transitions`` in
``cvirisk.yaml``). This module checks the structure against itself (every name exists, every
transition can become enabled, an ulcer opens only in damaged skin, only the baseline starts
follow-up) and the numbers against the structure (:func:`check_numbers`). It lives below the
model so that validating parameters never imports the engines.

Examples
--------
>>> spec = load_model()
>>> spec.transition_ids[:3]
('superficial_failure', 'deep_primary_failure', 'post_thrombotic_failure')
>>> "other.varicose_veins" in FEATURES and "avp_per_10" in FEATURES
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from cvirisk.exceptions import ParameterError
from cvirisk.params.vocabulary import EVENT_KINDS, HOOKS, SCHEDULE_HOOKS

__all__ = ["ModelSpec", "load_model", "model_hash", "parse_guard", "check_numbers", "FEATURES", "OPS", "LEGS", "CONTINUOUS"]

LEGS = ("left", "right")
#: Guard operators and their integer codes (the engines switch on these codes).
OPS = {"==": 0, "!=": 1, "<": 2, ">=": 3, ">": 4, "<=": 5}
_GUARD = re.compile(r"^\s*(!?)\s*([A-Za-z_][\w.]*)\s*(?:(==|!=|<=|>=|<|>)\s*(-?\d+))?\s*$")
#: Continuous features computed by the engines rather than read from a variable.
CONTINUOUS = ("bmi_per_5", "avp_per_10")
CLOCK_AGE, CLOCK_SINCE, CLOCK_LIFE_TABLE = 0, 1, 2


def _fail(where: str, why: str) -> ParameterError:
    return ParameterError(f"model.yaml: {where}: {why}")


@dataclass(frozen=True)
class ModelSpec:
    """The declared model as read from YAML (after validation), plus its source text."""

    raw: dict
    text: str
    person_vars: tuple[str, ...]
    leg_vars: tuple[str, ...]
    leg_stamps: tuple[str, ...]
    transition_ids: tuple[str, ...]
    schedule_ids: tuple[str, ...]

    @property
    def transitions(self) -> dict[str, dict]:
        return self.raw["transitions"]

    @property
    def schedules(self) -> dict[str, dict]:
        return self.raw["schedules"]

    def var_meta(self, name: str) -> dict:
        """The declaration of a person or leg variable."""
        v = self.raw["variables"]
        return v["person"].get(name) or v["leg"][name]


def model_hash(spec: ModelSpec) -> str:
    """A short hash of the declared model's text (for manifests and provenance)."""
    import hashlib

    return hashlib.blake2b(spec.text.encode("utf-8"), digest_size=8).hexdigest()


def load_model(path: str | Path | None = None) -> ModelSpec:
    """Read and validate the declared structure (the shipped ``model.yaml`` by default)."""
    if path is None:
        return _shipped()
    return _read(Path(path).read_text("utf-8"))


@functools.lru_cache(maxsize=1)
def _shipped() -> ModelSpec:
    return _read(resources.files("cvirisk.params").joinpath("defaults/model.yaml").read_text("utf-8"))


def _read(text: str) -> ModelSpec:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail("file", f"not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise _fail("file", "must be a mapping")
    return validate(raw, text)


def validate(raw: dict, text: str = "") -> ModelSpec:
    """Check the declared model and return it as a :class:`ModelSpec` (raises ParameterError)."""
    for key in ("legs", "variables", "stamps", "transitions", "schedules"):
        if key not in raw:
            raise _fail(key, "missing section")
    if tuple(raw["legs"]) != LEGS:
        raise _fail("legs", f"must be {list(LEGS)}")
    pv = tuple(raw["variables"]["person"])
    lv = tuple(raw["variables"]["leg"])
    both = set(pv) & set(lv)
    if both:
        raise _fail("variables", f"{sorted(both)} declared for both the person and the leg")
    for scope, names in (("person", pv), ("leg", lv)):
        for name in names:
            meta = raw["variables"][scope][name]
            if meta.get("kind") not in ("flag", "counter", "derived"):
                raise _fail(f"variables.{scope}.{name}", "kind must be flag, counter or derived")
            if meta["kind"] != "flag" and int(meta.get("max", 0)) < 1:
                raise _fail(f"variables.{scope}.{name}", "a counter needs max >= 1")
            if not str(meta.get("meaning", "")).strip():
                raise _fail(f"variables.{scope}.{name}", "needs a meaning")
    stamps = tuple(raw["stamps"].get("leg", {}))
    spec = ModelSpec(raw, text, pv, lv, stamps, tuple(raw["transitions"]), tuple(raw["schedules"]))
    for tid, tr in raw["transitions"].items():
        _check_transition(spec, tid, tr)
    for sid, sc in raw["schedules"].items():
        _check_effects(spec, f"schedules.{sid}", sc, "leg" if sc.get("leg") else "person")
        hook = sc.get("hook")
        if hook is not None and hook not in SCHEDULE_HOOKS:
            raise _fail(f"schedules.{sid}.hook", f"unknown hook {hook!r} (known: {', '.join(SCHEDULE_HOOKS)})")
    _check_graph(spec)
    return spec


def _resolve(spec: ModelSpec, name: str, scope: str, where: str) -> tuple[str, str]:
    """(owner, variable) where owner is 'person', 'self' or 'other'."""
    if name.startswith("other."):
        if scope != "leg":
            raise _fail(where, f"'{name}': other-leg variables only in leg transitions")
        base = name[len("other."):]
        if base not in spec.leg_vars:
            raise _fail(where, f"'{base}' is not a leg variable")
        return "other", base
    if name in spec.person_vars:
        return "person", name
    if name in spec.leg_vars:
        if scope != "leg":
            raise _fail(where, f"'{name}' is a leg variable, used in a person transition")
        return "self", name
    if name in spec.leg_stamps:
        return "stamp", name
    raise _fail(where, f"unknown variable '{name}'")


def parse_guard(spec: ModelSpec, text: str, scope: str, where: str) -> tuple[str, str, int, int]:
    """``'!edema'`` -> ('self', 'edema', OPS['=='], 0); ``'segments < 6'`` -> (..., OPS['<'], 6)."""
    m = _GUARD.match(str(text))
    if not m:
        raise _fail(where, f"cannot read guard {text!r}")
    neg, name, op, num = m.groups()
    owner, var = _resolve(spec, name, scope, where)
    if owner == "stamp":
        raise _fail(where, f"'{name}' is a stamp, not a variable")
    if op is None:
        return owner, var, OPS["!="] if not neg else OPS["=="], 0
    if neg:
        raise _fail(where, f"{text!r}: use either ! or a comparison")
    return owner, var, OPS[op], int(num)


def _check_effects(spec: ModelSpec, where: str, node: dict, scope: str) -> None:
    for key in node:
        if key not in ("requires", "requires_any", "sets", "emits", "hook", "why", "leg", "scope", "clock", "frailty"):
            raise _fail(f"{where}.{key}", "unknown key")
    if not str(node.get("why", "")).strip():
        raise _fail(where, "needs a reason ('why')")
    for g in node.get("requires", []) or []:
        parse_guard(spec, g, scope, f"{where}.requires")
    for g in node.get("requires_any", []) or []:
        parse_guard(spec, g, scope, f"{where}.requires_any")
    for var, value in (node.get("sets") or {}).items():
        owner, base = _resolve(spec, var, scope, f"{where}.sets")
        if owner == "stamp":
            if value != "now":
                raise _fail(f"{where}.sets.{var}", "a stamp can only be set to 'now'")
            continue
        meta = spec.var_meta(base)
        if meta.get("fixed") or meta["kind"] == "derived":
            raise _fail(f"{where}.sets.{var}", f"'{base}' cannot be set (fixed or derived)")
        if meta["kind"] == "flag" and not isinstance(value, bool):
            raise _fail(f"{where}.sets.{var}", "a flag is set to true or false")
        if meta["kind"] == "counter" and not (isinstance(value, int) and not isinstance(value, bool)
                                              or (isinstance(value, str) and re.fullmatch(r"[+-]\d+", value))):
            raise _fail(f"{where}.sets.{var}", "a counter is set to a number or '+N'/'-N'")
    emits = node.get("emits")
    if not isinstance(emits, dict) or emits.get("event") not in EVENT_KINDS:
        raise _fail(f"{where}.emits", f"needs an event from the vocabulary ({', '.join(EVENT_KINDS)})")
    if "value" in emits:
        _resolve(spec, emits["value"], scope, f"{where}.emits.value")


def _check_transition(spec: ModelSpec, tid: str, tr: dict) -> None:
    where = f"transitions.{tid}"
    scope = tr.get("scope")
    if scope not in ("person", "leg"):
        raise _fail(f"{where}.scope", "must be person or leg")
    _check_effects(spec, where, tr, scope)
    hook = tr.get("hook")
    if hook is not None and hook not in HOOKS:
        raise _fail(f"{where}.hook", f"unknown hook {hook!r} (known: {', '.join(HOOKS)})")
    clock = tr.get("clock")
    if clock == "life_table":
        pass
    elif clock == "age":
        pass
    elif isinstance(clock, str) and clock.startswith("since:"):
        if clock[6:] not in spec.leg_stamps or scope != "leg":
            raise _fail(f"{where}.clock", f"'{clock[6:]}' is not a leg stamp")
    else:
        raise _fail(f"{where}.clock", "must be age, since:<stamp> or life_table")


def _check_graph(spec: ModelSpec) -> None:
    """Structural rules a clinician would insist on, checked on the declaration itself."""
    tr = spec.transitions
    # C6 only through C4: opening an ulcer needs damaged skin
    need = {"pigmentation", "lipodermatosclerosis"}
    opens = [t for t, d in tr.items() if (d.get("sets") or {}).get("ulcer_active") is True]
    for t in opens:
        req = set(tr[t].get("requires") or []) | set(tr[t].get("requires_any") or [])
        if not (req & (need | {"ulcer_healed"})):
            raise _fail(f"transitions.{t}.requires", "an ulcer can only open in skin with C4 changes or a healed ulcer")
    # nothing after death: every transition's engine guard includes being alive; death is a hook
    for t, d in tr.items():
        if (d.get("sets") or {}).get("followup") is not None:
            raise _fail(f"transitions.{t}.sets", "followup is set only by the baseline schedule")
    # every transition must be able to become enabled: each variable it requires true is set
    # true somewhere (a transition, a schedule, a hook) or is fixed cohort data
    settable: set[str] = set()
    for d in list(tr.values()) + list(spec.schedules.values()):
        for var, val in (d.get("sets") or {}).items():
            if val is not False and val != 0:
                settable.add(var.removeprefix("other."))
    settable |= HOOK_SETS
    for t, d in tr.items():
        for g in d.get("requires") or []:
            owner, var, op, num = parse_guard(spec, g, d["scope"], f"transitions.{t}")
            meta = spec.var_meta(var)
            if op == OPS["!="] and num == 0 and not meta.get("fixed") and meta["kind"] != "derived" and var not in settable:
                raise _fail(f"transitions.{t}.requires", f"'{var}' is never set, so this transition can never fire")


#: Variables that hooks set (declared here so the reachability check knows them).
HOOK_SETS = frozenset({"alive", "exited", "congenital", "superficial_reflux", "deep_reflux", "segments", "pts_pending", "obstruction",
                       "diagnosed", "compression", "referred", "surgery_done", "cvi", "prior_dvt", "dvt_count"})




def _features(spec: ModelSpec) -> frozenset[str]:
    leg = set(spec.leg_vars)
    return frozenset(set(spec.person_vars) | leg | {f"other.{v}" for v in leg} | set(CONTINUOUS))


#: Every name a hazard ratio may be attached to (the shipped structure's variables).
FEATURES: frozenset[str] = _features(_shipped())


def check_numbers(transitions: dict, spec: ModelSpec | None = None) -> None:
    """Check the numbers of ``natural_history.transitions`` against the declared structure.

    Raises ValueError naming the transition: every declared transition has numbers and no
    other does; a life-table clock has hazard ratios only, other clocks a rate and a slope;
    leg variables are features only of leg transitions.
    """
    spec = _shipped() if spec is None else spec
    missing = [t for t in spec.transition_ids if t not in transitions]
    extra = [t for t in transitions if t not in spec.transitions]
    if missing:
        raise ValueError(f"no numbers for the declared transition(s) {', '.join(missing)}")
    if extra:
        raise ValueError(f"{', '.join(extra)}: not a transition of the declared model")
    for tid, tr in transitions.items():
        d = spec.transitions[tid]
        life = d["clock"] == "life_table"
        if life and tr.log_slope_per_year is not None:
            raise ValueError(f"{tid}: a life-table clock has no slope (rate_per_year, if given, multiplies the table)")
        if not life and (tr.rate_per_year is None or tr.log_slope_per_year is None):
            raise ValueError(f"{tid}: needs rate_per_year and log_slope_per_year")
        for feat in tr.hazard_ratios:
            if feat in CONTINUOUS:
                if d["scope"] != "leg" and feat == "avp_per_10":
                    raise ValueError(f"{tid}: avp_per_10 is a leg feature, this is a person transition")
                continue
            try:
                _resolve(spec, feat, d["scope"], tid)
            except ParameterError as exc:
                raise ValueError(str(exc).split(": ", 2)[-1]) from None
