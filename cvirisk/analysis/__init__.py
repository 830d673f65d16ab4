"""Analysis of the event log: the readers now live in :mod:`cvirisk.outcomes` (the one reader of the log).

This package keeps the old import paths working (``from cvirisk import analysis``;
``analysis.prevalence(...)``) by re-exporting them; new code imports :mod:`cvirisk.outcomes`.
:mod:`cvirisk.analysis.pressure` (a leg's venous pressure from its state) reads no log and stays here.
"""

from cvirisk.outcomes.care import surgery_waits, time_in_class
from cvirisk.outcomes.ceap import ceap_full_at
from cvirisk.outcomes.cumulative import cumulative_incidence, time_to_first
from cvirisk.outcomes.incidence import incidence, observation_intervals, person_years, select_events
from cvirisk.outcomes.occupancy import STATES, state_occupancy, timeline
from cvirisk.outcomes.prevalence import AGE_BANDS, age_band, prevalence
from cvirisk.outcomes.states import CEAP_CLASSES, baseline_age, ceap_at, observed_at, reflux_at

__all__ = [
    "ceap_full_at",
    "AGE_BANDS", "CEAP_CLASSES", "STATES", "age_band", "baseline_age", "ceap_at",
    "cumulative_incidence", "incidence", "observation_intervals", "observed_at", "person_years",
    "prevalence", "reflux_at", "select_events", "state_occupancy", "surgery_waits", "time_in_class", "time_to_first", "timeline",
]  # fmt: skip
