"""The clinical and care outcomes of a run over follow-up, registered in the outcome vocabulary.

Each is read from the event log over follow-up ``0 <= t <= years`` (years since baseline) and
weighted by the cohort's ``weight`` when there is one. Counts are of the whole simulated cohort
(cohort-weighted persons or events); rates are per 1,000 person-years lived in follow-up;
prevalences are percentages of the persons alive and observed at the end of follow-up.

Examples
--------
>>> import pandas as pd
>>> from cvirisk.outcomes import registry
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1, 1, 1],
...     "t": [-3.0, 0.0, 1.0, 2.5, 3.0, 4.0], "age": [47.0, 50, 51, 52.5, 53, 54],
...     "event": ["ceap", "entry", "ceap", "ceap", "surgery", "exit"],
...     "detail": ["C2", "baseline", "C6", "C5", "done", "end_of_follow_up"],
...     "value": [None, None, None, None, 0.5, None]})
>>> o = registry.measure(ev, years=4, names=CLINICAL)
>>> o["cvi_incident"], o["ulcer_years"], o["surgeries"], o["mean_wait_years"], o["life_years"]
(1.0, 1.5, 1.0, 0.5, 4.0)
>>> o["ulcer_onset_rate"], o["cvi_prevalence_end"]
(250.0, 100.0)
"""

from __future__ import annotations

from collections.abc import Collection

from cvirisk.outcomes.care import surgery_waits
from cvirisk.outcomes.cumulative import cumulative_incidence
from cvirisk.outcomes.log import death_causes, exits, is_event, person_rows
from cvirisk.outcomes.readers import done_waits, first_time, life_years, ulcer_years
from cvirisk.outcomes.registry import FollowUp, Outcome, register
from cvirisk.outcomes.states import ceap_at

__all__ = ["CLINICAL"]

_PER = 1000.0  # rates per 1,000 person-years
_CVI = (
    "C3",
    "C4",
    "C5",
    "C6",
)  # the person's (worse leg's) CEAP classes of chronic venous insufficiency


def _events_in_follow_up(kind: str, detail: str | Collection[str] | None = None):
    """Reader: weighted number of ``kind`` (``detail``) events in follow-up."""

    def read(fu: FollowUp) -> float:
        ev = fu.events
        m = is_event(ev, kind, detail) & fu.in_follow_up(ev["t"])
        return fu.count(ev["person_id"].to_numpy()[m])

    return read


def _person_years(fu: FollowUp) -> float:
    return fu.total(life_years(fu.events, 0.0, fu.years))


def _rate(kind: str, detail: str | Collection[str] | None = None, person_level: bool = False):
    """Reader: events in follow-up per 1,000 person-years lived in follow-up (all occurrences)."""
    count = _events_in_follow_up(kind, detail)

    def read(fu: FollowUp) -> float:
        if person_level:
            fu = FollowUp(person_rows(fu.events), fu.years, fu.weights, fu.params)
        py = _person_years(fu)
        return _PER * count(fu) / py if py > 0 else float("nan")

    return read


def _cvi_incident(fu: FollowUp) -> float:
    first = first_time(fu.events, "ceap", _CVI)
    return fu.count(first.index[fu.in_follow_up(first.to_numpy())].to_numpy())


def _cvi_risk(fu: FollowUp) -> float:
    ci = cumulative_incidence(
        fu.events, "ceap", _CVI, times=[fu.years], exclude_prevalent=True, weights=fu.weights
    )
    return float(100.0 * ci["cif"].iloc[0])


def _mean_wait(fu: FollowUp) -> float:
    w = done_waits(fu.events, 0.0, fu.years)
    if not len(w):
        return float("nan")
    weight = fu.weight_of(w["person_id"].to_numpy())
    return float((w["wait_years"].to_numpy() * weight).sum() / weight.sum())


def _waiting_at_end(fu: FollowUp) -> float:
    refs = surgery_waits(fu.events)
    waiting = refs[(~refs["done"]) & (refs["t_referred"] <= fu.years)]
    ex = exits(fu.events).set_index("person_id")
    alive_at_end = (ex["t"] >= fu.years) & ~ex["died"]
    keep = alive_at_end.reindex(waiting["person_id"].to_numpy(), fill_value=False).to_numpy(bool)
    return fu.count(waiting["person_id"].to_numpy()[keep])


def _deaths_from(cause: str):
    def read(fu: FollowUp) -> float:
        de = death_causes(fu.events)
        return fu.count(
            de.loc[
                (de["cause"] == cause).to_numpy() & fu.in_follow_up(de["t"]), "person_id"
            ].to_numpy()
        )

    return read


