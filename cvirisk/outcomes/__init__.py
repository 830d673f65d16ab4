"""Outcomes: the one reader of the event log, and the one vocabulary of what is measured.

* :mod:`~cvirisk.outcomes.log` -- the only module that reads the log's ``detail`` text; typed
  rows (CEAP class and subclass, valve systems, surgery waits, death causes, findings, ...).
* :mod:`~cvirisk.outcomes.registry` -- every outcome's name, definition, unit and reader
  (:func:`measure`, :func:`dictionary`); :mod:`~cvirisk.outcomes.clinical` registers the
  clinical and care outcomes, the health economics module registers QALYs and costs.
* readers over a window: prevalence of a class at a time (:func:`prevalence`), incidence per
  1,000 person-years (:func:`incidence`), age-standardised rates (:func:`standardised_rate`),
  cumulative incidence with death competing (:func:`cumulative_incidence`), ulcer-years,
  operations, waiting times, deaths by cause, life-years (:mod:`~cvirisk.outcomes.readers`).
"""

from cvirisk.outcomes import (
    clinical,  # noqa: F401  (registers the clinical outcomes)
    economics,  # noqa: F401  (registers QALYs and costs, after them)
)
from cvirisk.outcomes.care import surgery_waits, time_in_class
from cvirisk.outcomes.ceap import ceap_full_at
from cvirisk.outcomes.cumulative import cumulative_incidence, time_to_first
from cvirisk.outcomes.incidence import incidence, observation_intervals, person_years
from cvirisk.outcomes.log import select_events
from cvirisk.outcomes.occupancy import STATES, state_occupancy, timeline
from cvirisk.outcomes.prevalence import AGE_BANDS, age_band, prevalence
from cvirisk.outcomes.readers import (
    deaths_by_cause,
    done_waits,
    first_time,
    life_years,
    operations,
    ulcer_years,
)
from cvirisk.outcomes.registry import (
    FollowUp,
    Outcome,
    dictionary,
    get,
    measure,
    names,
    register,
    registered,
)
from cvirisk.outcomes.standard import ESP2013, standard_weights, standardised_rate
from cvirisk.outcomes.states import CEAP_CLASSES, baseline_age, ceap_at, observed_at, reflux_at

__all__ = [
    "AGE_BANDS", "CEAP_CLASSES", "ESP2013", "STATES", "FollowUp", "Outcome",
    "age_band", "baseline_age", "ceap_at", "ceap_full_at", "cumulative_incidence", "deaths_by_cause",
    "dictionary", "done_waits", "first_time", "get", "incidence", "life_years", "measure", "names",
    "observation_intervals", "observed_at", "operations", "person_years", "prevalence", "reflux_at",
    "register", "registered", "select_events", "standard_weights", "standardised_rate", "state_occupancy", "surgery_waits", "time_in_class",
    "time_to_first", "timeline", "ulcer_years",
]  # fmt: skip
