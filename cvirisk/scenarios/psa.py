"""Probabilistic sensitivity analysis (PSA) and one-way (tornado) analysis.

Each parameter leaf may declare ``uncertainty: {distribution, low, high}``: a distribution
whose central 95% interval is ``(low, high)`` (:func:`distribution`):

* ``lognormal``: ``mu = (ln low + ln high) / 2``, ``sigma = (ln high - ln low) / (2 * 1.96)``;
* ``normal``: mean the midpoint, ``sd = (high - low) / (2 * 1.96)``;
* ``beta``: mean the midpoint and the normal ``sd`` as above, matched by moments;
* ``gamma``: moments matched the same way;
* ``uniform``: the uniform whose central 95% is ``(low, high)``.

Draw ``d`` (1, 2, ...) of parameter ``key`` is ``ppf(u)`` with ``u`` from its own stream
``generator(seed, "psa.draws.<key>", replication=d)``, a namespace apart from the simulation
streams; draw 0 is the baseline. Adding or removing an uncertain parameter leaves the draws of
the others unchanged.

Examples
--------
>>> from cvirisk.params import load_params
>>> draws = sample_draws(load_params(), 3, seed=1)
>>> len(draws), "care.compression_adherence" in draws[0]
(3, True)
>>> draws == sample_draws(load_params(), 3, seed=1)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.exceptions import ParameterError
from cvirisk.params import Params, get_value, params_to_dict, with_overrides
from cvirisk.random import generator

__all__ = ["Z95", "uncertain_parameters", "distribution", "sample_draws", "PSAResult", "run_psa", "one_way"]

Z95 = 1.959963984540054


def uncertain_parameters(params: Params) -> dict[str, dict]:
    """Dotted key -> ``{"distribution", "low", "high", "value"}`` of every leaf with uncertainty."""
    out: dict[str, dict] = {}

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            if "value" in node and "source" in node:
                unc = node.get("uncertainty")
                if unc:
                    out[where] = {**unc, "value": node["value"]}
                return
            for key, child in node.items():
                walk(child, f"{where}.{key}" if where else str(key))

    walk(params_to_dict(params), "")
    return dict(sorted(out.items()))


def distribution(kind: str, low: float, high: float):
    """A frozen scipy distribution whose central 95% interval is ``(low, high)`` (see module doc).

    >>> d = distribution("lognormal", 1.52, 3.10)
    >>> [round(float(x), 2) for x in d.ppf([0.025, 0.975])]
    [1.52, 3.1]
    """
    low, high = float(low), float(high)
    if not high > low:
        raise ParameterError(f"uncertainty interval ({low}, {high}) must have low < high")
    mean, sd = (low + high) / 2.0, (high - low) / (2.0 * Z95)
    if kind == "lognormal":
        if low <= 0:
            raise ParameterError(f"lognormal uncertainty needs low > 0, got {low}")
        mu, sigma = (math.log(low) + math.log(high)) / 2.0, (math.log(high) - math.log(low)) / (2.0 * Z95)
        return stats.lognorm(s=sigma, scale=math.exp(mu))
    if kind == "normal":
        return stats.norm(loc=mean, scale=sd)
    if kind == "uniform":
        width = (high - low) / 0.95
        return stats.uniform(loc=low - 0.025 * width, scale=width)
    if kind == "beta":
        var = sd * sd
        if not (0 < mean < 1 and var < mean * (1 - mean)):
            raise ParameterError(f"beta uncertainty ({low}, {high}) cannot be matched inside (0, 1)")
        total = mean * (1 - mean) / var - 1.0
        return stats.beta(mean * total, (1 - mean) * total)
    if kind == "gamma":
        if mean <= 0:
            raise ParameterError(f"gamma uncertainty needs a positive mean, got ({low}, {high})")
        return stats.gamma(a=mean * mean / (sd * sd), scale=sd * sd / mean)
    raise ParameterError(f"unknown uncertainty distribution {kind!r}")


def sample_draws(
    params: Params,
    k: int,
    seed: int = 1,
    keys: Sequence[str] | None = None,
    posterior="shipped",
) -> list[dict]:
    """Dotted overrides of draws 1..k (a list of ``k`` mappings).

    Parameters with an ``uncertainty:`` leaf are drawn from their declared distributions, each
    from its own stream. The calibrated parameters (``calibrate:`` leaves) are drawn *jointly*
    from the calibration's posterior: draw ``d`` takes one whole row of the posterior draws,
    chosen by the stream ``psa.draws.posterior`` (replication ``d``), so their correlations
    are kept. ``posterior``: ``"shipped"`` (the packaged posterior,
    :func:`cvirisk.calibration.bayes.load_posterior`), a folder, a
    :class:`~cvirisk.calibration.bayes.Posterior`, or None for the old behaviour (calibrated
    parameters stay at their point values). ``keys`` restricts the drawn parameters.
    """
    unc = uncertain_parameters(params)
    post_keys, rows = _posterior_rows(params, posterior)
    if keys is not None:
        wanted = set(keys)
        post_keys = [key for key in post_keys if key in wanted]
        keys = [key for key in keys if key not in set(post_keys)]
    else:
        keys = [key for key in unc if key not in set(post_keys)]
    dists = {
        key: distribution(unc[key]["distribution"], unc[key]["low"], unc[key]["high"])
        for key in keys
    }
    draws = []
    for d in range(1, int(k) + 1):
        draw = {
            key: float(dists[key].ppf(generator(seed, f"psa.draws.{key}", replication=d).random()))
            for key in keys
        }
        if post_keys:
            r = int(generator(seed, "psa.draws.posterior", replication=d).integers(len(rows)))
            draw.update({key: float(rows[key].iloc[r]) for key in post_keys})
        draws.append(draw)
    return draws


def _posterior_rows(params: Params, posterior) -> tuple[list[str], pd.DataFrame | None]:
    """The calibrated keys of ``params`` found in the posterior, and the posterior's draws."""
    if posterior is None:
        return [], None
    from cvirisk.calibration.bayes import Posterior, load_posterior
    from cvirisk.calibration.search import free_parameters

    if not isinstance(posterior, Posterior):
        posterior = load_posterior(None if posterior == "shipped" else posterior)
    post = posterior
    calibrated = {f.key for f in free_parameters(params)}
    return [key for key in post.keys if key in calibrated], post.draws


