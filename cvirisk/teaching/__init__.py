"""Teaching material as data, and the model's output arranged for teaching.

The clinical picture, CEAP classes, the meaning of every event of the log, the imaging
findings and the differential diagnosis of subcutaneous calcification live in
``content.yaml`` beside this module (package data), each statement with references;
:func:`load_content` reads it and :func:`reference` spells out a reference key.
:func:`rank_differential` scores a described radiograph against the conditions of the
differential and :func:`differential_verdict` says which fit best, or that several tie.
:func:`calcification_by_duration` and :func:`calcification_onsets` read a simulated event log
and show that trabecular and reticular calcification belong to longer disease.
:mod:`cvirisk.teaching.story` finds typical persons and tells their story;
:mod:`cvirisk.outcomes` is the one reader of the log's ``detail`` text.

Examples
--------
>>> content = load_content()
>>> [t["id"] for t in content["imaging"]["calcification_types"]]
['punctate', 'trabecular', 'reticular']
>>> ranked = rank_differential(morphology="sheet-like", distribution="proximal", depth="subcutaneous")
>>> differential_verdict(ranked)["ids"]
['calcinosis_universalis']
>>> differential_verdict(rank_differential(morphology="sheet-like"))["kind"]
'tie'
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cvirisk.exceptions import InputError
from cvirisk.outcomes.details import read_event_details, worst_leg_ceap

__all__ = [
    "CALCIFICATION_TYPES",
    "DURATION_BINS",
    "FEATURES",
    "calcification_by_duration",
    "calcification_onsets",
    "cite",
    "cvi_onset",
    "cvi_without_reflux",
    "differential_features",
    "differential_verdict",
    "event_kinds",
    "load_content",
    "rank_differential",
    "read_event_details",
    "reference",
    "worst_leg_ceap",
]

#: Calcification types in the order the disease advances through them.
CALCIFICATION_TYPES: tuple[str, ...] = ("punctate", "trabecular", "reticular")
#: Features of a radiograph used by :func:`rank_differential`.
FEATURES: tuple[str, ...] = ("morphology", "distribution", "depth", "periostitis", "associated")
#: Default bins of disease duration (years since the first C3+ class).
DURATION_BINS: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0, 30.0, np.inf)


@lru_cache(maxsize=1)
def _content() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("content.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_content() -> dict[str, Any]:
    """The teaching content (clinical picture, imaging, differential) as a fresh nested dict."""
    import copy

    return copy.deepcopy(_content())


def reference(key: str) -> str:
    """The full citation of a reference key used in ``content.yaml`` (``lippmann1960``)."""
    refs = _content()["references"]
    if key not in refs:
        raise KeyError(f"no reference {key!r} in the teaching content")
    return refs[key]


def cite(keys: Sequence[str]) -> str:
    """Short citations of reference keys, e.g. ``"(Lurie 2020; Eklöf 2004)"``; full texts via :func:`reference`."""
    import re

    short = []
    for key in keys:
        text = reference(key)
        year = re.search(r"\b(19|20)\d\d\b", text)
        short.append(f"{text.split(' ')[0]} {year.group(0) if year else ''}".strip())
    return f"({'; '.join(short)})" if short else ""


def event_kinds() -> dict[str, dict[str, Any]]:
    """Every event kind of the model: ``label``, ``mark`` (plotly symbol), ``explanation``, ``refs``."""
    return {k: {f: v[f] for f in ("label", "mark", "explanation", "refs")} for k, v in _content()["events"].items()}


def differential_features() -> dict[str, list[str]]:
    """Each radiograph feature and the values a reader may pick for it."""
    feats = _content()["differential"]["features"]
    return {name: list(feats[name]["values"]) for name in FEATURES}


def rank_differential(**observed: str | None) -> pd.DataFrame:
    """Rank the conditions of the differential by how many observed features fit them.

    Parameters
    ----------
    **observed
        Any of ``morphology``, ``distribution``, ``depth``, ``periostitis`` with one of the
        values of :func:`differential_features`; None or missing means "not assessed".

    Returns
    -------
    DataFrame
        One row a condition, best first: ``id``, ``name``, ``matches``, ``assessed``,
        ``score`` (matches / assessed; NaN when nothing was assessed), ``rank`` (1 = best;
        conditions with as many matches share a rank), ``tied`` (another condition has the
        same rank), ``fits`` and ``conflicts`` (the features that fit or argue against it),
        ``key_point``. Equal scores keep the order of ``content.yaml``: a row above another
        with the same rank is not a better fit.
    """
    allowed = differential_features()
    unknown = sorted(set(observed) - set(allowed))
    if unknown:
        raise InputError(f"unknown radiograph feature(s) {', '.join(unknown)}; use {', '.join(FEATURES)}")
    given = {k: v for k, v in observed.items() if v is not None}
    for name, value in given.items():
        if value not in allowed[name]:
            raise InputError(f"{name}={value!r}: choose one of {', '.join(allowed[name])}")
    rows = []
    for cond in _content()["differential"]["conditions"]:
        fits = [f"{k}={v}" for k, v in given.items() if v in cond[k]]
        conflicts = [f"{k}={v}" for k, v in given.items() if v not in cond[k]]
        rows.append({
            "id": cond["id"], "name": cond["name"], "matches": len(fits), "assessed": len(given),
            "score": len(fits) / len(given) if given else np.nan,
            "fits": ", ".join(fits), "conflicts": ", ".join(conflicts), "key_point": cond["key_point"].strip(),
        })  # fmt: skip
    out = pd.DataFrame(rows).sort_values("matches", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(5, "rank", out["matches"].rank(method="min", ascending=False).astype(int))
    out.insert(6, "tied", out["rank"].duplicated(keep=False))
    return out


def differential_verdict(ranked: pd.DataFrame) -> dict[str, Any]:
    """What a ranking says: one best fit, a tie, or nothing assessed.

    Returns
    -------
    dict
        ``kind`` (``"best"``, ``"tie"`` or ``"none"``), ``ids`` and ``names`` of the top-ranked
        conditions, ``matches`` and ``assessed``, ``separating`` (for a tie: the features not
        yet assessed whose fitting values differ between the tied conditions, so assessing
        them could break the tie) and ``text`` (one plain sentence).
    """
    if ranked.empty or not int(ranked["assessed"].iloc[0]):
        return {"kind": "none", "ids": [], "names": [], "matches": 0, "assessed": 0, "separating": [],
                "text": "Pick at least one feature."}
    top = ranked[ranked["rank"] == 1]
    matches, assessed = int(top["matches"].iloc[0]), int(top["assessed"].iloc[0])
    ids, names = top["id"].tolist(), top["name"].tolist()
    if len(top) == 1:
        return {"kind": "best", "ids": ids, "names": names, "matches": matches, "assessed": assessed,
                "separating": [], "text": f"Best fit: {names[0]} ({matches} of {assessed} features)."}
    conds = {c["id"]: c for c in _content()["differential"]["conditions"]}
    assessed_feats = {f.split("=")[0] for f in (top["fits"].iloc[0] + ", " + top["conflicts"].iloc[0]).split(", ") if f}
    separating = [f for f in FEATURES if f not in assessed_feats
                  and len({tuple(sorted(conds[i][f])) for i in ids}) > 1]
    labels = _content()["differential"]["features"]
    hint = (" To separate them, assess: " + "; ".join(labels[f]["label"].lower() for f in separating) + "."
            if separating else "")
    return {"kind": "tie", "ids": ids, "names": names, "matches": matches, "assessed": assessed,
            "separating": separating,
            "text": f"Tie: {' and '.join(names)} each fit {matches} of {assessed} features; no single best fit.{hint}"}


def _kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    return events[events["event"].astype(str) == kind]


def _ceap(events: pd.DataFrame) -> pd.DataFrame:
    d = read_event_details(events)
    return d[d["event"] == "ceap"]


def cvi_onset(events: pd.DataFrame) -> pd.Series:
    """Time ``t`` of each person's first CEAP class C3 or worse in either leg (the start of CVI), by person_id."""
    ceap = _ceap(events)
    first = ceap[ceap["ceap_class"] >= 3].groupby("person_id", observed=True)["t"].min()
    return first.rename("t_onset")


