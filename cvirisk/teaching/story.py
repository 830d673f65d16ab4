"""Guided patient stories: find a typical simulated person, then tell their history leg by leg.

:func:`find_typical_person` searches a simulated cohort for a risk profile and an outcome and
documents every step of the search; :func:`patient_story` turns the person's event log into
plain sentences grouped by leg (the older log has no legs: its events are told for the person),
with a legend for every mark; :func:`radiograph_panels` says what a radiograph of each leg shows
at each moment calcification changed, for :func:`cvirisk.plots.radiograph_panels_figure`.

The search rule
---------------
1. Start from every person of the cohort (``persons``: one row a person, baseline values).
2. Keep those matching each profile criterion in turn (sex; age at baseline in ``[lo, hi)``;
   ``obese``: baseline BMI >= 30; ``standing_work`` / ``sitting_work``: the cohort column of
   that name, or ``sedentary_work`` on cohorts that have only that; ``ever_smoked``: current or
   former smoker; ``family_history``; ``parity`` of at least the number given).
3. Keep those whose log shows the outcome (see :data:`OUTCOMES`).
4. Among the remaining, choose the person whose age at the outcome is closest to the median
   age at the outcome of all remaining (for ``no_cvi``: age at the end of observation), ties
   to the smallest person_id. The median person is "typical" for the age at which it happens.

Examples
--------
>>> import cvirisk
>>> params = cvirisk.load_params()
>>> cohort = cvirisk.generate_cohort(1000, seed=2, params=params)
>>> res = cvirisk.simulate(cohort, params=params, seed=2, years=20, engine="fast",
...                        surgery_approximation="unlimited")
>>> found = find_typical_person(res.events, res.persons, {"sex": "female"}, "ulcer")
>>> found.steps[0][0], found.person_id is not None
('all persons in the cohort', True)
>>> story = patient_story(res.events, res.persons, found.person_id)
>>> bool(story.lines["event"].isin(["ceap"]).any())
True
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cvirisk.analysis.pressure import ambulatory_venous_pressure
from cvirisk.exceptions import InputError
from cvirisk.outcomes.ceap import eap_of
from cvirisk.outcomes.details import read_event_details
from cvirisk.params import load_params
from cvirisk.teaching import _content

__all__ = ["OUTCOMES", "Search", "Story", "find_typical_person", "patient_story", "radiograph_panels",
           "typical_profiles"]

#: Outcomes a search can ask for, and what in the log shows them.
OUTCOMES: dict[str, str] = {
    "ulcer": "a CEAP class 6 (active ulcer) in either leg",
    "cvi": "a CEAP class 3 or worse (chronic venous insufficiency) in either leg",
    "no_cvi": "no CEAP class 3 or worse, ever",
    "calcification": "any subcutaneous calcification",
    "reticular": "reticular calcification",
    "post_thrombotic": "a post-thrombotic deep valve failure",
    "surgery": "venous surgery done",
    "dvt": "a deep venous thrombosis during the simulated life",
}
_CALC_RANK = {"punctate": 1, "trabecular": 2, "reticular": 3}


@dataclass
class Search:
    """A documented search: the criteria, how many persons each step kept, and the choice."""

    profile: dict[str, Any]
    outcome: str
    steps: list[tuple[str, int]]
    rule: str
    person_id: int | None
    candidates: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """The search in plain words, one step a line."""
        lines = [f"- {what}: {n:,} persons" for what, n in self.steps]
        pick = f"chose person {self.person_id}" if self.person_id is not None else "nobody matched"
        return "\n".join([*lines, f"- {self.rule}: {pick}."])


def typical_profiles() -> list[dict[str, Any]]:
    """The typical persons the teaching content asks for (``id``, ``label``, ``profile``, ``outcome``)."""
    import copy

    return copy.deepcopy(_content()["typical_persons"])


def _outcome_ages(d: pd.DataFrame, outcome: str) -> pd.Series:
    """Age at the first sign of ``outcome`` per person (for ``no_cvi``: age at the end, for those without)."""
    ev, base = d["event"], d["base"]
    if outcome == "ulcer":
        mask = (ev == "ceap") & (d["ceap_class"] == 6)
    elif outcome in ("cvi", "no_cvi"):
        mask = (ev == "ceap") & (d["ceap_class"] >= 3)
    elif outcome == "calcification":
        mask = ev == "calcification"
    elif outcome == "reticular":
        mask = (ev == "calcification") & (base == "reticular")
    elif outcome == "post_thrombotic":
        mask = (ev == "valve_failure") & (base == "deep_post_thrombotic")
    elif outcome == "surgery":
        mask = (ev == "surgery") & (base == "done")
    elif outcome == "dvt":
        mask = (ev == "dvt") & (base != "prior")
    else:
        raise InputError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    first = d[mask].groupby("person_id")["age"].min()
    if outcome == "no_cvi":
        last = d.groupby("person_id")["age"].max()
        return last.drop(first.index, errors="ignore")
    return first


def _work_column(persons: pd.DataFrame, name: str) -> tuple[str, str]:
    if name in persons.columns:
        return name, name
    if "sedentary_work" in persons.columns:
        return "sedentary_work", "sedentary_work (this cohort does not tell standing from sitting work)"
    raise InputError(f"the cohort has neither {name} nor sedentary_work")


def find_typical_person(events: pd.DataFrame, persons: pd.DataFrame, profile: dict[str, Any],
                        outcome: str) -> Search:
    """Search a simulated cohort for a typical person with ``profile`` who reaches ``outcome``.

    Parameters
    ----------
    events, persons
        A simulation's event log and persons table (baseline values, one row a person).
    profile
        Any of ``sex`` (``"female"``/``"male"``), ``age`` (``[lo, hi]``, baseline age in
        ``[lo, hi)``), ``obese``, ``standing_work``, ``sitting_work``, ``ever_smoked``,
        ``family_history`` (booleans), ``parity`` (at least this many births).
    outcome
        One of :data:`OUTCOMES`.

    Returns
    -------
    Search
        Each step with the number of persons it kept, the choice rule and the chosen
        ``person_id`` (None when nobody matched; the steps show where the search ran dry).
    """
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    p = persons.set_index("person_id")
    keep = pd.Series(True, index=p.index)
    steps = [("all persons in the cohort", int(keep.sum()))]
    for key, want in profile.items():
        if key == "sex":
            keep &= p["sex"].astype(str) == str(want)
            what = f"sex {want}"
        elif key == "age":
            lo, hi = (float(x) for x in want)
            keep &= (p["age"] >= lo) & (p["age"] < hi)
            what = f"aged {lo:g} to under {hi:g} at baseline"
        elif key == "obese":
            keep &= (p["bmi"] >= 30.0) == bool(want)
            what = "obese at baseline (BMI 30 or more)" if want else "not obese at baseline (BMI under 30)"
        elif key in ("standing_work", "sitting_work"):
            col, told = _work_column(p, key)
            keep &= p[col].astype(bool) == bool(want)
            what = f"{told} {'yes' if want else 'no'}"
        elif key == "ever_smoked":
            keep &= p["smoking"].astype(str).isin(["current", "former"]) == bool(want)
            what = "current or former smoker" if want else "never smoked"
        elif key == "family_history":
            keep &= p["family_history"].astype(bool) == bool(want)
            what = f"family history {'yes' if want else 'no'}"
        elif key == "parity":
            keep &= p["parity"] >= int(want)
            what = f"at least {int(want)} births"
        else:
            raise InputError(f"unknown profile criterion {key!r}")
        steps.append((what, int(keep.sum())))
    d = read_event_details(events[events["person_id"].isin(keep.index[keep.to_numpy()])])
    ages = _outcome_ages(d, outcome)
    ages = ages[ages.index.isin(keep.index[keep.to_numpy()])]
    steps.append((f"whose log shows {OUTCOMES[outcome]}", len(ages)))
    when = "age at the end of observation" if outcome == "no_cvi" else "age at the outcome"
    rule = f"the person whose {when} is closest to the median {when} of those kept (ties: smallest id)"
    if ages.empty:
        return Search(dict(profile), outcome, steps, rule, None, [])
    dist = (ages - ages.median()).abs()
    order = pd.DataFrame({"dist": dist.to_numpy(), "pid": ages.index.to_numpy()}).sort_values(["dist", "pid"])
    chosen = int(order["pid"].iloc[0])
    return Search(dict(profile), outcome, steps, rule, chosen, [int(x) for x in order["pid"].iloc[:20]])


# ---------------------------------------------------------------- the story


@dataclass
class Story:
    """One person's history in plain language.

    ``intro`` describes the person at baseline; ``lines`` has one row an event told
    (``section``, ``age``, ``t``, ``leg``, ``event``, ``detail``, ``mark``, ``text``);
    ``legend`` one row a mark used (``mark``, ``label``, ``explanation``, ``refs``);
    ``closing`` sums up the worst class reached by each leg.
    """

    person_id: int
    intro: str
    lines: pd.DataFrame
    legend: pd.DataFrame
    closing: str
    per_leg: bool

    def sections(self) -> list[str]:
        return list(dict.fromkeys(self.lines["section"]))

    def to_markdown(self) -> str:
        """The story as Markdown: intro, one section a leg (and one for the person), closing, legend."""
        from cvirisk.plots import MARK_GLYPHS

        out = [self.intro, ""]
        for sec in self.sections():
            out.append(f"**{sec}**")
            part = self.lines[self.lines["section"] == sec]
            out += [f"- age {a:.1f} {MARK_GLYPHS.get(m, '•')} [{lab}]: {t}"
                    for a, m, lab, t in zip(part["age"], part["mark"], part["label"], part["text"], strict=True)]
            out.append("")
        out += [self.closing, "", "**Legend**"]
        out += [f"- {MARK_GLYPHS.get(mk, '•')} [{lab}]: {ex}" for mk, lab, ex in
                zip(self.legend["mark"], self.legend["label"], self.legend["explanation"], strict=True)]
        return "\n".join(out)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _leg_phrase(leg: str, per_leg: bool, kind: str) -> str:
    if leg in ("left", "right"):
        return f"the {leg} leg"
    if not per_leg:  # the older log: one class a person, that of the worse leg
        return "the worse leg" if kind == "ceap" else "a leg"
    return "the legs"


def _sentence(kind: str, base: str, detail: str, leg: str, number: float, setting: str, resolved: bool,
              per_leg: bool) -> str:
    spec = _content()["events"].get(kind)
    if spec is None:
        return f"{kind} {detail}".strip() + "."
    templates = spec["story"]
    if resolved and "resolved" in templates:
        tpl = templates["resolved"]
    else:
        tpl = templates.get(base, templates.get(detail, templates["default"]))
    leg_text = _leg_phrase(leg, per_leg, kind)
    classes = {c["id"]: c["name"] for c in _content()["ceap"]["classes"]}
    fields = _Blank(leg=leg_text, Leg=leg_text[0].upper() + leg_text[1:], detail=detail, base=base.replace("_", " "),
                    setting=setting, class_name=classes.get(detail, ""))
    names = {f for _, f, _, _ in string.Formatter().parse(tpl) if f}
    if "value" in {n.split(":")[0] for n in names}:
        if not np.isfinite(number):
            tpl = templates["default"] if "value" not in templates["default"] else "{detail}"
        fields["value"] = number
    return string.Formatter().vformat(tpl, (), fields)


def _track_veins(v: dict[str, float], r) -> bool:
    """Update one leg's reflux, refluxing segments and obstruction from a row; True when they changed."""
    before = dict(v)
    if r.event == "valve_failure":
        if r.base in ("superficial", "congenital"):
            v["sup"] = 1
        if r.base in ("deep_primary", "deep_post_thrombotic", "congenital"):
            v["deep"] = 1
        v["seg"] = min(v.get("seg", 0) + (2 if r.base == "congenital" else 1), 6)
    elif r.event == "recruitment" and np.isfinite(r.number):
        v["seg"] = r.number
    elif r.event == "surgery" and r.base == "done":
        v["sup"] = 0
        v["seg"] = max(v.get("seg", 0) - 2, 1 if v.get("deep", 0) else 0)
    elif r.event == "finding" and r.base == "residual_obstruction":
        v["obs"] = 1
    return v != before