@dataclass
class PSAResult:
    """Result of :func:`run_psa`.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per (draw, scenario, outcome): the parameter values of the draw, ``baseline``,
        ``scenario_value`` and ``difference`` (means over replications). Draw 0 is the baseline.
    summary : pandas.DataFrame
        Per (scenario, outcome): mean and 2.5/97.5 percentiles over draws of the baseline,
        scenario value and difference.
    correlations : pandas.DataFrame
        Spearman rank correlation of each parameter's draws with each outcome difference.
    """

    draws: pd.DataFrame
    summary: pd.DataFrame
    correlations: pd.DataFrame
    keys: list[str] = field(default_factory=list)


def _means_under(scenarios, param_sets: Sequence[Params], seed: int, workers: int = 1, scheduler=None,
                 progress=None, **compare_kw) -> list[pd.DataFrame]:
    """Per parameter set: means over replications of baseline, scenario value and difference.

    All (parameter set, replication) units go to :func:`~cvirisk.scenarios.execute.map_units` at once.
    """
    from cvirisk.scenarios.comparison import _scenarios, arms_units
    from cvirisk.scenarios.execute import map_units

    loaded = _scenarios(scenarios)
    kw = {"n": 5_000, "cohort": None, "replications": 1, "years": 20.0, "engine": "auto", **compare_kw}
    units = [u for d, p in enumerate(param_sets)
             for u in arms_units(loaded, p, seed=seed, scenario_seed=seed, draw=d, **kw)]  # fmt: skip
    rows = pd.DataFrame([row for rs in map_units(units, workers, scheduler, progress) for row in rs])
    cols = ["baseline", "scenario_value", "difference"]
    means = rows.groupby(["draw", "scenario", "outcome"], sort=False)[cols].mean().reset_index()
    return [g.drop(columns="draw").reset_index(drop=True) for _, g in means.groupby("draw", sort=True)]