def _ulcer_first(events: pd.DataFrame) -> pd.Series:
    ceap = _ceap(events)
    return ceap[ceap["ceap_class"] == 6].groupby("person_id", observed=True)["t"].min()


def cvi_without_reflux(events: pd.DataFrame) -> dict[str, float]:
    """How often the model's CVI (C3+) comes without venous reflux: the teaching text checked against the model.

    Returns ``n_cvi`` (persons ever C3+), ``before_reflux`` (share whose first C3+ came before
    any valve failure, in either leg) and ``never_reflux`` (share who never had a valve failure).
    """
    onset = cvi_onset(events)
    d = read_event_details(events)
    first_fail = d[d["event"] == "valve_failure"].groupby("person_id")["t"].min().reindex(onset.index)
    n = len(onset)
    if not n:
        return {"n_cvi": 0, "before_reflux": float("nan"), "never_reflux": float("nan")}
    ft = first_fail.to_numpy(float)
    before = np.where(np.isnan(ft), True, onset.to_numpy(float) < ft)
    return {"n_cvi": n, "before_reflux": float(before.mean()), "never_reflux": float(np.isnan(ft).mean())}


def calcification_onsets(events: pd.DataFrame) -> pd.DataFrame:
    """Every calcification event with the disease duration and ulcer history at that moment.

    Returns
    -------
    DataFrame
        ``person_id``, ``type``, ``age``, ``years_since_cvi`` (NaN if it happened before C3),
        ``ulcer_before`` (an ulcer had opened by then).
    """
    calc = read_event_details(_kind(events, "calcification"))
    onset = cvi_onset(events)
    ulcer = _ulcer_first(events)
    pid = calc["person_id"]
    t = calc["t"].to_numpy(float)
    since = t - onset.reindex(pid).to_numpy(float)
    ulcer_t = ulcer.reindex(pid).to_numpy(float)
    return pd.DataFrame({
        "person_id": pid.to_numpy(), "type": calc["base"].to_numpy(),
        "age": calc["age"].to_numpy(float), "years_since_cvi": since,
        "ulcer_before": np.nan_to_num(ulcer_t, nan=np.inf) <= t,
    })  # fmt: skip