def _prevalence_end(lowest: int, highest: int = 6):
    """Reader: percent of the persons alive and observed at the end of follow-up in classes ``lowest``-``highest``."""

    def read(fu: FollowUp) -> float:
        cls = fu.memo("ceap_at_end", lambda: ceap_at(fu.events, fu.years))
        if not len(cls):
            return float("nan")
        w = fu.weight_of(cls.index)
        hit = ((cls >= lowest) & (cls <= highest)).to_numpy(float)
        return float(100.0 * (w * hit).sum() / w.sum())

    return read


_FU = "during follow-up"
_OUT = [
    Outcome("cvi_incident", "new chronic venous insufficiency",
            f"Persons whose first CEAP class C3 or worse (edema, skin changes or ulcer; CVI) begins {_FU}.",
            "persons", _cvi_incident),
    Outcome("cvi_cumulative_incidence", "risk of CVI by the end",
            "Percent of the persons who never had CVI (CEAP C3 or worse) before baseline who develop it by the end "
            "of follow-up, death competing (Aalen-Johansen).", "% of persons free of CVI at baseline", _cvi_risk),
    Outcome("superficial_failure", "superficial valve failures",
            f"Legs whose superficial venous valves fail {_FU} (events).", "events", _events_in_follow_up(
                "valve_failure", "superficial")),
    Outcome("ulcer_years", "years with an open ulcer",
            f"Years lived with an open venous ulcer (the worse leg in C6) {_FU}, summed over persons.",
            "person-years", lambda fu: fu.total(ulcer_years(fu.events, 0.0, fu.years))),
    Outcome("dvt", "deep vein thromboses", f"Incident deep vein thromboses {_FU} (events).", "events",
            _events_in_follow_up("dvt", "incident")),
    Outcome("pe", "pulmonary embolisms", f"Pulmonary embolisms, fatal or not, {_FU} (events).", "events",
            _events_in_follow_up("pe")),
    Outcome("deaths", "deaths", f"Deaths from any cause {_FU}.", "persons", _events_in_follow_up("death")),
    Outcome("deaths_pe", "deaths from pulmonary embolism", f"Deaths caused by a pulmonary embolism {_FU}.",
            "persons", _deaths_from("pe")),
    Outcome("surgeries", "operations", f"Venous operations done {_FU} (one a leg operated).", "operations",
            _events_in_follow_up("surgery", "done"), higher_is_better=None, group="care"),
    Outcome("referrals", "referrals to surgery", f"Referrals to venous surgery {_FU}.", "referrals",
            _events_in_follow_up("surgery", "referred"), higher_is_better=None, group="care"),
    Outcome("mean_wait_years", "waiting time for surgery",
            f"Mean time from referral to operation of the operations done {_FU} (not defined when none).",
            "years", _mean_wait, group="care"),
    Outcome("waiting_at_end", "still waiting for surgery at end",
            "Referrals to venous surgery not yet operated at the end of follow-up, of persons alive then.",
            "referrals", _waiting_at_end, group="care"),
    Outcome("life_years", "life-years", f"Years lived {_FU}, summed over persons (undiscounted).",
            "person-years", _person_years, higher_is_better=True),
    Outcome("varicose_prevalence_end", "varicose veins (C2+) at end",
            "Percent of the persons alive at the end of follow-up whose worse leg is in CEAP class C2 or worse.",
            "% of persons alive", _prevalence_end(2)),
    Outcome("cvi_prevalence_end", "CVI (C3+) at end",
            "Percent of the persons alive at the end of follow-up whose worse leg is in CEAP class C3 or worse.",
            "% of persons alive", _prevalence_end(3)),
    Outcome("ulcer_history_prevalence_end", "healed or open ulcer (C5-C6) at end",
            "Percent of the persons alive at the end of follow-up whose worse leg is in C5 (healed ulcer) or C6.",
            "% of persons alive", _prevalence_end(5)),
    Outcome("ulcer_onset_rate", "ulcer openings",
            f"Openings of an ulcer (the worse leg entering C6, first or recurrent) {_FU}, per 1,000 person-years.",
            "per 1,000 person-years", _rate("ceap", "C6", person_level=True)),
    Outcome("dvt_rate", "DVT rate", f"Incident deep vein thromboses {_FU} per 1,000 person-years.",
            "per 1,000 person-years", _rate("dvt", "incident")),
    Outcome("calcification_rate", "calcification rate",
            f"Subcutaneous calcifications appearing or advancing {_FU} per 1,000 person-years.",
            "per 1,000 person-years", _rate("calcification")),
    Outcome("death_rate", "mortality rate", f"Deaths from any cause {_FU} per 1,000 person-years.",
            "per 1,000 person-years", _rate("death")),
]  # fmt: skip

for _o in _OUT:
    register(_o)

#: Names of the clinical and care outcomes, in report order.
CLINICAL: tuple[str, ...] = tuple(o.name for o in _OUT)

del _o
