"""Bayesian calibration of the free natural history by ABC-SMC (pyabc), and the posterior it ships.

What is calibrated
    Every leaf marked ``calibrate: {low, high, prior, why}`` in the parameter file
    (:func:`declared_priors`). ``loguniform`` priors are sampled as ``log10`` of the value,
    ``uniform`` priors on the value itself; pyabc's particles live on that scale.

Against what
    The fitted targets of the block search (:data:`cvirisk.calibration.search.BLOCKS`, minus
    :data:`~cvirisk.calibration.report.FIT_EXCLUDED`): Bonn (cross-section), Edinburgh
    (13-year incidence) and Naess (VTE rates), each simulated under its study's design with
    :func:`cvirisk.calibration.distance.evaluate` (two simulations per evaluation: the
    ``general`` and ``vte`` plans, ``n`` persons each).

Distance
    The model's replicated study is the simulated figure plus the study's sampling error
    (:class:`TargetModel`). The distance is the mean over fitted targets of
    ``((replicated - observed) / s) ** 2`` with
    ``s = hypot(target scale, Monte Carlo standard error)``: the target scale is the source's
    interval half-width / 1.96, else 10% of the value (:func:`target_scale`); the Monte Carlo
    standard error is that of the simulated estimate at this ``n`` (its 95% interval / 3.92).
    A distance of 1 is one standard deviation per target on average. Each evaluation uses a
    fresh simulation seed (drawn from the candidate's seed), so the simulation noise is part
    of the model, not frozen as in the block search.

Algorithm
    pyabc ``ABCSMC`` with its multivariate normal transition (Silverman's bandwidth) whose
    covariance is multiplied by :attr:`ABCConfig.scaling` (default 2), a quantile epsilon
    schedule (:attr:`ABCConfig.alpha`, default the median), a fixed population size, stopped
    after ``generations`` or when the acceptance rate falls below ``min_acceptance`` or
    ``max_evaluations`` is spent.

Choice of kernel, scale and schedule (measured, not guessed)
    With all 14 calibrated leaves free and pyabc's default kernel the importance weights
    collapsed (effective sample size, ESS, 7 of 200 after one generation). The cause: in 14
    dimensions Silverman's factor for 200 particles is 0.69, so each kernel has 0.48 times the
    population's covariance, and two particles lie about sqrt(2 * 14) = 5.3 population
    standard deviations apart: the kernels hardly overlap, the proposal density at an accepted
    particle is its own parent's kernel, and the weight prior / proposal grows like
    ``exp(|step|^2 / 2)`` in the step taken, a heavy tail. Most of the 14 directions are
    unidentified (their posterior is the prior box), where no kernel narrower than the box
    can match the target. Doubling the kernel covariance makes neighbouring kernels overlap
    and keeps the weights bounded, at the price of a lower acceptance rate. ESS per
    generation as a share of the population (``python benchmarks/bench_calibration_kernels.py``;
    14 free parameters, 200 particles, n = 500, seed 1; generations 0, 1, 2; runs stopped once
    the pattern was clear):

    =============================================  ============  ============
    candidate                                      generation 1  generation 2
    =============================================  ============  ============
    pyabc default (``scaling`` 1, prior scale)     0.035
    logit of the prior CDF                         0.045
    logit + ``LocalTransition`` (k = 25% of N)     0.06
    logit + ``scaling`` 2                          0.125         0.06
    ``scaling`` 2, prior scale (**chosen**)        0.265         0.435
    =============================================  ============  ============

    The toy of the tests with all 14 leaves free (2 identified, 12 ignored; 100 particles,
    generations 1-3) says the same: default 0.11, 0.02, 0.13; logit 0.08, 0.09, 0.06;
    logit + ``scaling`` 2 0.13, 0.05, 0.03; logit + ``scaling`` 4 0.15, 0.05, 0.02;
    ``scaling`` 2 0.54, 0.27, 0.24; ``scaling`` 3 0.63, 0.58, 0.38; ``scaling`` 4 0.81, 0.59,
    0.55. The logit scale (meant to stop weights
    blowing up at the prior box's edges) makes it worse: on it the prior is the logistic
    distribution, whose tails are heavier than the Gaussian kernels', so particles in the
    tails get large weights. Larger scalings keep more ESS but propose more often outside the
    prior box (pyabc redraws those; on the toy ``scaling`` 4 spent 6 times the proposal time of
    2) and accept less; 2 was measured on the real designs and is the default. ``scale`` and
    ``transition`` stay selectable (:class:`ABCConfig`) so the benchmark can repeat the
    comparison.

Reproducibility
    :class:`~cvirisk.calibration.abc_sampler.DeterministicSampler`: the same seed gives the
    same particles with 1 process, 2 processes or a Dask cluster. The history is a pyabc SQLite
    database; a run interrupted between generations resumes from its last complete generation
    (``run_abc(..., db=...)`` again with the same configuration). A resumed run is a valid run
    of the same configuration but not byte-identical to an uninterrupted one (pyabc refits its
    epsilon and transition from the database).

Examples
--------
>>> from cvirisk.params import load_params
>>> pri = declared_priors(load_params())
>>> pri[0].name, pri[0].kind
('superficial_failure.rate_per_year', 'loguniform')
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.calibration.distance import evaluate
from cvirisk.calibration.report import FIT_EXCLUDED
from cvirisk.calibration.search import BLOCKS
from cvirisk.calibration.targets import target_scale
from cvirisk.exceptions import InputError, ParameterError
from cvirisk.io.atomic import atomic_path
from cvirisk.params import params_hash, params_to_dict, with_overrides

__all__ = [
    "Prior",
    "ABCConfig",
    "Posterior",
    "declared_priors",
    "fitted_targets",
    "TargetModel",
    "TargetDistance",
    "run_abc",
    "particles",
    "generations",
    "resample",
    "write_posterior",
    "posterior_path",
    "load_posterior",
    "posterior_point",
]

PREFIX = "natural_history.transitions."
SE_SUFFIX = "~se"


@dataclass(frozen=True)
class Prior:
    """The prior of one free parameter: uniform in ``log10(value)`` or in ``value`` on (low, high)."""

    key: str
    kind: str
    low: float
    high: float
    why: str = ""

    @property
    def name(self) -> str:
        """Short name (the key without ``natural_history.transitions.``)."""
        return self.key.removeprefix(PREFIX)

    def to_x(self, v):
        """Value -> sampling scale."""
        return np.log10(v) if self.kind == "loguniform" else np.asarray(v, float) * 1.0

    def from_x(self, x):
        """Sampling scale -> value."""
        return (
            10.0 ** np.asarray(x, float)
            if self.kind == "loguniform"
            else np.asarray(x, float) * 1.0
        )

    @property
    def x_low(self) -> float:
        return float(self.to_x(self.low))

    @property
    def x_high(self) -> float:
        return float(self.to_x(self.high))

    def from_unit(self, u):
        """A value from a uniform (0, 1) number (the prior's quantile function)."""
        return self.from_x(self.x_low + np.asarray(u, float) * (self.x_high - self.x_low))


def declared_priors(params, keys: Sequence[str] | None = None) -> list[Prior]:
    """The priors declared beside ``calibrate:`` (file order); ``keys`` selects some (dotted keys).

    Raises
    ------
    ParameterError
        A selected leaf has no ``calibrate`` bounds, or declares no ``prior``.
    """
    found: dict[str, dict] = {}

    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node and isinstance(node.get("calibrate"), dict):
                found[path] = node["calibrate"]
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)

    walk(params_to_dict(params), "")
    wanted = list(found) if keys is None else [k if k in found else PREFIX + k for k in keys]
    out = []
    for key in wanted:
        c = found.get(key)
        if c is None:
            raise ParameterError(f"{key}: not a calibrated parameter (no 'calibrate:' bounds)")
        if not c.get("prior"):
            raise ParameterError(
                f"{key}.calibrate.prior: missing (uniform or loguniform), needed by the Bayesian calibration"
            )
        out.append(
            Prior(key, str(c["prior"]), float(c["low"]), float(c["high"]), str(c.get("why") or ""))
        )
    return out


