"""Variance-based global sensitivity (Sobol indices, SALib) for any outcome of the model.

Inputs are drawn on the unit hypercube by SALib's Saltelli/Sobol' sequence and mapped through
each input's quantile function: a PSA ``uncertainty:`` distribution
(:func:`cvirisk.scenarios.psa.distribution`) or a calibration prior
(:class:`cvirisk.calibration.bayes.Prior`). SALib estimates first-order (``S1``) and total
(``ST``) indices with bootstrap 95% intervals; ``N * (k + 2)`` evaluations for ``k`` inputs.

The simulator is stochastic: :func:`simulator_sobol` evaluates every input set with the same
seed (common random numbers), so the indices are those of the simulation at that seed; with
small cohorts the simulation noise still makes the output jagged in the inputs, which shows
as ``ST`` well above ``S1`` (interactions it cannot tell from noise). Use cohorts large enough
for the outcome at hand.

Examples
--------
>>> import numpy as np
>>> tab = sobol_indices(lambda x: x[:, 0] + 0.1 * x[:, 1], ["a", "b"], [None, None], n=256, seed=1)
>>> bool(tab.loc["a", "S1"] > 0.9)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["sobol_indices", "input_quantiles", "simulator_sobol"]


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    ppfs: Sequence[Callable[[np.ndarray], np.ndarray] | None],
    *,
    n: int = 256,
    seed: int = 1,
    resamples: int = 200,
) -> pd.DataFrame:
    """Sobol indices of ``func`` (rows of inputs -> outputs) over independent inputs.

    ``ppfs[i]`` maps uniform (0, 1) numbers to input ``i`` (None: the input is the uniform
    number itself). ``n`` is SALib's base sample size (a power of 2). Returns a frame indexed
    by ``names`` with ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of 95% intervals).
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    u = sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=seed)
    x = np.column_stack([u[:, i] if f is None else f(u[:, i]) for i, f in enumerate(ppfs)])
    y = np.asarray(func(x), float)
    res = analyze.analyze(
        problem, y, calc_second_order=False, num_resamples=resamples, conf_level=0.95, seed=seed
    )
    return pd.DataFrame(
        {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(list(names), name="input"),
    )


def input_quantiles(params, keys: Sequence[str]) -> list[Callable[[np.ndarray], np.ndarray]]:
    """The quantile function of each input: its calibration prior, else its PSA distribution."""
    from cvirisk.calibration.bayes import declared_priors
    from cvirisk.calibration.search import free_parameters
    from cvirisk.exceptions import ParameterError
    from cvirisk.scenarios.psa import distribution, uncertain_parameters

    calibrated = {f.key for f in free_parameters(params)}
    unc = uncertain_parameters(params)
    out = []
    for key in keys:
        if key in calibrated:
            (p,) = declared_priors(params, [key])
            out.append(p.from_unit)
        elif key in unc:
            out.append(
                distribution(unc[key]["distribution"], unc[key]["low"], unc[key]["high"]).ppf
            )
        else:
            raise ParameterError(
                f"{key}: neither calibrated (calibrate:) nor uncertain (uncertainty:); no distribution to vary it over"
            )
    return out


def simulator_sobol(
    params,
    keys: Sequence[str],
    outcome: str | Callable,
    *,
    n: int = 64,
    persons: int = 2_000,
    seed: int = 1,
    engine: str = "fast",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Sobol indices of an outcome of the simulation over the inputs ``keys`` (dotted).

    ``outcome``: a calibration target id (simulated under its study's design with ``persons``
    per plan), or ``outcome(params, seed) -> float``. Every evaluation uses ``seed`` (common
    random numbers). ``n * (len(keys) + 2)`` simulations.
    """
    from cvirisk.calibration.distance import evaluate
    from cvirisk.calibration.targets import load_targets
    from cvirisk.params import with_overrides

    if isinstance(outcome, str):
        targets = load_targets().loc[[outcome]]

        def fn(p, s):
            return float(
                evaluate(p, targets, seed=s, n=persons, engine=engine).at[outcome, "simulated"]
            )
    else:
        fn = outcome
    ppfs = input_quantiles(params, keys)

    def func(x: np.ndarray) -> np.ndarray:
        y = np.empty(len(x))
        for i, row in enumerate(x):
            p = with_overrides(
                params, {k: float(v) for k, v in zip(keys, row, strict=True)}, origin="Sobol"
            )
            y[i] = fn(p, seed)
            if progress:
                progress(i + 1, len(x))
        return y

    return sobol_indices(func, list(keys), ppfs, n=n, seed=seed)
