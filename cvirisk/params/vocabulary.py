"""The fixed vocabulary the declared model is written in: event kinds and named hooks.

Event kinds are the ``event`` column of every event log (DESIGN.md, "Event vocabulary"), in
the order of its categories. Hooks are the few things the YAML cannot say as data; a
transition or schedule names at most one, and the engines implement each by name.
"""

from __future__ import annotations

__all__ = ["EVENT_KINDS", "HOOKS", "SCHEDULE_HOOKS", "SELF_EMITTING", "LEG_NAMES", "CEAP_DETAILS"]

EVENT_KINDS: tuple[str, ...] = (
    "entry", "exit", "covariate", "valve_failure", "recruitment", "ceap", "finding", "infection",
    "dvt", "pe", "lymphedema", "calcification", "radiograph", "periostitis", "diagnosis",
    "compression", "surgery", "death",
)  # fmt: skip

#: Hooks of transitions: ``dvt`` decides pulmonary embolism (and its fatality) and post-thrombotic
#: valve damage; ``duplex`` examines both legs and prescribes compression; ``radiograph`` writes
#: what a radiograph of the leg shows; ``death`` ends the life.
HOOKS: tuple[str, ...] = ("dvt", "duplex", "radiograph", "death")

#: Hooks of schedules.
SCHEDULE_HOOKS: tuple[str, ...] = ("history_start", "prior_dvt", "bmi_drift_end", "exit", "bmi_change", "operate")

#: Hooks that write their own event rows (the declared ``emits`` names the kind for readers).
SELF_EMITTING: frozenset[str] = frozenset({"radiograph", "prior_dvt", "operate"})

#: The ``leg`` column: person-level events have leg "".
LEG_NAMES: tuple[str, ...] = ("", "left", "right")

#: Per-leg CEAP clinical details (CEAP 2020: C4a pigmentation/eczema, C4b lipodermatosclerosis
#: or atrophie blanche, C4c corona phlebectatica; r = recurrent) and the person's worst class.
CEAP_DETAILS: tuple[str, ...] = ("C0", "C1", "C2", "C2r", "C3", "C4a", "C4b", "C4c", "C5", "C6", "C6r")
