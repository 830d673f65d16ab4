"""Paired comparisons of scenarios with a baseline, using common random numbers.

In replication ``r`` the baseline and every scenario simulate the same cohort with the same
``(seed, r)``; every draw of the engines is a pure function of (seed, replication, stream,
person id, occurrence), so a person's history differs between the arms only where an
intervention changed it. The difference ``scenario - baseline`` of each outcome is taken
within the replication and summarised over replications: mean, ``mean +/- t(0.975, R-1) *
sd / sqrt(R)`` and, with ``R >= 20``, the 2.5 and 97.5 percentiles of the differences.

Examples
--------
>>> from cvirisk.params import load_params
>>> from cvirisk.sim.testing import uniform_cohort
>>> p = load_params(overrides={"care.surgery_operations_per_year_per_100000": float("inf")})
>>> res = compare(["smoking_down_third"], params=p, cohort=uniform_cohort(200, smoking="current"),
...               replications=2, years=5)
>>> list(res.table.columns[:5])
['scenario', 'outcome', 'unit', 'baseline', 'scenario_value']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.exceptions import InputError
from cvirisk.outcomes.economics import money_unit
from cvirisk.params import Params, load_params, params_hash, params_to_dict
from cvirisk.scenarios.economics import DEFAULT_WTP, nmb_rows
from cvirisk.scenarios.execute import ArmsUnit, choose_engine, map_units
from cvirisk.scenarios.schema import Scenario, file_hash, load_scenario, resolve_scenario_path

__all__ = ["Comparison", "compare", "paired_interval", "choose_engine", "summarise", "arms_units", "with_units",
           "outcome_dictionary"]

#: Replications from which percentile intervals are reported too.
PERCENTILE_MIN_R = 20


@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (scenario, outcome): ``baseline``, ``scenario_value`` (means over
        replications), ``difference``, ``lower``, ``upper`` (t interval), ``sd``,
        ``replications``, ``pct_lower``, ``pct_upper`` (NaN when R < 20).
    replications : pandas.DataFrame
        One row per (scenario, replication, outcome): ``baseline``, ``scenario_value``, ``difference``.
    manifest : dict
    """

    table: pd.DataFrame
    replications: pd.DataFrame
    manifest: dict = field(default_factory=dict)


