"""The one reader of the event log's ``detail`` text: typed rows for everyone else.

Every module outside :mod:`cvirisk.outcomes` (and the engines that write the log) asks these
functions instead of comparing ``detail`` strings itself (``tests/outcomes/test_one_reader.py``
holds the package to that). The words asked for are those of the log's vocabulary
(DESIGN.md, "Event vocabulary"): ``is_event(ev, "surgery", "done")``, ``ceap_class(ev)``.

The log has a ``leg`` column: ``""`` for the person's own events (entry, exit, covariate, pe,
death, compression, the person's CEAP class, i.e. the worse leg's) and ``left``/``right`` for a
leg's. Readers that ask about the person use :func:`person_rows`; a log written before legs
existed (no ``leg`` column) is read as all person-level.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1], "t": [0.0, 1.0, 1.0, 2.0], "leg": ["", "left", "", ""],
...                    "event": ["entry", "ceap", "ceap", "exit"], "detail": ["baseline", "C4a", "C4", "death"],
...                    "value": [None] * 4})
>>> labels(person_rows(ev)).tolist()
['baseline', 'C4', 'death']
>>> ceap_class(pd.Series(["C4a", "C6r", "C2"])).tolist()
[4, 6, 2]
>>> ceap_class(ev).tolist(), ceap_subclass(ev).tolist()
([nan, 4.0, 4.0, nan], ['', 'a', '', ''])
>>> is_event(ev, "exit", "death").tolist()
[False, False, False, True]
>>> exits(ev)[["t", "reason", "died"]].values.tolist()
[[2.0, 'death', True]]
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

__all__ = [
    "person_rows", "person_mask", "leg_rows", "labels", "is_event", "select_events", "ceap_class",
    "ceap_subclass", "valve_systems", "superficial_reflux", "surgery_waits", "exits", "entries", "death_causes", "findings",
    "covariate_changes", "SUPERFICIAL", "DEEP",
]  # fmt: skip

#: ``valve_failure`` details that make a leg's superficial / deep system incompetent.
SUPERFICIAL = ("superficial", "congenital")
DEEP = ("deep_primary", "deep_post_thrombotic", "congenital")

_TEXT = "detail"  # the column this module (and only this module) reads


def _age(rows: pd.DataFrame) -> np.ndarray:
    return rows["age"].to_numpy(float) if "age" in rows.columns else np.full(len(rows), np.nan)


def labels(events: pd.DataFrame) -> np.ndarray:
    """The log's vocabulary word of each row (``"done"``, ``"C4a"``, ``"smoking=former"``), as text.

    For display (a timeline's hover text, a patient story); to select rows use :func:`is_event`.
    """
    return events[_TEXT].astype(str).replace({"nan": ""}).to_numpy(dtype=object)


def person_mask(events: pd.DataFrame) -> np.ndarray:
    """Rows about the person (``leg == ""``); every row on a log without legs."""
    if "leg" not in events.columns:
        return np.ones(len(events), bool)
    return _matches(events["leg"], "")


def person_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The person's own rows: entries, exits, drivers, deaths and the worse leg's CEAP class."""
    return events[person_mask(events)]


def leg_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The legs' rows (empty on a log without legs)."""
    return events[~person_mask(events)]


def _matches(column: pd.Series, words: str | Collection[str]) -> np.ndarray:
    """``column`` is the word, starts with ``word*``, or is one of the words (on the categories when categorical)."""

    def test(text: pd.Series) -> np.ndarray:
        if isinstance(words, str):
            hit = text.str.startswith(words[:-1]) if words.endswith("*") else (text == words)
        else:
            hit = text.isin(list(words))
        return hit.to_numpy(bool)

    if isinstance(column.dtype, pd.CategoricalDtype):  # test each category once, not each row
        codes = column.cat.codes.to_numpy()
        hit = np.append(test(pd.Series(column.cat.categories.astype(str))), False)
        return hit[codes]  # code -1 (missing) picks the appended False
    return test(column.astype(str))


def is_event(
    events: pd.DataFrame, kind: str | Collection[str], detail: str | Collection[str] | None = None
) -> np.ndarray:
    """Boolean mask of the rows of ``kind`` whose detail is ``detail``.

    ``detail`` is one word, a word ending in ``*`` (a prefix: ``"duplex_*"``), or a collection
    of words; ``None`` takes every detail.
    """
    mask = _matches(events["event"], kind)
    if detail is not None:
        mask &= _matches(events[_TEXT], detail)
    return mask


def select_events(
    events: pd.DataFrame, kind: str, detail: str | Collection[str] | None = None
) -> pd.DataFrame:
    """Events of ``kind`` whose detail is ``detail`` (see :func:`is_event`).

    ``ceap`` means the person's class (the worse leg), not a leg's.
    """
    if kind == "ceap":
        events = person_rows(events)
    return events[is_event(events, kind, detail)]


def ceap_class(x: pd.DataFrame | pd.Series) -> pd.Series:
    """The CEAP clinical class number (0-6).

    Of an event log: of each ``ceap`` row (NaN on other rows). Of a Series of labels such as
    ``C4b`` or ``C6r``: of each label.
    """
    if isinstance(x, pd.DataFrame):
        text = x[_TEXT].astype(str).where(is_event(x, "ceap"), "")
    else:
        text = x.astype(str)
    return pd.to_numeric(text.str.extract(r"^C(\d)", expand=False), errors="coerce")


def ceap_subclass(events: pd.DataFrame) -> pd.Series:
    """The CEAP 2020 modifier of each ``ceap`` row: ``a``/``b``/``c`` (C4) or ``r`` (recurrent); ``""`` else."""
    text = events[_TEXT].astype(str).where(is_event(events, "ceap"), "")
    return text.str.extract(r"^C\d([a-z]?)$", expand=False).fillna("")


def valve_systems(events: pd.DataFrame) -> pd.DataFrame:
    """The ``valve_failure`` rows with the systems they make incompetent.

    Columns ``person_id, t, leg, cause, superficial, deep, post_thrombotic``; ``cause`` is the
    log's word (``superficial``, ``deep_primary``, ``deep_post_thrombotic``, ``congenital``;
    congenital absence of valves counts for both systems).
    """
    vf = events[is_event(events, "valve_failure")]
    cause = vf[_TEXT].astype(str)
    leg = vf["leg"].astype(str) if "leg" in vf.columns else pd.Series("", index=vf.index)
    return pd.DataFrame({
        "person_id": vf["person_id"].to_numpy(), "t": vf["t"].to_numpy(float), "leg": leg.to_numpy(),
        "cause": cause.to_numpy(), "superficial": cause.isin(SUPERFICIAL).to_numpy(),
        "deep": cause.isin(DEEP).to_numpy(), "post_thrombotic": (cause == "deep_post_thrombotic").to_numpy(),
    }, index=vf.index)  # fmt: skip


def superficial_reflux(events: pd.DataFrame) -> pd.Series:
    """Whether each leg's superficial reflux is open, by ``(person_id, leg)``: the leg's last word.

    A superficial (or congenital) valve failure opens it, an operation (``surgery done``) closes
    it; legs with neither are absent. Rows are read in log order.
    """
    on, off = is_event(events, "valve_failure", SUPERFICIAL), is_event(events, "surgery", "done")
    rows = events[on | off]
    leg = rows["leg"].astype(str).to_numpy() if "leg" in rows.columns else np.full(len(rows), "")
    return (
        pd.Series(on[on | off])
        .groupby([rows["person_id"].to_numpy(), leg])
        .last()
        .rename("superficial_reflux")
    )


def surgery_waits(events: pd.DataFrame) -> pd.Series:
    """Waiting years of the operations done (``surgery done`` rows; the ``value`` column)."""
    return events.loc[is_event(events, "surgery", "done"), "value"].astype(float)


def exits(events: pd.DataFrame) -> pd.DataFrame:
    """Each person's ``exit`` row: ``person_id, t, age, reason`` (``death``, ``end_of_follow_up``) and ``died``."""
    ex = events[is_event(events, "exit")]
    reason = ex[_TEXT].astype(str)
    return pd.DataFrame({"person_id": ex["person_id"].to_numpy(), "t": ex["t"].to_numpy(float),
                         "age": _age(ex), "reason": reason.to_numpy(),
                         "died": (reason == "death").to_numpy()}, index=ex.index)  # fmt: skip


def entries(events: pd.DataFrame, reason: str | None = None) -> pd.DataFrame:
    """The ``entry`` rows (``history_start`` at age 18, ``baseline`` at t = 0): ``person_id, t, age, reason``."""
    en = events[is_event(events, "entry", reason)]
    return pd.DataFrame({"person_id": en["person_id"].to_numpy(), "t": en["t"].to_numpy(float),
                         "age": _age(en), "reason": en[_TEXT].astype(str).to_numpy()},
                        index=en.index)  # fmt: skip


def death_causes(events: pd.DataFrame) -> pd.DataFrame:
    """The ``death`` rows: ``person_id, t, age, cause`` (``background`` mortality or ``pe``)."""
    de = events[is_event(events, "death")]
    return pd.DataFrame({"person_id": de["person_id"].to_numpy(), "t": de["t"].to_numpy(float),
                         "age": _age(de), "cause": de[_TEXT].astype(str).to_numpy()},
                        index=de.index)  # fmt: skip


def findings(events: pd.DataFrame) -> pd.DataFrame:
    """The ``finding`` rows: ``person_id, t, leg, name`` (without ``_resolved``) and ``resolved``.

    ``ulcer_healed`` and ``ulcer_recurred`` are names of their own (an ulcer's course).
    """
    fd = events[is_event(events, "finding")]
    text = fd[_TEXT].astype(str)
    resolved = text.str.endswith("_resolved")
    leg = fd["leg"].astype(str) if "leg" in fd.columns else pd.Series("", index=fd.index)
    return pd.DataFrame({"person_id": fd["person_id"].to_numpy(), "t": fd["t"].to_numpy(float),
                         "leg": leg.to_numpy(), "name": text.str.removesuffix("_resolved").to_numpy(),
                         "resolved": resolved.to_numpy()}, index=fd.index)  # fmt: skip


def covariate_changes(events: pd.DataFrame) -> pd.DataFrame:
    """The ``covariate`` rows: ``person_id, t, name, setting`` (``smoking=former`` -> smoking, former; ``bmi`` -> bmi, "")."""
    cov = events[is_event(events, "covariate")]
    parts = cov[_TEXT].astype(str).str.split("=", n=1, expand=True)
    setting = parts[1] if parts.shape[1] > 1 else pd.Series(None, index=cov.index)
    return pd.DataFrame({"person_id": cov["person_id"].to_numpy(), "t": cov["t"].to_numpy(float),
                         "name": parts[0].to_numpy() if len(cov) else np.array([], dtype=object),
                         "setting": setting.fillna("").to_numpy() if len(cov) else np.array([], dtype=object)},
                        index=cov.index)  # fmt: skip