def fitted_targets(targets: pd.DataFrame) -> list[str]:
    """The targets the calibration fits: those of the search blocks, minus the checked-only ones."""
    ids = [t for b in BLOCKS for t in b.targets]
    return [t for t in ids if t in targets.index and t not in FIT_EXCLUDED]


SCALES = ("prior", "logit")
TRANSITIONS = ("mvn", "local")


def to_abc(prior: Prior, value, scale: str = "prior"):
    """Value -> the coordinate pyabc's particles live on (``scale`` ``prior`` or ``logit``).

    ``logit``: ``log(u / (1 - u))`` with ``u`` the prior's CDF at the value, so the uniform
    prior becomes the standard logistic distribution on the whole real line.
    """
    x = prior.to_x(value)
    if scale == "prior":
        return x
    u = (np.asarray(x, float) - prior.x_low) / (prior.x_high - prior.x_low)
    return np.log(u) - np.log1p(-u)


def from_abc(prior: Prior, z, scale: str = "prior"):
    """The coordinate pyabc's particles live on -> value (inverse of :func:`to_abc`)."""
    if scale == "prior":
        return prior.from_x(z)
    u = 1.0 / (1.0 + np.exp(-np.asarray(z, float)))
    return prior.from_x(prior.x_low + u * (prior.x_high - prior.x_low))


