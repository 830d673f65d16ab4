"""QALYs and costs per person from the event log, discounted and undiscounted, in continuous time.

What accrues (parameters under ``economics`` in the shipped ``cvirisk.yaml``, each with a source):

* **QALYs**: the utility of the person's CEAP class (the worse leg's; ``open_ulcer`` in C6) over
  follow-up, less additive decrements while an acute DVT or PE lasts (``episode_years``) and,
  from the person's first post-thrombotic deep valve failure (before or after baseline), for
  post-thrombotic syndrome. A person contributes from baseline (``t = 0``) to exit (death or the
  end of follow-up at ``years``).
* **Costs**: one ``duplex_scan`` per duplex examination (both legs at one visit), one
  ``surgery`` per operation done, one ``infection``, ``dvt_treatment`` or ``pe_treatment`` per
  event; ``compression_per_year`` while compression is worn; ``ulcer_care_per_week`` for each
  leg while its ulcer is open (C6).

Discounting is continuous at the instantaneous rate ``delta = ln(1 + r)`` for the annual rate
``r``: something at time ``t`` (years since baseline) weighs ``(1 + r) ** -t``, which is the
annual factor itself at whole years, and a flow at a constant rate from ``a`` to ``b`` weighs
``((1 + r) ** -a - (1 + r) ** -b) / delta`` exactly. Why continuous: the model has no time step
and no cycle boundaries; discounting by whole years (a step function of time) would make a
result depend on where an event falls within its year, which nothing in the disease decides.
Utilities and cost rates are constant between events, so every integral is closed form.

Examples
--------
A person in C2 for one year, then with an open ulcer (C6) for one year, no discounting:
0.82 + 0.64 QALYs and 52.18 weeks of ulcer care.

>>> import pandas as pd
>>> from cvirisk.params import load_params
>>> p = load_params(overrides={"economics.discount_rate_effects_per_year": 0.0,
...                            "economics.discount_rate_costs_per_year": 0.0})
>>> ev = pd.DataFrame({"person_id": [1] * 7, "t": [-2.0, -2.0, 0.0, 1.0, 1.0, 2.0, 2.0],
...     "age": [48.0, 48, 50, 51, 51, 52, 52], "leg": ["left", "", "", "left", "", "", ""],
...     "event": ["ceap", "ceap", "entry", "ceap", "ceap", "death", "exit"],
...     "detail": ["C2", "C2", "baseline", "C6", "C6", "background", "death"], "value": [None] * 7})
>>> e = person_economics(ev, years=5, params=p)
>>> round(float(e.loc[1, "qalys"]), 4), round(float(e.loc[1, "costs_ulcer_care"]), 2)
(1.46, 7826.79)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cvirisk.outcomes.log import ceap_class
from cvirisk.outcomes.registry import FollowUp, Outcome, register

__all__ = [
    "MONEY", "WEEKS_PER_YEAR", "COST_ITEMS", "money_unit", "discount_factor", "discounted_time", "person_economics",
    "ECONOMIC_OUTCOMES", "economics_numbers",
]  # fmt: skip

#: The unit of money in the outcome vocabulary; :func:`money_unit` names the run's currency and year.
MONEY = "currency units (economics.currency, at economics.price_year prices)"

#: Weeks in a Julian year (365.25 / 7): converts ``ulcer_care_per_week`` to a rate per year.
WEEKS_PER_YEAR = 365.25 / 7.0

#: Cost items, in the order of the ``costs_<item>`` columns of :func:`person_economics`.
COST_ITEMS: tuple[str, ...] = (
    "duplex", "compression", "surgery", "ulcer_care", "infection", "dvt", "pe",
)  # fmt: skip


def _delta(rate: float) -> float:
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"annual discount rate must be in [0, 1), got {rate}")
    return math.log1p(rate)


def discount_factor(t, rate: float) -> np.ndarray:
    """Weight of something happening at ``t`` years after baseline: ``(1 + rate) ** -t``.

    >>> round(float(discount_factor(1.0, 0.035)), 12) == round(1 / 1.035, 12)
    True
    """
    return np.exp(-_delta(rate) * np.asarray(t, float))


def discounted_time(a, b, rate: float) -> np.ndarray:
    """``integral from a to b of (1 + rate) ** -t dt`` (0 where ``b <= a``); ``b - a`` at rate 0.

    >>> round(float(discounted_time(0.0, 1.0, 0.035)), 6)  # (1 - 1/1.035) / ln(1.035)
    0.982995
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = np.clip(b - a, 0.0, None)
    d = _delta(rate)
    if d == 0.0:
        return length
    # exp(-d a) * (1 - exp(-d (b - a))) / d, with expm1 for short spells
    return np.exp(-d * a) * -np.expm1(-d * length) / d


