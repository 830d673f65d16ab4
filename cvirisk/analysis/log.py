"""Reading the event log's rows: the person view, CEAP classes, waits, reflux (one place).

The log has a ``leg`` column: ``""`` for the person's own events (entry, exit, covariate, pe,
death, compression, the person's CEAP class, i.e. the worse leg's) and ``left``/``right`` for a
leg's. Readers that ask about the person use :func:`person_rows`; a log written before legs
existed (no ``leg`` column) is read as all person-level.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1], "t": [0.0, 1.0, 1.0], "leg": ["", "left", ""],
...                    "event": ["entry", "ceap", "ceap"], "detail": ["baseline", "C4a", "C4"]})
>>> person_rows(ev)["detail"].tolist()
['baseline', 'C4']
>>> ceap_class(pd.Series(["C4a", "C6r", "C2"])).tolist()
[4, 6, 2]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["person_rows", "person_mask", "leg_rows", "ceap_class", "surgery_waits", "SUPERFICIAL", "DEEP"]

#: ``valve_failure`` details that make a leg's superficial / deep system incompetent.
SUPERFICIAL = ("superficial", "congenital")
DEEP = ("deep_primary", "deep_post_thrombotic", "congenital")


def person_mask(events: pd.DataFrame) -> np.ndarray:
    """Rows about the person (``leg == ""``); every row on a log without legs."""
    if "leg" not in events.columns:
        return np.ones(len(events), bool)
    return (events["leg"].astype(str) == "").to_numpy()


def person_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The person's own rows: entries, exits, drivers, deaths and the worse leg's CEAP class."""
    return events[person_mask(events)]


def leg_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The legs' rows (empty on a log without legs)."""
    return events[~person_mask(events)]


def ceap_class(detail: pd.Series) -> pd.Series:
    """The CEAP clinical class number (0-6) of ``ceap`` details such as ``C4b`` or ``C6r``."""
    return pd.to_numeric(detail.astype(str).str.extract(r"^C(\d)", expand=False), errors="coerce")


def surgery_waits(events: pd.DataFrame) -> pd.Series:
    """Waiting years of the operations done (``surgery done`` rows; the ``value`` column)."""
    done = events[(events["event"].astype(str) == "surgery") & (events["detail"].astype(str) == "done")]
    return done["value"].astype(float)