def _intro(person: pd.Series | None, pid: int) -> str:
    if person is None:
        return f"Person {pid}."
    sex = str(person.get("sex", ""))
    noun = {"female": "woman", "male": "man"}.get(sex, "person")
    bits = [f"Person {pid}: a {noun} aged {float(person['age']):.0f} at baseline"]
    bmi = float(person.get("bmi", np.nan))
    if np.isfinite(bmi):
        bits.append(f"body-mass index {bmi:.1f}{' (obese)' if bmi >= 30 else ''}")
    smoking = str(person.get("smoking", ""))
    if smoking:
        bits.append({"never": "never smoked", "current": "smokes", "former": "smoked in the past"}.get(smoking, smoking))
    for col, text in (("standing_work", "works standing"), ("sitting_work", "works sitting"),
                      ("sedentary_work", "works long hours sitting or standing")):
        if col in person.index and bool(person[col]):
            bits.append(text)
    if bool(person.get("family_history", False)):
        bits.append("a parent or sibling with varicose veins")
    if sex == "female" and "parity" in person.index:
        births = int(person["parity"])
        bits.append("no births" if births == 0 else "1 birth" if births == 1 else f"{births} births")
    if bool(person.get("prior_dvt", False)):
        bits.append("a deep venous thrombosis before baseline")
    if bool(person.get("congenital_absence", False)):
        bits.append("venous valves absent from birth")
    return ", ".join(bits) + "."


