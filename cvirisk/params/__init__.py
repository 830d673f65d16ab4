"""Parameters as data: the shipped YAML, its schema, and the loader."""

from cvirisk.params.loader import (
    defaults_path,
    get_value,
    load_params,
    params_from_dict,
    params_hash,
    params_to_dict,
    with_overrides,
)
from cvirisk.params.schema import Params, Transition

__all__ = [
    "Params",
    "Transition",
    "defaults_path",
    "get_value",
    "load_params",
    "params_from_dict",
    "params_hash",
    "params_to_dict",
    "with_overrides",
]