def run_psa(
    scenarios: Sequence,
    params: Params,
    k: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **compare_kw,
) -> PSAResult:
    """Compare ``scenarios`` with the baseline under draws 0..k of the uncertain parameters.

    The draws (:func:`sample_draws`) cover the parameters with an ``uncertainty:`` leaf and the
    calibrated ones taken jointly from the posterior; both appear in ``draws`` and
    ``correlations``. Every draw uses the same seed (common random numbers across draws too). ``compare_kw``:
    ``n``, ``cohort``, ``replications`` (default 1), ``years``, ``engine``, and ``workers`` or
    ``scheduler`` to run the (draw, replication) units in local processes or on Dask.
    """
    draws = [{}, *sample_draws(params, k, seed)]
    # the declared uncertain parameters, then the calibrated ones drawn from the posterior
    keys = list(dict.fromkeys([*uncertain_parameters(params), *(key for d in draws for key in d)]))
    base_values = {key: float(get_value(params, key)) for key in keys}
    sets = [with_overrides(params, over, origin=f"PSA draw {d}") for d, over in enumerate(draws)]
    frames = []
    for d, tab in enumerate(_means_under(scenarios, sets, seed, progress=progress, **compare_kw)):
        tab.insert(0, "draw", d)
        for key in keys:
            tab[key] = draws[d].get(key, base_values[key])
        frames.append(tab)
    table = pd.concat(frames, ignore_index=True)
    rows, corr = [], []
    sampled = table[table["draw"] > 0]
    for (name, outcome), g in sampled.groupby(["scenario", "outcome"], sort=False):
        row = {"scenario": name, "outcome": outcome, "draws": len(g)}
        for col in ("baseline", "scenario_value", "difference"):
            v = g[col].to_numpy(float)
            row[f"{col}_mean"] = float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
            lo, hi = np.nanpercentile(v, [2.5, 97.5]) if np.isfinite(v).any() else (math.nan, math.nan)
            row[f"{col}_lower"], row[f"{col}_upper"] = float(lo), float(hi)
        rows.append(row)
        for key in keys:
            rho = stats.spearmanr(g[key], g["difference"]).statistic if g["difference"].nunique() > 1 else math.nan
            corr.append({"scenario": name, "outcome": outcome, "parameter": key, "spearman": float(rho)})
    return PSAResult(table, pd.DataFrame(rows), pd.DataFrame(corr), keys)


def one_way(
    scenarios: Sequence,
    params: Params,
    keys: Sequence[str] | None = None,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **compare_kw,
) -> pd.DataFrame:
    """One-way sensitivity: each parameter at the low and high end of its 95% interval, others at base.

    Returns
    -------
    pandas.DataFrame
        Per (scenario, outcome, parameter): ``low_value``, ``high_value``, ``base`` (difference at
        base parameters), ``at_low``, ``at_high`` and ``swing = |at_high - at_low|``.
    """
    unc = uncertain_parameters(params)
    keys = list(unc) if keys is None else list(keys)
    sets = [params] + [with_overrides(params, {key: unc[key][end]}, origin=f"one-way {key}={end}")
                       for key in keys for end in ("low", "high")]  # fmt: skip
    tabs = [t.set_index(["scenario", "outcome"]) for t in _means_under(scenarios, sets, seed, progress=progress,
                                                                       **compare_kw)]  # fmt: skip
    base = tabs[0]
    rows = []
    for i, key in enumerate(keys):
        ends = {"low": tabs[1 + 2 * i], "high": tabs[2 + 2 * i]}
        for idx in base.index:
            lo, hi = ends["low"].loc[idx, "difference"], ends["high"].loc[idx, "difference"]
            rows.append({"scenario": idx[0], "outcome": idx[1], "parameter": key, "low_value": unc[key]["low"],
                         "high_value": unc[key]["high"], "base": base.loc[idx, "difference"], "at_low": lo,
                         "at_high": hi, "swing": abs(hi - lo)})  # fmt: skip
    out = pd.DataFrame(rows)
    return out.sort_values(["scenario", "outcome", "swing"], ascending=[True, True, False], kind="stable",
                           ignore_index=True)  # fmt: skip
