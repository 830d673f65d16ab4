"""The outcome vocabulary: every outcome's name, plain-language definition, unit and one reader.

An :class:`Outcome` turns one run's event log over follow-up (a :class:`FollowUp`) into one
number. The scenario comparison, the CLI's ``comparison.csv`` and its data dictionary, the
dashboard and the notebooks all take their outcomes (and what they mean) from here, so a number
means the same wherever it is shown. Other modules add outcomes with :func:`register` (the
health economics module registers QALYs and costs).

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1], "t": [0.0, 1.0, 3.0], "age": [50.0, 51.0, 53.0],
...     "leg": ["", "", ""], "event": ["entry", "ceap", "exit"], "detail": ["baseline", "C6", "death"],
...     "value": [None] * 3})
>>> get("ulcer_years").reader(FollowUp(ev, years=5.0))
2.0
>>> get("ulcer_years").unit
'person-years'
>>> measure(ev, years=5.0, names=["life_years", "ulcer_years"])
{'life_years': 3.0, 'ulcer_years': 2.0}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Outcome", "FollowUp", "register", "get", "names", "registered", "measure", "dictionary"]


@dataclass
class FollowUp:
    """One run's event log seen over follow-up ``[0, years]`` (years since baseline).

    ``weights`` (indexed by ``person_id``; default 1 each) weight persons of an oversampled
    cohort; ``params`` are the run's parameters (for readers that need numbers, e.g. costs).
    """

    events: pd.DataFrame
    years: float
    weights: pd.Series | None = None
    params: Any = None
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per follow-up (readers share work such as each person's class at the end)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @cached_property
    def person_ids(self) -> np.ndarray:
        """Every person in the log, sorted."""
        return np.unique(self.events["person_id"].to_numpy(np.int64))

    def weight_of(self, person_id: np.ndarray | pd.Index) -> np.ndarray:
        """The weight of each person (1 when there are no weights or the person has none)."""
        pid = np.asarray(person_id)
        if self.weights is None:
            return np.ones(len(pid))
        return self.weights.reindex(pid).fillna(1.0).to_numpy(float)

    def total(self, per_person: pd.Series) -> float:
        """Weighted sum of a per-person quantity (indexed by ``person_id``)."""
        return float((per_person.to_numpy(float) * self.weight_of(per_person.index)).sum())

    def count(self, person_id: np.ndarray) -> float:
        """Weighted number of rows (one ``person_id`` a row: an event, or a person)."""
        return float(self.weight_of(person_id).sum())

    def in_follow_up(self, t: np.ndarray | pd.Series) -> np.ndarray:
        """``0 <= t <= years``."""
        t = np.asarray(t, float)
        return (t >= 0.0) & (t <= self.years)


@dataclass(frozen=True)
class Outcome:
    """One outcome: what it is called, what it means, its unit and how it is read from the log.

    ``reader(follow_up) -> float``. ``engines`` names the engines that model it (``None``: every
    engine); elsewhere it is "not modelled", never 0. ``higher_is_better`` orients displays
    (``None`` when neither, e.g. referrals).
    """

    name: str
    label: str
    definition: str
    unit: str
    reader: Callable[[FollowUp], float] = field(compare=False, repr=False)
    higher_is_better: bool | None = False
    group: str = "clinical"
    engines: tuple[str, ...] | None = None

    def modelled_by(self, engine: str) -> bool:
        """Whether ``engine`` models this outcome."""
        return self.engines is None or engine in self.engines


_REGISTRY: dict[str, Outcome] = {}


def register(outcome: Outcome, replace: bool = False) -> Outcome:
    """Add ``outcome`` to the vocabulary (a second outcome of the same name is an error unless ``replace``)."""
    if outcome.name in _REGISTRY and not replace and _REGISTRY[outcome.name] != outcome:
        raise ValueError(f"outcome {outcome.name!r} is already registered")
    _REGISTRY[outcome.name] = outcome
    return outcome


def get(name: str) -> Outcome:
    """The outcome called ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r} (one of {', '.join(_REGISTRY)})") from None


def registered(group: str | None = None) -> tuple[Outcome, ...]:
    """Every registered outcome (of ``group``), in the order they were registered."""
    return tuple(o for o in _REGISTRY.values() if group is None or o.group == group)


def names(group: str | None = None) -> tuple[str, ...]:
    """Names of :func:`registered` outcomes."""
    return tuple(o.name for o in registered(group))


def measure(
    events: pd.DataFrame,
    years: float,
    weights: pd.Series | None = None,
    params: Any = None,
    names: Iterable[str] | None = None,
) -> dict[str, float]:
    """Outcome name -> value over follow-up ``[0, years]`` for one event log (every registered outcome by default)."""
    fu = FollowUp(events, float(years), weights, params)
    chosen = [o.name for o in registered()] if names is None else list(names)
    return {n: float(get(n).reader(fu)) for n in chosen}


def dictionary(names: Iterable[str] | None = None) -> pd.DataFrame:
    """The data dictionary of outcomes: ``outcome, label, unit, definition, group``."""
    chosen = registered() if names is None else tuple(get(n) for n in names)
    return pd.DataFrame([{"outcome": o.name, "label": o.label, "unit": o.unit, "definition": o.definition,
                          "group": o.group} for o in chosen])  # fmt: skip