def patient_story(events: pd.DataFrame, persons: pd.DataFrame | None, person_id: int) -> Story:
    """Tell one person's simulated history in plain language.

    On the per-leg log (a ``leg`` column) there is a section for each leg and one for the
    person (entry, exit, risk factors, DVT, PE, duplex, compression, surgery, death); on the
    older log everything is told for the person, and a leg is "a leg". Every event of the
    person is told except the two ``entry`` rows, in the order of the log.
    """
    ev = events[events["person_id"] == person_id]
    if ev.empty:
        raise InputError(f"person {person_id} is not in the event log")
    d = read_event_details(ev)
    per_leg = "leg" in events.columns
    kinds = _content()["events"]
    rows = []
    failures: dict[str, set[str]] = {}
    veins: dict[str, dict[str, float]] = {}  # per leg: reflux, segments, obstruction (for the pressure)
    bmi = 25.0
    if persons is not None and (persons["person_id"] == person_id).any() and "bmi" in persons.columns:
        bmi = float(persons.loc[persons["person_id"] == person_id, "bmi"].iloc[0])
    params = load_params()
    for r in d.itertuples(index=False):
        pressure_changed = per_leg and bool(r.leg) and _track_veins(veins.setdefault(r.leg, {}), r)
        if r.event == "valve_failure":
            failures.setdefault(r.leg, set()).add(r.base)
        elif r.event == "surgery" and r.base == "done":  # the operation removes superficial reflux
            for leg in list(failures) if not r.leg else [r.leg]:
                failures[leg] = failures.get(leg, set()) - {"superficial"}
        if r.event == "entry" and r.base == "history_start":
            continue
        section = {"left": "Left leg", "right": "Right leg"}.get(r.leg, "The person" if per_leg
                                                                 else "The person and the legs")
        text = _sentence(r.event, r.base, r.word, r.leg, r.number, r.setting, r.resolved, per_leg)
        if pressure_changed:
            v = veins[r.leg]
            avp = ambulatory_venous_pressure(params, v.get("sup", 0) > 0, v.get("deep", 0) > 0,
                                             int(v.get("seg", 0)), v.get("obs", 0) > 0, bmi)
            text += f" Venous pressure on walking in this leg: about {avp:.0f} mmHg (20-30 in healthy legs)."
        if r.event == "ceap":
            # a leg's row: that leg's valves; the person's (worse leg's) row: both legs'
            legs = [r.leg] if per_leg and r.leg else list(failures.keys() | veins.keys())
            own = set().union(*(failures.get(leg, set()) for leg in legs))
            blocked = any(veins.get(leg, {}).get("obs", 0) > 0 for leg in legs)
            text += f" Full CEAP: {r.word}, {eap_of(own, blocked)}."
        spec = kinds.get(r.event, {"mark": "circle", "label": r.event})
        rows.append({"section": section, "age": r.age, "t": r.t, "leg": r.leg, "event": r.event,
                     "detail": r.word, "ceap_class": r.ceap_class, "mark": spec["mark"], "label": spec["label"],
                     "text": text})
    lines = pd.DataFrame(rows)
    order = {"Left leg": 0, "Right leg": 1, "The person": 2, "The person and the legs": 0}
    lines = lines.sort_values(by="section", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    used = list(dict.fromkeys(lines["event"]))
    legend = pd.DataFrame([{"event": k, "mark": kinds[k]["mark"], "label": kinds[k]["label"],
                            "explanation": kinds[k]["explanation"], "refs": ", ".join(kinds[k]["refs"])}
                           for k in used if k in kinds])
    person = None
    if persons is not None and (persons["person_id"] == person_id).any():
        person = persons.loc[persons["person_id"] == person_id].iloc[0]
    return Story(int(person_id), _intro(person, int(person_id)), lines, legend, _closing(d, per_leg), per_leg)


def _closing(d: pd.DataFrame, per_leg: bool) -> str:
    ceap = d[d["event"] == "ceap"]
    end = float(d["age"].max())
    died = bool(((d["event"] == "exit") & (d["base"] == "death")).any())
    how = "death" if died else "the end of observation"
    if ceap.empty:
        return f"By {how} at age {end:.1f} no leg ever went beyond C0."
    parts = []
    groups = ceap.groupby("leg", sort=True) if per_leg else [("", ceap)]
    for leg, part in groups:
        worst = part.loc[part["ceap_class"].idxmax()]
        last = part.iloc[-1]
        who = f"the {leg} leg" if leg else "the worse leg"  # the person's class is the worse leg's
        parts.append(f"{who} reached {worst['word']} at its worst and was {last['word']} at the last change")
    return f"By {how} at age {end:.1f}, " + "; ".join(parts) + "."


def radiograph_panels(events: pd.DataFrame, person_id: int) -> list[dict[str, Any]]:
    """What a radiograph of each leg shows, at each age the calcification or periostitis changed.

    One panel a (leg, moment): at each ``radiograph`` event when the log has them, else at
    each ``calcification`` or ``periostitis`` event. ``pattern`` is the most advanced
    calcification type by then (None before any), ``periostitis`` whether stasis periostitis
    had appeared; ``title`` says leg and age. The older log has no legs: one leg is drawn,
    titled "leg". An empty list when nothing ever calcified.
    """
    d = read_event_details(events[events["person_id"] == person_id])
    moments = d[d["event"] == "radiograph"]
    if moments.empty:
        moments = d[d["event"].isin(["calcification", "periostitis"])]
    panels = []
    for leg, part in moments.groupby("leg", sort=True):
        own = d[d["leg"] == leg] if leg else d
        for age in sorted(set(part["age"])):
            seen = own[own["age"] <= age]
            calc = seen[seen["event"] == "calcification"]["base"].map(_CALC_RANK).dropna()
            pattern = {v: k for k, v in _CALC_RANK.items()}[int(calc.max())] if len(calc) else None
            peri = bool((seen["event"] == "periostitis").any())
            where = f"{leg} leg" if leg else "leg"
            shows = pattern or "no calcification"
            panels.append({"leg": leg, "age": float(age), "pattern": pattern, "periostitis": peri,
                           "title": f"{where}, age {age:.1f}: {shows}{' + periostitis' if peri else ''}"})
    return panels
