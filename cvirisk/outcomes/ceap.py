"""Full CEAP (2020 revision) of every leg at any time, from the event log alone.

C is the leg's last clinical class (``C0`` ... ``C6r``). E, A and P come from the leg's valve
failures, operations and findings up to ``t``:

* E (etiology): ``Ec`` congenital absence of valves, ``Es`` secondary (post-thrombotic: deep
  reflux after a DVT, or a vein left obstructed by one; the 2020 revision's secondary
  intravenous cause), ``Ep`` primary (superficial or primary deep valve failure), ``En`` no
  venous cause identified;
* A (anatomy): ``As`` superficial reflux present (not removed by surgery), ``Ad`` deep reflux,
  ``An`` neither;
* P (pathophysiology): ``Pr`` reflux, ``Po`` residual obstruction after a DVT, ``Pr,o`` both,
  ``Pn`` neither.

So a leg with edema and neither reflux nor obstruction reads ``C3, En, An, Pn``: a stated
case, not a mystery; with a residual obstruction it reads ``C3, Es, An, Po``.

Lurie F, Passman M, Meisner M, et al. The 2020 update of the CEAP classification system and
reporting standards. J Vasc Surg Venous Lymphat Disord 2020;8:342-52.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"person_id": [1, 1, 1, 1], "t": [-5.0, -4.0, -1.0, 2.0],
...                    "leg": ["left", "left", "right", "left"],
...                    "event": ["valve_failure", "ceap", "ceap", "surgery"],
...                    "detail": ["superficial", "C2", "C3", "done"]})
>>> ceap_full_at(ev, 0.0)[["leg", "C", "E", "A", "P", "ceap"]].values.tolist()
[['left', 'C2', 'Ep', 'As', 'Pr', 'C2, Ep, As, Pr'], ['right', 'C3', 'En', 'An', 'Pn', 'C3, En, An, Pn']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cvirisk.outcomes.log import (
    findings,
    is_event,
    labels,
    leg_rows,
    superficial_reflux,
    valve_systems,
)

__all__ = ["ceap_full_at", "eap_of"]


def ceap_full_at(events: pd.DataFrame, t: float) -> pd.DataFrame:
    """One row a (person, leg) seen in the log by ``t``: ``person_id, leg, C, E, A, P, ceap``."""
    ev = leg_rows(events)
    ev = ev[(ev["t"] <= t).to_numpy()]
    keys = (
        ev[["person_id", "leg"]]
        .astype({"leg": str})
        .drop_duplicates()
        .sort_values(["person_id", "leg"])
    )
    idx = pd.MultiIndex.from_frame(keys)

    def by_leg(rows: pd.DataFrame, values) -> pd.core.groupby.SeriesGroupBy:
        return pd.Series(np.asarray(values)).groupby(
            [rows["person_id"].to_numpy(), rows["leg"].astype(str).to_numpy()]
        )

    def flag(rows: pd.DataFrame, mask) -> pd.Series:
        return by_leg(rows, mask).any().reindex(idx, fill_value=False).astype(bool)

    ce = ev[is_event(ev, "ceap")]
    c = by_leg(ce, labels(ce)).last()
    vs = valve_systems(ev)
    congenital = flag(vs, vs["cause"] == "congenital")
    secondary = flag(vs, vs["post_thrombotic"])
    primary = flag(vs, vs["cause"].isin(["superficial", "deep_primary"]))
    deep = flag(vs, vs["deep"])
    # superficial reflux: the leg's last word between a superficial failure and an operation
    sup = superficial_reflux(ev).reindex(idx, fill_value=False).astype(bool)
    fd = findings(ev)
    obstruction = flag(fd, fd["name"] == "residual_obstruction")
    secondary = secondary | obstruction
    out = keys.reset_index(drop=True)
    out["C"] = c.reindex(idx).fillna("C0").astype(str).to_numpy()
    e = [_etiology(a, b, d) for a, b, d in zip(congenital, secondary, primary, strict=True)]
    out["E"] = e
    out["A"] = [_anatomy(s, d) for s, d in zip(sup, deep, strict=True)]
    out["P"] = [_pathophysiology(s or d, o) for s, d, o in zip(sup, deep, obstruction, strict=True)]
    out["ceap"] = out["C"] + ", " + out["E"] + ", " + out["A"] + ", " + out["P"]
    return out


def _etiology(congenital: bool, secondary: bool, primary: bool) -> str:
    return ",".join(x for x, on in (("Ec", congenital), ("Es", secondary), ("Ep", primary)) if on) or "En"


def _anatomy(superficial: bool, deep: bool) -> str:
    return ",".join(x for x, on in (("As", superficial), ("Ad", deep)) if on) or "An"


def _pathophysiology(reflux: bool, obstruction: bool) -> str:
    return "Pr,o" if reflux and obstruction else "Pr" if reflux else "Po" if obstruction else "Pn"


def eap_of(failures: set[str], obstruction: bool = False) -> str:
    """E, A and P of one leg (or of both legs together) from the valve failures it has had
    (``superficial``, ``deep_primary``, ``deep_post_thrombotic``, ``congenital``; an operated
    superficial system left out) and whether a DVT left a vein obstructed; the rules of
    :func:`ceap_full_at`, for a reader that follows a log row by row (the teaching story).

    >>> eap_of({"superficial", "deep_post_thrombotic"})
    'Es,Ep, As,Ad, Pr'
    >>> eap_of(set(), obstruction=True)
    'Es, An, Po'
    """
    sup = bool(failures & {"superficial", "congenital"})
    deep = bool(failures & {"deep_primary", "deep_post_thrombotic", "congenital"})
    e = _etiology("congenital" in failures, "deep_post_thrombotic" in failures or obstruction,
                  bool(failures & {"superficial", "deep_primary"}))
    return f"{e}, {_anatomy(sup, deep)}, {_pathophysiology(sup or deep, obstruction)}"
