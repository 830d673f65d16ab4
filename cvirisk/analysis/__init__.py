"""Analysis functions that read only the event log (and the persons table for sex).

Prevalence by age band and sex at any time, incidence per 1000 person-years, cumulative
incidence with death competing, state occupancy over time or age, and a person's timeline.
"""

from cvirisk.analysis.care import surgery_waits, time_in_class
from cvirisk.analysis.ceap import ceap_full_at
from cvirisk.analysis.cumulative import cumulative_incidence, time_to_first
from cvirisk.analysis.incidence import incidence, observation_intervals, person_years, select_events
from cvirisk.analysis.occupancy import STATES, state_occupancy, timeline
from cvirisk.analysis.prevalence import AGE_BANDS, age_band, prevalence
from cvirisk.analysis.states import CEAP_CLASSES, baseline_age, ceap_at, observed_at, reflux_at

__all__ = [
    "ceap_full_at",
    "AGE_BANDS", "CEAP_CLASSES", "STATES", "age_band", "baseline_age", "ceap_at",
    "cumulative_incidence", "incidence", "observation_intervals", "observed_at", "person_years",
    "prevalence", "reflux_at", "select_events", "state_occupancy", "surgery_waits", "time_in_class", "time_to_first", "timeline",
]  # fmt: skip
