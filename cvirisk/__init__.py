"""cvirisk: chronic venous insufficiency cohorts, simulation, survival models and scenarios.

The public API (importing this package does no work; submodules load on first use)::

    import cvirisk
    params = cvirisk.load_params()
    cohort = cvirisk.generate_cohort(10_000, seed=1, params=params)
    result = cvirisk.simulate(cohort, params=params, seed=1, years=20)
    result.events, result.persons
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "load_params": "cvirisk.params",
    "params_hash": "cvirisk.params",
    "with_overrides": "cvirisk.params",
    "Params": "cvirisk.params",
    "generate_cohort": "cvirisk.cohort",
    "CohortSpec": "cvirisk.cohort",
    "simulate": "cvirisk.sim",
    "SimulationResult": "cvirisk.sim",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cvirisk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