def money_unit(params) -> str:
    """The currency and price year of ``params`` as a unit: ``"GBP (2023 prices)"``."""
    return f"{params.economics.currency.value} ({params.economics.price_year.value} prices)"


def economics_numbers(params) -> dict:
    """The ``economics`` section of ``params`` as plain numbers (value of each leaf)."""
    e = params.economics
    return {
        "currency": e.currency.value, "price_year": e.price_year.value,
        "rate_costs": float(e.discount_rate_costs_per_year.value),
        "rate_effects": float(e.discount_rate_effects_per_year.value),
        "utility": [float(getattr(e.utilities, f"C{k}").value) for k in range(6)] + [float(e.utilities.open_ulcer.value)],
        "decrement": {k: float(getattr(e.utility_decrements, k).value) for k in ("dvt", "pe", "post_thrombotic_syndrome")},
        "episode": {k: float(getattr(e.episode_years, k).value) for k in ("dvt", "pe")},
        "cost": {k: float(q.value) for k, q in e.costs},
    }  # fmt: skip


def _coded(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Category codes of a column and its categories as text (-1: missing). The engines write
    ``event``, ``detail`` and ``leg`` as categoricals, so words are compared once per category,
    not once per row."""
    cat = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype(str).astype("category")
    return cat.cat.codes.to_numpy(), np.asarray(cat.cat.categories.astype(str), dtype=object)


def _lookup(codes: np.ndarray, per_category: np.ndarray, missing) -> np.ndarray:
    return np.append(per_category, np.asarray([missing], dtype=per_category.dtype))[codes]


class _Log:
    """The arrays of one log that the economics needs (sorted as the engines write it)."""

    def __init__(self, events: pd.DataFrame, years: float):
        self.pid = events["person_id"].to_numpy(np.int64)
        self.t = events["t"].to_numpy(float)
        self._kind, self._kinds = _coded(events["event"])
        self._word, self._words = _coded(events["detail"])
        if "leg" in events.columns:
            self.leg, legs = _coded(events["leg"])
            self.person = _lookup(self.leg, legs == "", False)
        else:  # a log written before legs existed: every row is the person's
            self.leg, self.person = np.zeros(len(events), np.int8), np.ones(len(events), bool)
        # CEAP class number of ``ceap`` rows (NaN elsewhere), parsed once per category
        classes = ceap_class(pd.Series(self._words)).to_numpy(float)
        self.cls = np.where(self.kind_is("ceap"), _lookup(self._word, classes, np.nan), np.nan)
        self.years = float(years)
        self.ids = np.unique(self.pid)
        ex = np.flatnonzero(self.kind_is("exit"))
        # end of each person's follow-up: exit clipped to [0, years]; a person without an exit row
        # (a truncated log) is followed to ``years``
        self.end = np.full(self.ids.size, self.years)
        self.end[np.searchsorted(self.ids, self.pid[ex])] = np.clip(self.t[ex], 0.0, self.years)

    def kind_is(self, kind: str) -> np.ndarray:
        """Rows whose ``event`` is ``kind``."""
        return _lookup(self._kind, self._kinds == kind, False)

    def word_is(self, test) -> np.ndarray:
        """Rows whose ``detail`` is ``test`` (a word, or a predicate of the word)."""
        hit = np.array(
            [test(w) for w in self._words] if callable(test) else self._words == test, dtype=bool
        )
        return _lookup(self._word, hit, False)

    def index(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, self.pid[rows])

    def events_at(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Person index and time of the rows of ``mask`` inside each person's follow-up."""
        rows = np.flatnonzero(mask)
        i = self.index(rows)
        keep = (self.t[rows] >= 0.0) & (self.t[rows] <= self.end[i])
        return i[keep], self.t[rows][keep]

    def spells(self, mask: np.ndarray, by_leg: bool = False) -> tuple[np.ndarray, ...]:
        """Spells that the rows of ``mask`` start: each lasts until the next such row of the same
        person (and leg, with ``by_leg``) or the person's exit; clipped to follow-up.

        Returns person index, start, end (``start <= end``) and the starting row of each spell.
        """
        rows = np.flatnonzero(mask)
        key = self.pid[rows] * 4
        if by_leg:
            key = key + self.leg[rows].astype(np.int64) + 1
        order = np.lexsort((self.t[rows], key))  # stable: rows at one time keep the log's order
        rows, key = rows[order], key[order]
        same = np.append(key[1:] == key[:-1], False)
        i = self.index(rows)
        nxt = np.where(same, np.append(self.t[rows][1:], np.inf), np.inf)
        start = np.clip(self.t[rows], 0.0, None)
        end = np.minimum(nxt, self.end[i])
        return i, start, np.maximum(start, end), rows


def person_economics(events: pd.DataFrame, years: float, params) -> pd.DataFrame:
    """QALYs and costs of every person of one event log over follow-up ``[0, years]``.

    Parameters
    ----------
    events : pandas.DataFrame
        An event log as the engines write it (sorted by person, then time and event order).
    years : float
        End of follow-up (years since baseline).
    params : Params
        Utilities, costs and discount rates from ``params.economics``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``person_id``: ``life_years``, ``qalys``, ``qalys_discounted``, ``costs``,
        ``costs_discounted`` and, per item of :data:`COST_ITEMS`, ``costs_<item>`` and
        ``costs_<item>_discounted`` (in ``params.economics.currency``).
    """
    num = economics_numbers(params)
    log = _Log(events, years)
    n = log.ids.size
    out: dict[str, np.ndarray] = {"life_years": log.end.copy()}

    def add(name: str, i: np.ndarray, amount: np.ndarray) -> None:
        out[name] = out.get(name, np.zeros(n)) + np.bincount(i, weights=amount, minlength=n)

    for disc, suffix in ((0.0, ""), (num["rate_effects"], "_discounted")):
        q = f"qalys{suffix}"
        out[q] = np.zeros(n)
        # utility of the person's class, from a C0 start (history from age 18) through every change
        add(
            q,
            np.arange(n),
            num["utility"][0] * discounted_time(0.0, _first_class_change(log), disc),
        )
        i, a, b, rows = log.spells(log.person & log.kind_is("ceap"))
        u = np.asarray(num["utility"])[log.cls[rows].astype(int)]
        add(q, i, u * discounted_time(a, b, disc))
        # acute episodes: DVT (a leg's) and PE (the person's), from the event for episode_years
        for kind in ("dvt", "pe"):
            i, t = log.events_at(log.kind_is(kind))
            stop = np.minimum(t + num["episode"][kind], log.end[i])
            add(q, i, -num["decrement"][kind] * discounted_time(t, stop, disc))
        # post-thrombotic syndrome, from the person's first post-thrombotic valve failure
        pts = np.flatnonzero(log.kind_is("valve_failure") & log.word_is("deep_post_thrombotic"))
        pts = pts[np.unique(log.pid[pts], return_index=True)[1]] if pts.size else pts
        i = log.index(pts)
        a = np.clip(log.t[pts], 0.0, None)
        add(
            q,
            i,
            -num["decrement"]["post_thrombotic_syndrome"] * discounted_time(a, log.end[i], disc),
        )

    for disc, suffix in ((0.0, ""), (num["rate_costs"], "_discounted")):
        cost = num["cost"]
        for item, kind, word, price in (("surgery", "surgery", "done", cost["surgery"]),
                                        ("infection", "infection", None, cost["infection"]),
                                        ("dvt", "dvt", None, cost["dvt_treatment"]),
                                        ("pe", "pe", None, cost["pe_treatment"])):  # fmt: skip
            mask = log.kind_is(kind) if word is None else log.kind_is(kind) & log.word_is(word)
            i, t = log.events_at(mask)
            add(f"costs_{item}{suffix}", i, price * discount_factor(t, disc))
        # a duplex examination: both legs' results at one visit count once
        scans = np.flatnonzero(
            log.kind_is("diagnosis") & log.word_is(lambda w: w.startswith("duplex_"))
        )
        visit = np.zeros(len(log.t), bool)
        if scans.size:
            new = np.r_[
                True,
                (log.pid[scans][1:] != log.pid[scans][:-1])
                | (log.t[scans][1:] != log.t[scans][:-1]),
            ]
            visit[scans[new]] = True
        i, t = log.events_at(visit)
        add(f"costs_duplex{suffix}", i, cost["duplex_scan"] * discount_factor(t, disc))
        # compression worn from each start to the next start/stop or exit
        i, a, b, rows = log.spells(log.person & log.kind_is("compression"))
        on = log.word_is("start")[rows]
        add(
            f"costs_compression{suffix}",
            i[on],
            cost["compression_per_year"] * discounted_time(a[on], b[on], disc),
        )
        # ulcer care per leg while its class is C6
        i, a, b, rows = log.spells(~log.person & log.kind_is("ceap"), by_leg=True)
        c6 = log.cls[rows] == 6
        add(
            f"costs_ulcer_care{suffix}",
            i[c6],
            cost["ulcer_care_per_week"] * WEEKS_PER_YEAR * discounted_time(a[c6], b[c6], disc),
        )
        out[f"costs{suffix}"] = sum(
            out.setdefault(f"costs_{k}{suffix}", np.zeros(n)) for k in COST_ITEMS
        )

    cols = ["life_years", "qalys", "qalys_discounted", "costs", "costs_discounted"]
    cols += [f"costs_{k}{s}" for k in COST_ITEMS for s in ("", "_discounted")]
    return pd.DataFrame({c: out[c] for c in cols}, index=pd.Index(log.ids, name="person_id"))


def _first_class_change(log: _Log) -> np.ndarray:
    """Per person (in the order of ``log.ids``): time of the first person-level ``ceap`` row, or
    the end of follow-up when there is none (the person stays in C0)."""
    rows = np.flatnonzero(log.person & log.kind_is("ceap"))
    out = log.end.copy()
    if rows.size:
        firsts = rows[np.unique(log.pid[rows], return_index=True)[1]]
        i = log.index(firsts)
        out[i] = np.minimum(log.t[firsts], log.end[i])
    return out


def _per_person(column: str):
    def reader(fu: FollowUp) -> float:
        per = fu.memo("economics", lambda: person_economics(fu.events, fu.years, _params_of(fu)))[column]
        w = fu.weight_of(per.index)  # one pass above serves the four economic outcomes of a run
        return float((per.to_numpy(float) * w).sum() / w.sum()) if w.sum() > 0 else math.nan

    return reader


def _params_of(fu: FollowUp):
    """The run's parameters; as everywhere in cvirisk, none given means the shipped ones."""
    if fu.params is not None:
        return fu.params
    from cvirisk.params import load_params

    return load_params()


#: Economic outcomes registered in :mod:`cvirisk.outcomes.registry` (means per person).
ECONOMIC_OUTCOMES: tuple[str, ...] = (
    "qalys_per_person", "costs_per_person", "qalys_per_person_undiscounted", "costs_per_person_undiscounted",
)  # fmt: skip

_DISC = "discounted to baseline continuously at economics.discount_rate_{}_per_year ((1 + r)^-t)"
for _name, _col, _label, _unit, _definition, _better in (
    ("qalys_per_person", "qalys_discounted", "QALYs per person", "QALYs per person",
     "quality-adjusted life-years per person over follow-up: the EQ-5D utility of the person's CEAP class "
     "(open ulcer in C6) less decrements for acute DVT, PE and post-thrombotic syndrome, integrated from "
     "baseline to exit, " + _DISC.format("effects"), True),
    ("costs_per_person", "costs_discounted", "Costs per person", f"{MONEY} per person",
     "health-care costs per person over follow-up (duplex examinations, compression, operations, ulcer care per "
     "week per leg, infections, DVT and PE treatment), " + _DISC.format("costs"), False),
    ("qalys_per_person_undiscounted", "qalys", "QALYs per person (undiscounted)", "QALYs per person",
     "as qalys_per_person, without discounting", True),
    ("costs_per_person_undiscounted", "costs", "Costs per person (undiscounted)", f"{MONEY} per person",
     "as costs_per_person, without discounting", False),
):  # fmt: skip
    register(
        Outcome(
            _name,
            _label,
            _definition,
            _unit,
            _per_person(_col),
            higher_is_better=_better,
            group="economics",
        ),
        replace=True,
    )
