"""Outcomes of one run over follow-up (``0 <= t <= years``): the outcome vocabulary's, by name.

The names, definitions, units and readers live in :mod:`cvirisk.outcomes` (see
:func:`cvirisk.outcomes.dictionary`); this module only fixes which of them a scenario
comparison reports, in which order. Counts are weighted by each person's cohort ``weight``
when ``weights`` are given.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1, 1, 1],
...     "t": [-3.0, 0.0, 1.0, 2.5, 3.0, 4.0], "age": [47.0, 50, 51, 52.5, 53, 54],
...     "event": ["ceap", "entry", "ceap", "ceap", "surgery", "exit"],
...     "detail": ["C2", "baseline", "C6", "C5", "done", "end_of_follow_up"],
...     "value": [None, None, None, None, 0.5, None]})
>>> o = run_outcomes(ev, years=4)
>>> o["cvi_incident"], o["ulcer_years"], o["surgeries"], o["mean_wait_years"], o["life_years"]
(1.0, 1.5, 1.0, 0.5, 4.0)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cvirisk import outcomes as _outcomes

__all__ = ["OUTCOMES", "run_outcomes"]

#: Outcome names in report order: every outcome of the vocabulary (clinical and care, then
#: whatever other modules registered, e.g. QALYs and costs).
OUTCOMES: tuple[str, ...] = _outcomes.names()


def run_outcomes(
    events: pd.DataFrame, years: float, weights: pd.Series | None = None, params: Any = None
) -> dict[str, float]:
    """Every outcome of :data:`OUTCOMES` for one event log.

    Parameters
    ----------
    events : pandas.DataFrame
        An event log sorted by person, time and event order (as the engines write it).
    years : float
        End of follow-up (years since baseline).
    weights : pandas.Series, optional
        Person weight indexed by ``person_id`` (default 1 each).
    params : optional
        The run's parameters, for outcomes that need numbers (costs, utilities).

    Returns
    -------
    dict
        Outcome name -> value (float).
    """
    return _outcomes.measure(events, years, weights, params, names=OUTCOMES)