def paired_interval(diffs: Sequence[float], level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, lower and upper t-interval limits and sd of per-replication differences (NaNs dropped).

    >>> [round(x, 3) for x in paired_interval([1.0, 2.0, 3.0])]
    [2.0, -0.484, 4.484, 1.0]
    """
    d = np.asarray(diffs, float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return (math.nan,) * 4
    mean = float(d.mean())
    if d.size < 2:
        return mean, math.nan, math.nan, math.nan
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, d.size - 1)) * sd / math.sqrt(d.size)
    return mean, mean - half, mean + half, sd


def _scenarios(items: Sequence[Scenario | str | Path]) -> list[tuple[Scenario, str, str | None]]:
    out = []
    for item in items:
        if isinstance(item, Scenario):
            out.append((item, item.name, None))
        else:
            path = resolve_scenario_path(item)
            out.append((load_scenario(path), str(path), file_hash(path)))
    names = [s.name for s, _, _ in out]
    if len(set(names)) != len(names):
        raise InputError(f"scenario names must differ: {', '.join(names)}")
    return out


def summarise(reps: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The comparison table from per-replication rows (see :class:`Comparison`)."""
    rows = []
    for (name, outcome), g in reps.groupby(["scenario", "outcome"], sort=False):
        mean, lo, hi, sd = paired_interval(g["difference"], level)
        d = g["difference"].to_numpy(float)
        d = d[np.isfinite(d)]
        pct = np.percentile(d, [2.5, 97.5]) if d.size >= PERCENTILE_MIN_R else (math.nan, math.nan)
        rows.append({
            "scenario": name, "outcome": outcome, "baseline": g["baseline"].mean(),
            "scenario_value": g["scenario_value"].mean(), "difference": mean, "lower": lo, "upper": hi,
            "sd": sd, "replications": int(d.size), "pct_lower": pct[0], "pct_upper": pct[1],
        })  # fmt: skip
    return pd.DataFrame(rows)


def compare(
    scenarios: Sequence[Scenario | str | Path],
    params: Params | None = None,
    n: int = 5_000,
    cohort: pd.DataFrame | None = None,
    seed: int = 1,
    replications: int = 5,
    years: float = 20.0,
    engine: str = "auto",
    scenario_seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scheduler=None,
    wtp: Sequence[float] = DEFAULT_WTP,
) -> Comparison:
    """Run the baseline and each scenario replication by replication; compare them pairwise.

    Parameters
    ----------
    scenarios : list of Scenario, path or shipped name
    params : Params, optional
        Baseline parameters (shipped defaults when None).
    n : int
        Persons in the cohort generated for each replication (``generate_cohort(n, seed,
        replication=r)``), unless ``cohort`` is given (then used in every replication).
    seed, replications, years : int, int, float
    engine : {"auto", "fast", "reference"}
        See :func:`~cvirisk.scenarios.execute.choose_engine`.
    scenario_seed : int, optional
        Simulate the scenarios with this seed instead (independent streams; for showing what
        common random numbers buy). Default: ``seed``.
    progress : callable, optional
        ``callback(done, total)`` after each replication.
    workers, scheduler
        Run replications in local processes or on a Dask cluster
        (:func:`~cvirisk.scenarios.execute.map_units`); results do not depend on it.
    wtp : sequence of float
        Willingness to pay per QALY at which the net monetary benefit is reported
        (:mod:`cvirisk.scenarios.economics`; default NICE's 20,000 and 30,000 per QALY).

    Returns
    -------
    Comparison
    """
    params = load_params() if params is None else params
    loaded = _scenarios(scenarios)
    if int(replications) < 1:
        raise InputError("replications must be at least 1")
    s_seed = seed if scenario_seed is None else int(scenario_seed)
    units = arms_units(loaded, params, n=n, cohort=cohort, seed=seed, scenario_seed=s_seed,
                       replications=replications, years=years, engine=engine)  # fmt: skip
    rows = [row for unit_rows in map_units(units, workers, scheduler, progress) for row in unit_rows]
    reps = pd.DataFrame(rows)
    engines = sorted(set(reps["engine"]))
    reps = reps.drop(columns=["draw", "engine"])
    wtp = [float(x) for x in wtp]
    reps = pd.concat([reps, nmb_rows(reps, wtp)], ignore_index=True)
    manifest = {
        "params_hash": params_hash(params), "seed": int(seed), "scenario_seed": s_seed,
        "replications": int(replications), "years": float(years), "n": int(len(cohort) if cohort is not None else n),
        "cohort": "given" if cohort is not None else "generate_cohort(n, seed, replication=r)",
        "engine": engines, "common_random_numbers": s_seed == seed,
        "scenarios": [{"name": sc.name, "file": origin if fh else None, "sha256_16": fh,
                       "interventions": [e.model_dump() for e in sc.interventions]} for sc, origin, fh in loaded],
    }  # fmt: skip
    manifest["willingness_to_pay_per_qaly"] = wtp
    manifest["economics"] = {"currency": params.economics.currency.value, "price_year": params.economics.price_year.value,
                             "discount_rate_costs_per_year": params.economics.discount_rate_costs_per_year.value,
                             "discount_rate_effects_per_year": params.economics.discount_rate_effects_per_year.value,
                             "discounting": "continuously: (1 + r)^-t at t years after baseline"}  # fmt: skip
    return Comparison(with_units(summarise(reps), wtp, money_unit(params)), reps, manifest)


def with_units(table: pd.DataFrame, wtp: Sequence[float] = (), money: str | None = None) -> pd.DataFrame:
    """The comparison table with the ICER rows (see :mod:`cvirisk.scenarios.economics`), a ``unit``
    column after ``outcome`` (the outcome vocabulary's) and ``quadrant`` (ICER rows only)."""
    from cvirisk.scenarios.economics import icer_rows

    table = pd.concat([table, icer_rows(table)], ignore_index=True)
    order = {name: i for i, name in enumerate(dict.fromkeys(table["scenario"]))}
    table = table.sort_values("scenario", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    units = outcome_dictionary(wtp, money).set_index("outcome")["unit"]
    table.insert(2, "unit", table["outcome"].map(units).fillna(""))
    table["quadrant"] = table["quadrant"].fillna("") if "quadrant" in table else ""
    table["replications"] = table["replications"].astype("Int64")
    return table


def outcome_dictionary(wtp: Sequence[float] = (), money: str | None = None) -> pd.DataFrame:
    """Every outcome a comparison reports: ``outcome, label, unit, definition, group`` (``money``,
    e.g. ``"GBP (2023 prices)"``, names the currency in the units of costs)."""
    from cvirisk.outcomes.economics import MONEY
    from cvirisk.outcomes.registry import dictionary
    from cvirisk.scenarios.economics import derived_dictionary
    from cvirisk.scenarios.execute import outcome_names

    out = pd.concat([dictionary(outcome_names()), derived_dictionary(wtp)], ignore_index=True)
    if money:
        out["unit"] = out["unit"].str.replace(MONEY, money, regex=False)
    return out


def arms_units(loaded, params: Params, *, n, cohort, seed, scenario_seed, replications, years, engine,
               draw: int = 0) -> list[ArmsUnit]:
    """One :class:`~cvirisk.scenarios.execute.ArmsUnit` per replication (``loaded`` from :func:`_scenarios`)."""
    pdict = params_to_dict(params)
    return [ArmsUnit(pdict, tuple(sc for sc, _, _ in loaded), tuple(o for _, o, _ in loaded), n=int(n),
                     cohort=cohort, seed=int(seed), scenario_seed=scenario_seed, replication=r, years=float(years),
                     engine=engine, draw=draw) for r in range(int(replications))]  # fmt: skip
