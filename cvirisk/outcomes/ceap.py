"""Full CEAP (2020 revision) of every leg at any time, from the event log alone.

C is the leg's last clinical class (``C0`` ... ``C6r``). E, A and P come from the leg's valve
failures, operations and findings up to ``t``:

* E (etiology): ``Ec`` congenital absence of valves, ``Es`` secondary (post-thrombotic), ``Ep``
  primary (superficial or primary deep valve failure), ``En`` no venous cause identified;
* A (anatomy): ``As`` superficial reflux present (not removed by surgery), ``Ad`` deep reflux,
  ``An`` neither;
* P (pathophysiology): ``Pr`` reflux, ``Po`` residual obstruction after a DVT, ``Pr,o`` both,
  ``Pn`` neither.

So a leg with edema and no reflux reads ``C3, En, An, Pn``: a stated case, not a mystery.

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

import pandas as pd

from cvirisk.outcomes.log import leg_rows

__all__ = ["ceap_full_at"]


def ceap_full_at(events: pd.DataFrame, t: float) -> pd.DataFrame:
    """One row a (person, leg) seen in the log by ``t``: ``person_id, leg, C, E, A, P, ceap``."""
    ev = leg_rows(events)
    ev = ev[ev["t"] <= t]
    kind, detail = ev["event"].astype(str), ev["detail"].astype(str)
    keys = ev[["person_id", "leg"]].astype({"leg": str}).drop_duplicates().sort_values(["person_id", "leg"])
    idx = pd.MultiIndex.from_frame(keys)
    key = [ev["person_id"].to_numpy(), ev["leg"].astype(str).to_numpy()]

    def flag(mask) -> pd.Series:
        return mask.groupby(key).any().reindex(idx, fill_value=False)

    c = ev[kind == "ceap"].groupby([ev.loc[kind == "ceap", "person_id"].to_numpy(),
                                    ev.loc[kind == "ceap", "leg"].astype(str).to_numpy()])["detail"].last()
    congenital = flag((kind == "valve_failure") & (detail == "congenital"))
    secondary = flag((kind == "valve_failure") & (detail == "deep_post_thrombotic"))
    primary = flag((kind == "valve_failure") & detail.isin(["superficial", "deep_primary"]))
    deep = flag((kind == "valve_failure") & detail.isin(["deep_primary", "deep_post_thrombotic", "congenital"]))
    # superficial reflux: the leg's last word between a superficial failure and an operation
    sup_rows = ev[((kind == "valve_failure") & detail.isin(["superficial", "congenital"])) | ((kind == "surgery") & (detail == "done"))]
    sup = (sup_rows["event"].astype(str) == "valve_failure").groupby(
        [sup_rows["person_id"].to_numpy(), sup_rows["leg"].astype(str).to_numpy()]).last()
    sup = sup.reindex(idx, fill_value=False).astype(bool)
    obstruction = flag((kind == "finding") & (detail == "residual_obstruction"))
    out = keys.reset_index(drop=True)
    out["C"] = c.reindex(idx).fillna("C0").astype(str).to_numpy()
    e = [",".join(x for x, on in (("Ec", a), ("Es", b), ("Ep", d)) if on) or "En"
         for a, b, d in zip(congenital, secondary, primary, strict=True)]
    out["E"] = e
    out["A"] = [",".join(x for x, on in (("As", s), ("Ad", d)) if on) or "An" for s, d in zip(sup, deep, strict=True)]
    reflux = (sup | deep).to_numpy()
    out["P"] = ["Pr,o" if r and o else "Pr" if r else "Po" if o else "Pn" for r, o in zip(reflux, obstruction, strict=True)]
    out["ceap"] = out["C"] + ", " + out["E"] + ", " + out["A"] + ", " + out["P"]
    return out
