"""The event vocabulary of the event log and each kind's details, from the declared model.

:data:`EVENT_KINDS` are the categories of every event log's ``event`` column, in order.
:data:`DETAILS` lists, for each kind, the details the shipped model can write (the declared
``emits`` of transitions and schedules, and the details the hooks write).

Examples
--------
>>> "radiograph" in EVENT_KINDS and "C4b" in DETAILS["ceap"]
True
"""

from __future__ import annotations

from cvirisk.params.model_spec import load_model
from cvirisk.params.vocabulary import CEAP_DETAILS, EVENT_KINDS

__all__ = ["EVENT_KINDS", "EVENT_CODE", "DETAILS"]

EVENT_CODE: dict[str, int] = {k: i for i, k in enumerate(EVENT_KINDS)}

#: Details written by the hooks (not declared as an ``emits`` of their own).
_HOOK_DETAILS: dict[str, tuple[str, ...]] = {
    "exit": ("death",),
    "pe": ("fatal", "nonfatal"),
    "death": ("pe",),
    "compression": ("start",),
    "diagnosis": ("duplex_true_positive", "duplex_false_negative", "duplex_true_negative", "duplex_false_positive"),
    "surgery": ("referred", "done"),
    "valve_failure": ("congenital",),
    "dvt": ("prior",),
    "finding": ("residual_obstruction",),
    "radiograph": ("normal", "punctate", "trabecular", "reticular", "background", "periostitis"),
    "ceap": CEAP_DETAILS + tuple(f"C{c}" for c in range(7)),
}


def _details() -> dict[str, tuple[str, ...]]:
    spec = load_model()
    out: dict[str, list[str]] = {k: [] for k in EVENT_KINDS}
    for node in list(spec.transitions.values()) + list(spec.schedules.values()):
        em = node["emits"]
        if node.get("hook") not in ("radiograph", "prior_dvt", "operate"):
            out[em["event"]].append(str(em.get("detail", "")))
    for kind, details in _HOOK_DETAILS.items():
        out[kind].extend(details)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


DETAILS: dict[str, tuple[str, ...]] = _details()