def _labels(bins: Sequence[float]) -> list[str]:
    out = []
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        out.append(f"{lo:g}+" if not np.isfinite(hi) else f"{lo:g}-{hi:g}")
    return out


def calcification_by_duration(events: pd.DataFrame, bins: Sequence[float] = DURATION_BINS) -> pd.DataFrame:
    """Share of each calcification type by disease duration, at each person's last observation.

    Persons who ever reached C3+ are counted once, at their last event (exit or death), with
    the most advanced calcification type they had by then (``none`` if none).

    Returns
    -------
    DataFrame
        Long format: ``duration`` (bin label, ordered), ``type`` (``none``, ``punctate``,
        ``trabecular``, ``reticular``), ``n`` (persons of that type in the bin), ``share``
        and ``n_bin`` (persons in the bin).
    """
    bins = [float(b) for b in bins]
    if len(bins) < 2 or any(b >= c for b, c in zip(bins[:-1], bins[1:], strict=False)):
        raise InputError("duration bins must be at least two increasing numbers")
    onset = cvi_onset(events)
    last_t = events.groupby("person_id", observed=True)["t"].max().reindex(onset.index)
    duration = (last_t - onset).to_numpy(float)
    calc = read_event_details(_kind(events, "calcification"))
    rank = calc["base"].map({k: i for i, k in enumerate(CALCIFICATION_TYPES)})
    worst = rank.groupby(calc["person_id"].to_numpy()).max().reindex(onset.index)
    types = np.array(["none", *CALCIFICATION_TYPES])
    person_type = types[(worst.fillna(-1).to_numpy(int) + 1)]
    labels = _labels(bins)
    band = pd.cut(duration, bins=bins, right=False, labels=labels)
    frame = pd.DataFrame({"duration": band, "type": pd.Categorical(person_type, categories=list(types))})
    counts = frame.groupby(["duration", "type"], observed=False).size().rename("n").reset_index()
    n_bin = counts.groupby("duration", observed=False)["n"].transform("sum")
    counts["n_bin"] = n_bin.to_numpy()
    counts["share"] = np.where(n_bin > 0, counts["n"] / n_bin.where(n_bin > 0, 1), np.nan)
    return counts[["duration", "type", "n", "share", "n_bin"]]