def _abc_prior(prior: Prior, scale: str):
    import pyabc

    if scale == "logit":
        return pyabc.RV("logistic", 0.0, 1.0)
    return pyabc.RV("uniform", prior.x_low, prior.x_high - prior.x_low)


def _transition(config: ABCConfig):
    import pyabc

    if config.transition == "local":
        return pyabc.LocalTransition(k_fraction=0.25, scaling=config.scaling)
    return pyabc.MultivariateNormalTransition(scaling=config.scaling)


def _overrides(priors: Sequence[Prior], par, scale: str = "prior") -> dict[str, float]:
    return {p.key: float(from_abc(p, par[p.name], scale)) for p in priors}


@dataclass
class TargetModel:
    """pyabc model: parameters (sampling scale) -> replicated studies and their Monte Carlo errors.

    Each target is simulated under its study's design and, with ``study_noise``, given the
    study's own sampling error: a normal error of the target's scale (its interval
    half-width / 1.96, else 10% of the value), drawn from the evaluation's seed. The model is
    then "what the study would have reported", and ABC-SMC conditions on the reported figures
    with their stated precision (noisy ABC: as the tolerance shrinks the posterior approaches
    the one of a normal observation error, instead of pretending the studies were exact).

    Picklable (sent to worker processes). ``simulate`` can replace the designs with any
    ``simulate(values, seed) -> {target_id: (value, standard error)}``, ``values`` the dotted
    keys of the free parameters (used by the tests: it skips building a parameter set).
    """

    params: object
    priors: list[Prior]
    targets: pd.DataFrame
    n: int = 4_000
    engine: str = "fast"
    simulate: Callable | None = None
    study_noise: bool = True
    scale: str = "prior"  # the coordinates of pyabc's particles (see to_abc)

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """Simulated value and Monte Carlo standard error of each target at these parameter values."""
        if self.simulate is not None:
            res = self.simulate(values, seed)
        else:
            p = with_overrides(self.params, values, origin="Bayesian calibration")
            tab = evaluate(p, self.targets, seed=seed, n=self.n, engine=self.engine)
            se = (tab["sim_high"] - tab["sim_low"]) / (2 * 1.959963984540054)
            res = {t: (float(tab.at[t, "simulated"]), float(se.at[t])) for t in tab.index}
        scales = TargetDistance.for_targets(self.targets).scales
        noise = np.random.default_rng([seed, 17]).normal(0.0, 1.0, len(self.targets))
        out = {}
        for i, t in enumerate(self.targets.index):
            v, s = res.get(t, (math.nan, math.nan))
            out[t] = float(v) + (scales[t] * noise[i] if self.study_noise else 0.0)
            out[t + SE_SUFFIX] = float(s) if np.isfinite(s) else 0.0
        return out

    def __call__(self, par) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 - the global generator is seeded per candidate
        return self.evaluate(_overrides(self.priors, par, self.scale), seed)


