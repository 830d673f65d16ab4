"""Options and helpers shared by the command modules."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import yaml

from cvirisk.exceptions import InputError


def add_params_options(parser: argparse.ArgumentParser) -> None:
    """``--params FILE`` and repeatable ``--set dotted.key=value``."""
    parser.add_argument("--params", metavar="FILE", help="a YAML parameter overlay (default: shipped parameters)")
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help="override one parameter, e.g. --set cohort.smoking.quit_rate_per_year=0.05 (repeatable)",
    )


def add_seed_option(parser: argparse.ArgumentParser, default: int = 1) -> None:
    parser.add_argument("--seed", type=non_negative_int, default=default, help=f"random seed (default {default})")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c=x"]`` into ``{"a.b": 1, "c": "x"}``; values are parsed as YAML scalars."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError as exc:
            raise InputError(f"--set {item!r}: value is not valid YAML ({exc.__class__.__name__})") from None
    return out


def load_params_from_args(args: argparse.Namespace):
    """Load parameters from ``--params`` and ``--set`` (shipped defaults when neither is given)."""
    from cvirisk.params import load_params

    return load_params(args.params, overrides=parse_overrides(args.overrides))


def whole_number(text: str, what: str = "a whole number") -> int:
    """Parse an integer argument (underscores allowed: ``1_000_000``; ``1e6`` when it is whole)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value == round(value) and "e" in text.lower():
        return int(value)
    raise argparse.ArgumentTypeError(f"{text!r} is not {what}")


def positive_int(text: str) -> int:
    value = whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def non_negative_int(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def years(text: str) -> float:
    """A non-negative, finite number of years."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a non-negative number of years")
    return value


def output_dir(text: str, signature: tuple[str, ...] = ()) -> Path:
    """The ``--out`` folder, checked before any work (see :func:`cvirisk.io.result_folder.check_output_folder`)."""
    from cvirisk.io.result_folder import check_output_folder

    return check_output_folder(text, "--out", signature)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path
