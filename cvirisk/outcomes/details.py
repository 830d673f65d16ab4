"""The event log's ``detail`` text read into columns, for the teaching code and the plots.

Two logs are in use: the older one (``person_id, age, t, event, detail``; numbers inside the
detail text such as ``bmi=30.0``, ``done wait_years=0.5``, recruitment ``3``; CEAP ``C1``-``C6``;
valve failures ``deep`` and ``post_thrombotic``) and the per-leg one (adds ``leg`` and
``value``; CEAP ``C4a``/``C4b``/``C4c`` and ``C6r``; ``_resolved`` findings; valve failures
``deep_primary`` and ``deep_post_thrombotic``). :func:`read_event_details` turns either into
one shape; everything else in :mod:`cvirisk.teaching` reads its columns, never the text.

Examples
--------
>>> import pandas as pd
>>> old = pd.DataFrame({"person_id": [1, 1, 1], "age": [40.0, 41.0, 42.0], "t": [0.0, 1.0, 2.0],
...                     "event": ["ceap", "covariate", "surgery"],
...                     "detail": ["C4", "bmi=30.0", "done wait_years=0.5000"]})
>>> d = read_event_details(old)
>>> d[["leg", "base", "ceap_class", "number"]].values.tolist()
[['', 'C4', 4.0, nan], ['', 'bmi', nan, 30.0], ['', 'done', nan, 0.5]]
>>> new = old.assign(leg=["left", "", ""], value=[float("nan"), 31.2, 0.25],
...                  detail=["C4b", "bmi", "done"])
>>> read_event_details(new)[["leg", "ceap_class", "number"]].values.tolist()
[['left', 4.0, nan], ['', nan, 31.2], ['', nan, 0.25]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CEAP_LABELS", "LEGS", "VALVE_ALIASES", "ceap_number", "read_event_details", "worst_leg_ceap"]

#: Every CEAP clinical label the logs use, mildest first (C2r recurrent varicose veins is class 2,
#: C4a-c are class 4, C6r is class 6).
CEAP_LABELS: tuple[str, ...] = ("C0", "C1", "C2", "C2r", "C3", "C4", "C4a", "C4b", "C4c", "C5", "C6", "C6r")
#: Leg labels of the per-leg log ("" = a person-level event, or a log without legs).
LEGS: tuple[str, ...] = ("left", "right")
#: Older valve-failure details and their per-leg names.
VALVE_ALIASES: dict[str, str] = {"deep": "deep_primary", "post_thrombotic": "deep_post_thrombotic"}


def ceap_number(label: str) -> int:
    """The clinical class (0-6) of a CEAP label such as ``C4b`` or ``C6r``."""
    if label not in CEAP_LABELS:
        raise ValueError(f"not a CEAP clinical label: {label!r}")
    return int(label[1])


def _number(text: pd.Series) -> pd.Series:
    """The number after the last ``=`` in a detail (``bmi=30.0`` -> 30.0), NaN when none."""
    after = text.str.rsplit("=", n=1).str[-1].where(text.str.contains("=", regex=False))
    return pd.to_numeric(after, errors="coerce")


def read_event_details(events: pd.DataFrame) -> pd.DataFrame:
    """Either event log, with its details read into columns.

    Returns
    -------
    DataFrame
        Same rows and order: ``person_id, age, t, leg, event, detail, value`` (plain strings;
        ``leg`` is ``""`` for person-level events and for a log without legs; ``value`` NaN
        when there is none), and

        * ``word``: the detail as written (the same as ``detail``; what a display shows);
        * ``base``: the detail without numbers or ``_resolved`` (``done``, ``bmi``, ``edema``,
          ``deep_primary`` for an older ``deep``);
        * ``setting``: for covariates, the text after ``=`` (``former``), else ``""``;
        * ``resolved``: a finding that went away;
        * ``ceap_class``: 0-6 for ``ceap`` events (NaN otherwise);
        * ``number``: ``value``, or the number the older log wrote into the detail
          (covariate ``bmi=30.0``, ``surgery done wait_years=0.5``, recruitment ``3``).
    """
    n = len(events)
    event = events["event"].astype(str).to_numpy()
    detail = events["detail"].astype(str).replace({"nan": ""}).to_numpy()
    leg = (events["leg"].astype(object).where(events["leg"].notna(), "").astype(str).to_numpy()
           if "leg" in events.columns else np.full(n, "", dtype=object))  # fmt: skip
    value = (pd.to_numeric(events["value"], errors="coerce").to_numpy(float) if "value" in events.columns
             else np.full(n, np.nan))  # fmt: skip
    out = pd.DataFrame({
        "person_id": events["person_id"].to_numpy(), "age": events["age"].to_numpy(float),
        "t": events["t"].to_numpy(float), "leg": leg, "event": event, "detail": detail, "value": value,
    }, index=events.index)  # fmt: skip
    d = out["detail"]
    head = d.str.split(" ", n=1).str[0]  # "done wait_years=0.5" -> "done"
    base = head.str.split("=", n=1).str[0]
    resolved = (out["event"] == "finding") & base.str.endswith("_resolved")
    base = base.where(~resolved, base.str.removesuffix("_resolved"))
    is_valve = out["event"] == "valve_failure"
    base = base.where(~is_valve, base.replace(VALVE_ALIASES))
    out["word"] = d.to_numpy()
    out["base"] = base
    is_cov = out["event"] == "covariate"
    out["setting"] = np.where(is_cov & d.str.contains("=", regex=False), d.str.split("=", n=1).str[-1], "")
    out["resolved"] = resolved.to_numpy()
    is_ceap = (out["event"] == "ceap") & d.isin(CEAP_LABELS)
    unknown = (out["event"] == "ceap") & ~d.isin(CEAP_LABELS)
    if unknown.any():
        raise ValueError(f"unknown CEAP detail(s) {sorted(set(d[unknown]))}; expected one of {CEAP_LABELS}")
    out["ceap_class"] = np.where(is_ceap, pd.to_numeric(d.str[1:2], errors="coerce"), np.nan)
    parsed = _number(d)
    recruit = out["event"] == "recruitment"
    parsed = parsed.where(~recruit, pd.to_numeric(d, errors="coerce"))
    out["number"] = np.where(np.isfinite(value), value, parsed.to_numpy(float))
    return out


def worst_leg_ceap(events: pd.DataFrame) -> pd.DataFrame:
    """The event log with its ``ceap`` events replaced by the person's (worst leg's) class changes.

    On the per-leg log each leg's class is replayed and a person-level ``ceap`` event
    ``C0``-``C6`` is written whenever the worse of the two legs changes class; on the older
    log (one class a person) the class labels are only reduced to ``C0``-``C6``. Other rows
    are kept as they are (columns ``person_id, age, t, event, detail`` and, when present,
    ``leg`` and ``value``), so the readers of :mod:`cvirisk.outcomes` work on either log.
    """
    d = read_event_details(events)
    is_ceap = (d["event"] == "ceap").to_numpy()
    rows = d[is_ceap]
    keep_cols = [c for c in ("person_id", "age", "t", "leg", "event", "detail", "value") if c in events.columns]
    rest = events.loc[~is_ceap, keep_cols].copy()
    rest["event"] = rest["event"].astype(str)
    rest["detail"] = rest["detail"].astype(str)
    new = []
    pos = np.flatnonzero(is_ceap)
    for pid, part in rows.assign(_pos=pos).groupby("person_id", sort=False):
        cls: dict[str, int] = {}
        worst = 0
        for age, t, leg, c, at in zip(part["age"], part["t"], part["leg"], part["ceap_class"], part["_pos"],
                                      strict=True):
            cls[leg] = int(c)
            now = max(cls.values())
            if now != worst:
                new.append((pid, age, t, f"C{now}", at + 0.5))
                worst = now
    ceap = pd.DataFrame(new, columns=["person_id", "age", "t", "detail", "_i"]).assign(event="ceap")
    if "leg" in keep_cols:
        ceap["leg"] = ""
    if "value" in keep_cols:
        ceap["value"] = np.nan
    # the person-level ceap rows go where their events were
    order = pd.concat([rest.assign(_i=np.flatnonzero(~is_ceap).astype(float)), ceap], ignore_index=True)
    order = order.sort_values("_i", kind="stable").drop(columns="_i").reset_index(drop=True)
    return order[keep_cols]