@dataclass
class TargetDistance:
    """Mean squared standardised residual over the targets (see the module doc); NaN -> infinite."""

    scales: dict[str, float]

    @classmethod
    def for_targets(cls, targets: pd.DataFrame) -> TargetDistance:
        sc = {}
        for t, r in targets.iterrows():
            lo = r["low"] if np.isfinite(r["low"]) else None
            hi = r["high"] if np.isfinite(r["high"]) else None
            sc[t] = float(target_scale(r["value"], lo, hi))
        return cls(sc)

    def __call__(self, x: dict, x0: dict) -> float:
        tot = 0.0
        for t, scale in self.scales.items():
            v = x.get(t, math.nan)
            if not np.isfinite(v):
                return math.inf
            s = math.hypot(scale, x.get(t + SE_SUFFIX, 0.0))
            tot += ((v - x0[t]) / s) ** 2
        return tot / len(self.scales)


@dataclass(frozen=True)
class ABCConfig:
    """The configuration of one calibration run (its fingerprint decides whether a database resumes)."""

    population_size: int = 200
    generations: int = 8
    n: int = 4_000
    seed: int = 1
    min_acceptance: float = 0.02
    max_evaluations: int = 6_000
    draws: int = 500
    engine: str = "fast"
    chunk: int = 8
    keys: tuple[str, ...] = ()  # dotted keys of the free parameters; () = every declared one
    # how particles move (see the module doc, "Choice of kernel, scale and schedule"):
    scale: str = "prior"  # "prior": the prior's own scale; "logit": logit of the prior's CDF
    transition: str = "mvn"  # "mvn": pyabc MultivariateNormalTransition; "local": LocalTransition
    scaling: float = 2.0  # factor on the transition's covariance (2: see the module doc)
    alpha: float = 0.5  # epsilon = this weighted quantile of the last generation's distances

    def fingerprint(self, params, targets: pd.DataFrame) -> str:
        """Hash of the configuration, the targets and the parameters other than the calibrated values.

        The point values of the calibrated leaves do not enter the calibration (every
        evaluation overrides them), so writing the posterior means into the defaults does not
        change the fingerprint; nor do the stopping rules and the number of draws exported
        (a run may be resumed with more generations or a larger budget).
        """
        path = {k: v for k, v in asdict(self).items() if k not in _STOPPING}
        text = json.dumps(
            {
                "config": path,
                "params": fixed_params_hash(params),
                "targets": targets_hash(targets),
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_STOPPING = ("generations", "min_acceptance", "max_evaluations", "draws")


def fixed_params_hash(params) -> str:
    """Hash of the parameters with the values of the ``calibrate:`` leaves left out."""

    def strip(node):
        if isinstance(node, dict):
            if "value" in node and isinstance(node.get("calibrate"), dict):
                return {k: v for k, v in node.items() if k not in ("value", "source")}
            return {k: strip(v) for k, v in node.items()}
        return node

    text = json.dumps(strip(params_to_dict(params)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def targets_hash(targets: pd.DataFrame) -> str:
    """Hash of the target ids, values and intervals."""
    t = targets[["value", "low", "high"]].astype(float).round(10)
    return hashlib.sha256(t.to_csv(float_format="%.10g").encode()).hexdigest()[:16]


def _executor(workers: int, scheduler: str | None):
    """A process pool (workers > 1), a Dask client (scheduler address), or None (this process)."""
    if scheduler:
        from dask.distributed import Client

        client = Client(scheduler)
        return client, max(len(client.scheduler_info().get("workers", {})), 1), client.close
    if workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
        return ex, workers, lambda: ex.shutdown(cancel_futures=True)
    return None, 1, lambda: None


def run_abc(
    params,
    targets: pd.DataFrame,
    config: ABCConfig,
    db: str | os.PathLike[str],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    simulate: Callable | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool | None = None,
):
    """Run (or resume) ABC-SMC into the SQLite database ``db``; returns the pyabc ``History``.

    ``workers`` local processes, or the Dask scheduler at ``scheduler`` (an address such as
    ``tcp://127.0.0.1:8786``); the result is the same either way. ``progress``: a bar on
    stderr over the evaluation budget (its time estimate is an upper bound: the run usually
    stops earlier), default when stderr is a terminal.
    """
    import sys

    import pyabc

    from cvirisk.calibration.abc_sampler import DeterministicSampler

    logging.getLogger("ABC").setLevel(logging.WARNING)
    for name in (
        "ABC.Sampler",
        "ABC.History",
        "ABC.Distance",
        "ABC.Epsilon",
        "ABC.Transition",
        "ABC.Population",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    priors = declared_priors(params, config.keys or None)
    ids = [t for t in fitted_targets(targets)] if simulate is None else list(targets.index)
    sub = targets.loc[ids]
    if config.scale not in SCALES or config.transition not in TRANSITIONS:
        raise InputError(f"scale {config.scale!r}, transition {config.transition!r}: expected one of "
                         f"{SCALES} and one of {TRANSITIONS}")  # fmt: skip
    model = TargetModel(params, priors, sub, n=config.n, engine=config.engine, simulate=simulate,
                        scale=config.scale)  # fmt: skip
    prior = pyabc.Distribution(**{p.name: _abc_prior(p, config.scale) for p in priors})
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    stamp = db.with_suffix(".json")
    fp = config.fingerprint(params, sub)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=config.max_evaluations,
            desc="ABC-SMC evaluations (budget)",
            file=sys.stderr,
            leave=False,
        )
    seen = {"n": 0, "total": 0}

    def on_chunk(evaluated, accepted, n):
        step = max(evaluated - seen["n"], 0)
        seen["n"], seen["total"] = evaluated, seen["total"] + step
        if bar is not None:
            bar.update(step)
            bar.set_postfix_str(f"generation: {accepted}/{n} accepted")
        if accepted >= n and log:
            sec = sampler.seconds_per_evaluation_so_far()
            rest = max(config.max_evaluations - seen["total"], 0) * sec
            log(f"generation done: {evaluated} evaluations, acceptance {accepted / max(evaluated, 1):.1%}, "
                f"{sec:.2f} s an evaluation; at most {rest / 60:.0f} min left in the evaluation budget")  # fmt: skip
        if accepted >= n:
            seen["n"] = 0

    executor, n_workers, close = _executor(workers, scheduler)
    sampler = DeterministicSampler(
        config.seed, executor, chunk=config.chunk, jobs=2 * n_workers, on_chunk=on_chunk
    )
    np.random.seed(config.seed)  # noqa: NPY002 - pyabc draws from the global generator in this process
    abc = pyabc.ABCSMC(model, prior, TargetDistance.for_targets(sub), population_size=config.population_size,
                       sampler=sampler, eps=pyabc.QuantileEpsilon(alpha=config.alpha),
                       transitions=_transition(config))  # fmt: skip
    url = f"sqlite:///{db.resolve()}"
    try:
        if db.exists() and stamp.exists():
            info = json.loads(stamp.read_text())
            if info.get("fingerprint") != fp:
                raise InputError(f"{db}: the database holds a run of another configuration (fingerprint "
                                 f"{info.get('fingerprint')}, this one {fp}); give a new --db or remove it")  # fmt: skip
            history = abc.load(url, int(info["run_id"]))
            done = history.max_t + 1
            if log:
                log(f"resuming {db} after generation {done - 1}")
        else:
            if db.exists():
                db.unlink()
            observed = {t: float(sub.at[t, "value"]) for t in sub.index}
            observed.update({t + SE_SUFFIX: 0.0 for t in sub.index})
            history = abc.new(url, observed)
            stamp.write_text(
                json.dumps(
                    {"fingerprint": fp, "run_id": history.id, "config": asdict(config)}, indent=1
                )
            )
            done = 0
        left = config.generations - done
        if done and _stopped(
            history, config
        ):  # a resumed run that had already stopped stays stopped
            left = 0
        if left > 0:
            history = abc.run(max_nr_populations=left, min_acceptance_rate=config.min_acceptance,
                              max_total_nr_simulations=config.max_evaluations)  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
        close()
    return history


def _stopped(history, config: ABCConfig) -> bool:
    """Whether the run in ``history`` met a stopping rule (budget or acceptance) after its last generation."""
    pops = history.get_all_populations()
    last = pops[pops["t"] >= 0].iloc[-1]
    acceptance = int(last["particles"]) / max(int(last["samples"]), 1)
    return (
        int(history.total_nr_simulations) >= config.max_evaluations
        or acceptance < config.min_acceptance
    )


def particles(history, priors: Sequence[Prior], t: int | None = None, scale: str = "prior") -> pd.DataFrame:
    """The weighted particles of generation ``t`` (default the last), one column a dotted key (values).

    ``scale``: the run's :attr:`ABCConfig.scale` (the coordinates pyabc stored).
    """
    df, w = history.get_distribution(m=0, t=t)
    out = pd.DataFrame({p.key: from_abc(p, df[p.name].to_numpy(float), scale) for p in priors})
    out["weight"] = np.asarray(w, float) / float(np.sum(w))
    return out


def effective_sample_size(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w * w).sum())


def generations(history) -> pd.DataFrame:
    """Per generation: epsilon, evaluations, acceptance rate and effective sample size."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, r in pops.iterrows():
        _, w = history.get_distribution(m=0, t=int(r["t"]))
        rows.append({"generation": int(r["t"]), "epsilon": float(r["epsilon"]), "evaluations": int(r["samples"]),
                     "accepted": int(r["particles"]), "acceptance_rate": int(r["particles"]) / max(int(r["samples"]), 1),
                     "ess": effective_sample_size(w)})  # fmt: skip
    return pd.DataFrame(rows)


def resample(frame: pd.DataFrame, k: int, seed: int) -> pd.DataFrame:
    """``k`` equally weighted draws from weighted particles by systematic resampling (seeded)."""
    w = frame["weight"].to_numpy(float)
    c = np.cumsum(w / w.sum())
    u = (np.random.default_rng(seed).random() + np.arange(k)) / k
    idx = np.minimum(np.searchsorted(c, u), len(w) - 1)
    out = frame.drop(columns="weight").iloc[idx].reset_index(drop=True)
    # shuffle (seeded) so that any first m draws are a fair subsample
    out = out.iloc[np.random.default_rng(seed + 1).permutation(k)].reset_index(drop=True)
    out.insert(0, "draw", np.arange(1, k + 1))
    return out


def posterior_path() -> Path:
    """The folder of the shipped posterior (``draws.csv``, ``particles.csv``, ``generations.csv``, ``provenance.json``)."""
    return Path(str(resources.files("cvirisk.calibration") / "posterior"))


def _versions() -> dict[str, str]:
    import sys
    from importlib.metadata import version

    out = {"python": sys.version.split()[0]}
    for pkg in ("cvirisk", "pyabc", "numpy", "pandas", "scipy", "numba"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            out[pkg] = "not installed"
    return out


def _model_hash() -> str:
    from cvirisk.params.model_spec import load_model, model_hash

    return model_hash(load_model())


def write_posterior(out: str | os.PathLike[str], history, params, targets: pd.DataFrame, config: ABCConfig,
                    *, command: str, extra: dict | None = None) -> Path:  # fmt: skip
    """Write ``draws.csv`` (``config.draws`` resampled draws), ``particles.csv``, ``generations.csv`` and ``provenance.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    priors = declared_priors(params, config.keys or None)
    parts = particles(history, priors, scale=config.scale)
    draws = resample(parts, config.draws, config.seed)
    gens = generations(history)
    for name, frame in (("draws.csv", draws), ("particles.csv", parts), ("generations.csv", gens)):
        with atomic_path(out / name) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.8g")
    prov = {
        "command": command,
        "method": f"ABC-SMC (pyabc): epsilon the {config.alpha:g} quantile of the last distances, "
                  f"{'local (k-nearest-neighbour)' if config.transition == 'local' else 'multivariate'} normal "
                  f"transition (scaling {config.scaling:g}), particles on the {config.scale} scale; "
                  "see cvirisk/calibration/bayes.py",
        "point_defaults": "posterior mean on the prior's scale (log10 for log-uniform priors, i.e. the geometric mean)",
        "targets_hash": targets_hash(targets.loc[fitted_targets(targets)]),
        "fitted_targets": fitted_targets(targets),
        "params_hash": params_hash(params),
        "fixed_params_hash": fixed_params_hash(params),
        "model_hash": _model_hash(),
        "seed": config.seed,
        "config": asdict(config),
        "priors": [asdict(p) for p in priors],
        "versions": _versions(),
        "generations": int(len(gens)),
        "total_evaluations": int(history.total_nr_simulations),
        "final_epsilon": float(gens["epsilon"].iloc[-1]) if len(gens) else None,
        "final_ess": float(gens["ess"].iloc[-1]) if len(gens) else None,
        # summed from the pyabc history, so a resumed export reports the same time (same bytes)
        "abc_wall_seconds": round(float(history.get_all_populations()["wall_time"].sum()), 1),
        **(extra or {}),
    }
    with atomic_path(out / "provenance.json") as tmp:
        tmp.write_text(json.dumps(prov, indent=1, default=float) + "\n")
    return out


@dataclass
class Posterior:
    """A shipped posterior: equally weighted ``draws`` (one column a dotted key) and their provenance."""

    draws: pd.DataFrame
    provenance: dict
    particles: pd.DataFrame | None = None
    generations: pd.DataFrame | None = None
    path: Path | None = None
    priors: list[Prior] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [c for c in self.draws.columns if c != "draw"]


def load_posterior(path: str | os.PathLike[str] | None = None) -> Posterior:
    """Read a posterior folder (default the shipped one); ``InputError`` names a missing or bad file."""
    path = posterior_path() if path is None else Path(path)
    f = path / "draws.csv"
    if not f.is_file():
        raise InputError(f"{f}: no posterior draws (run cvirisk calibrate --bayes)")
    draws = pd.read_csv(f)
    keys = [c for c in draws.columns if c != "draw"]
    bad = [c for c in keys if not np.isfinite(pd.to_numeric(draws[c], errors="coerce")).all()]
    if "draw" not in draws.columns or bad or draws.empty:
        raise InputError(
            f"{f}: column {bad[0] if bad else 'draw'}: expected a draw column and finite numbers"
        )
    prov_file = path / "provenance.json"
    prov = json.loads(prov_file.read_text()) if prov_file.is_file() else {}
    opt = {n: pd.read_csv(path / f"{n}.csv") if (path / f"{n}.csv").is_file() else None
           for n in ("particles", "generations")}  # fmt: skip
    priors = [Prior(**p) for p in prov.get("priors", [])]
    return Posterior(draws, prov, opt["particles"], opt["generations"], path, priors)


def posterior_point(posterior: Posterior) -> dict[str, float]:
    """Point values: the posterior mean on each prior's scale (geometric mean for log-uniform priors)."""
    kinds = {p.key: p.kind for p in posterior.priors}
    out = {}
    for k in posterior.keys:
        v = posterior.draws[k].to_numpy(float)
        out[k] = float(10 ** np.mean(np.log10(v))) if kinds.get(k, "loguniform") == "loguniform" and (v > 0).all() \
            else float(np.mean(v))  # fmt: skip
    return out


POINT_SOURCE = "posterior mean of the Bayesian calibration (cvirisk/calibration/posterior); "


def write_point_defaults(yaml_path: str | os.PathLike[str], values: dict[str, float], digits: int = 4) -> list[str]:
    """Write ``values`` (dotted key -> value) into a parameter file as the leaves' point values.

    Edits the text in place, line by line, so the file's layout and comments stay (a YAML
    round trip would reflow them): each leaf ``name: {value: ..., source: "..."}`` found by its
    dotted path (from the indentation) gets the value to ``digits`` significant digits
    (positional, never an exponent, which YAML 1.1 would read as a string) and a source that
    starts with :data:`POINT_SOURCE`. Returns the keys written; raises ``ParameterError`` for a
    key it did not find.
    """
    import re

    path = Path(yaml_path)
    lines = path.read_text().splitlines(keepends=True)
    stack: list[tuple[int, str]] = []
    done = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z0-9_]+):", line)
        if not m:
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        key = ".".join(n for _, n in stack)
        if key not in values:
            continue
        text = np.format_float_positional(float(values[key]), precision=digits, unique=False, fractional=False, trim="-")
        new, k = re.subn(r"\{value: [^,]+, source: \"", lambda _m, v=text: f'{{value: {v}, source: "', line, count=1)
        if k != 1:
            raise ParameterError(f"{path}: {key}: expected '{{value: ..., source: \"...\"' on line {i + 1}")
        head = f'source: "{POINT_SOURCE}'
        if head not in new:
            new = new.replace('source: "', head, 1)
        lines[i] = new
        done.append(key)
    missing = [k for k in values if k not in done]
    if missing:
        raise ParameterError(f"{path}: {missing[0]}: no such leaf")
    with atomic_path(path) as tmp:  # the parameter file is never left half written
        tmp.write_text("".join(lines))
    return done
