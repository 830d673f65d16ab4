"""The event vocabulary of the event log and the buffer the kernel writes events into.

The vocabulary is fixed (DESIGN.md, "Event vocabulary"): the ``event`` column of every event
log is a categorical with exactly :data:`EVENT_KINDS` as its categories, in this order.

Examples
--------
>>> import numpy as np
>>> buf = EventBuffer()
>>> buf.add(np.array([3]), np.array([-1.5]), np.array([0]), "ceap", "C2")
>>> buf.add(np.array([3, 4]), np.array([0.0, 0.0]), np.array([1, 0]), "entry", "baseline")
>>> len(buf)
3
"""

from __future__ import annotations

import numpy as np

__all__ = ["EVENT_KINDS", "EVENT_CODE", "DETAILS", "EventBuffer"]

#: Every kind of event, in the order of the categorical ``event`` column.
EVENT_KINDS: tuple[str, ...] = (
    "entry",
    "exit",
    "covariate",
    "valve_failure",
    "recruitment",
    "ceap",
    "finding",
    "infection",
    "dvt",
    "pe",
    "lymphedema",
    "calcification",
    "periostitis",
    "diagnosis",
    "compression",
    "surgery",
    "death",
)
EVENT_CODE: dict[str, int] = {k: i for i, k in enumerate(EVENT_KINDS)}

#: The fixed details of each kind (kinds with free details: recruitment, surgery done, covariate).
DETAILS: dict[str, tuple[str, ...]] = {
    "entry": ("history_start", "baseline"),
    "exit": ("end_of_follow_up", "max_age", "death"),
    "covariate": ("smoking=current", "smoking=former", "bmi=30.0", "sedentary_work=False"),
    "valve_failure": ("superficial", "deep", "congenital", "post_thrombotic"),
    "ceap": ("C1", "C2", "C3", "C4", "C5", "C6"),
    "finding": ("pruritus", "edema", "pain", "discoloration", "thickening"),
    "infection": ("ulcer", "edematous_skin"),
    "dvt": ("prior", "incident"),
    "pe": ("fatal", "nonfatal"),
    "lymphedema": ("",),
    "calcification": ("punctate", "trabecular", "reticular"),
    "periostitis": ("",),
    "diagnosis": (
        "duplex_true_positive",
        "duplex_false_negative",
        "duplex_true_negative",
        "duplex_false_positive",
    ),
    "compression": ("start", "stop"),
    "surgery": ("referred", "done"),
    "death": ("background", "pe"),
}


class EventBuffer:
    """Append-only chunks of events: person id, time, within-person sequence, kind, detail.

    ``detail`` is one string for the whole chunk or one string per row.
    """

    def __init__(self) -> None:
        self._pid: list[np.ndarray] = []
        self._t: list[np.ndarray] = []
        self._seq: list[np.ndarray] = []
        self._kind: list[np.ndarray] = []
        self._detail: list[np.ndarray] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, pid: np.ndarray, t: np.ndarray, seq: np.ndarray, kind: str, detail) -> None:
        """Append one chunk (all arrays of equal length; empty chunks are ignored)."""
        m = len(pid)
        if m == 0:
            return
        self._pid.append(np.array(pid, dtype=np.int64))
        self._t.append(np.array(t, dtype=np.float64))
        self._seq.append(np.array(seq, dtype=np.int64))
        self._kind.append(np.full(m, EVENT_CODE[kind], dtype=np.int8))
        if isinstance(detail, str):
            self._detail.append(np.full(m, detail, dtype=object))
        else:
            self._detail.append(np.asarray(detail, dtype=object))
        self._n += m

    def arrays(self) -> dict[str, np.ndarray]:
        """All events as concatenated arrays (unsorted)."""
        if not self._n:
            return {
                "person_id": np.empty(0, np.int64),
                "t": np.empty(0, np.float64),
                "seq": np.empty(0, np.int64),
                "kind": np.empty(0, np.int8),
                "detail": np.empty(0, object),
            }
        return {
            "person_id": np.concatenate(self._pid),
            "t": np.concatenate(self._t),
            "seq": np.concatenate(self._seq),
            "kind": np.concatenate(self._kind),
            "detail": np.concatenate(self._detail),
        }

    def extend(self, other: EventBuffer) -> None:
        """Append every chunk of ``other``."""
        self._pid += other._pid
        self._t += other._t
        self._seq += other._seq
        self._kind += other._kind
        self._detail += other._detail
        self._n += other._n
