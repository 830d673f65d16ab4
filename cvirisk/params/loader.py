"""Load parameters: shipped defaults, an optional YAML overlay, and dotted overrides.

An overlay may only change keys that already exist in the defaults. A leaf written as a
bare number (``rate_per_year: 0.01``) or set by a dotted override to a number changes the
leaf's ``value`` and keeps its ``source``; to change the source too, give the whole leaf.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cvirisk.exceptions import ParameterError, one_line
from cvirisk.params.schema import Params

DEFAULTS_NAME = "cvirisk.yaml"

# keys of a leaf; a mapping with "value" and "source" is a leaf
_LEAF_KEYS = {"value", "source", "uncertainty", "calibrate"}
# maps whose keys are open (any feature name may be added, validated by the schema)
_OPEN_MAPS = ("hazard_ratios",)


def defaults_path() -> Path:
    """The path of the shipped default parameter file."""
    return Path(str(resources.files("cvirisk.params") / "defaults" / DEFAULTS_NAME))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"{path}: no such parameter file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        raise ParameterError(f"{path}: not valid YAML at {where}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: top level must be a mapping of sections, not {type(data).__name__}")
    return data


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= _LEAF_KEYS


def _merge(base: dict[str, Any], overlay: Mapping[str, Any], where: str, origin: str) -> None:
    """Merge ``overlay`` into ``base`` in place; keys must exist unless the parent map is open."""
    for key, new in overlay.items():
        path = f"{where}.{key}" if where else str(key)
        parent_open = where.rsplit(".", 1)[-1] in _OPEN_MAPS
        if key not in base:
            if parent_open:
                base[key] = new
                continue
            raise ParameterError(f"{origin}: {path}: unknown key (overlays may only change keys that exist)")
        old = base[key]
        if _is_leaf(old) and not isinstance(new, dict):
            old["value"] = new
        elif isinstance(old, dict) and isinstance(new, dict):
            _merge(old, new, path, origin)
        elif isinstance(old, dict) and not isinstance(new, dict):
            raise ParameterError(f"{origin}: {path}: expected a mapping, got {type(new).__name__}")
        else:
            base[key] = new


def _set_dotted(base: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node: Any = base
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ParameterError(f"override {dotted}: unknown key {'.'.join(parts[: i + 1])}")
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise ParameterError(f"override {dotted}: {'.'.join(parts[:-1])} is not a mapping")
    if last not in node:
        if len(parts) >= 2 and parts[-2] in _OPEN_MAPS:
            node[last] = value if isinstance(value, dict) else {"value": value, "source": "override"}
            return
        raise ParameterError(f"override {dotted}: unknown key {dotted}")
    if _is_leaf(node[last]) and not isinstance(value, dict):
        node[last]["value"] = value
    elif node[last] is None and not isinstance(value, (dict, list)):
        node[last] = {"value": value, "source": f"override {dotted}"}  # an optional leaf left out
    else:
        node[last] = value


def _format_validation(origin: str, exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-after"))
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return one_line(f"{origin}: {loc}: {msg}{more}")


def params_from_dict(data: dict[str, Any], origin: str = "<parameters>") -> Params:
    """Validate a complete parameter mapping; errors name ``origin`` and the key path."""
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(_format_validation(origin, exc)) from None


def load_params(
    path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Params:
    """Load the shipped defaults, apply a YAML overlay and dotted overrides, and validate.

    Parameters
    ----------
    path
        A YAML overlay (any subset of the default file's keys), or None for defaults only.
    overrides
        ``{"dotted.key": value}``; a bare value sets a leaf's ``value``.

    Examples
    --------
    >>> p = load_params(overrides={"thrombosis.pe_probability": 0.3})
    >>> p.thrombosis.pe_probability.value
    0.3
    """
    data = _read_yaml(defaults_path())
    origin = str(defaults_path())
    if path is not None:
        path = Path(path)
        _merge(data, _read_yaml(path), "", str(path))
        origin = str(path)
    if overrides:
        for key, value in overrides.items():
            _set_dotted(data, str(key), copy.deepcopy(value))
        origin = f"{origin} (with overrides)" if path is not None else "overrides"
    return params_from_dict(data, origin)


def params_to_dict(params: Params) -> dict[str, Any]:
    """A plain, JSON-ready mapping of every parameter (no defaults omitted)."""
    return params.model_dump(mode="json")


def params_hash(params: Params) -> str:
    """A stable 16-hex-digit hash of every parameter value and source."""
    canonical = json.dumps(params_to_dict(params), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def with_overrides(params: Params, overrides: Mapping[str, Any], origin: str = "overrides") -> Params:
    """A new Params with dotted overrides applied to ``params``."""
    data = params_to_dict(params)
    for key, value in overrides.items():
        _set_dotted(data, str(key), copy.deepcopy(value))
    return params_from_dict(data, origin)


def get_value(params: Params, dotted: str) -> Any:
    """The value at a dotted key (a leaf's ``value`` when the key names a leaf)."""
    node: Any = params_to_dict(params)
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ParameterError(f"{dotted}: unknown key")
        node = node[part]
    return node["value"] if _is_leaf(node) else node
