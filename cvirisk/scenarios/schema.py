"""Scenario files: interventions as typed, validated modifiers of named rates or drivers.

A scenario is YAML with ``name``, ``description`` and ``interventions``, a list of entries
each with a ``type``:

========================  =============================================================
``rate``                  ``key`` (a numeric parameter, dotted) and ``multiply`` or ``set``
``smoking_cessation``     ``share`` of current smokers quit at follow-up year ``at_year``
``weight_reduction``      ``share`` of persons with baseline BMI >= ``min_bmi`` lose
                          ``bmi_reduction`` kg/m2 at ``at_year``
``work_posture``          ``share_reassigned`` of those who work standing (``posture:
                          standing``), sitting (``sitting``) or either (``both``) for most of
                          the day move to work without it at ``at_year``
``compression_adherence`` ``multiply`` the share who wear prescribed stockings (capped at 1)
``surgical_capacity``     ``multiply`` operations per year
``referral``              refer to surgery from CEAP class ``min_class``
========================  =============================================================

Parameter interventions (``rate``, ``compression_adherence``, ``surgical_capacity``,
``referral``) hold over the whole simulated life by default (``parameters_from: history``);
with ``parameters_from: baseline`` they act in follow-up only and every history before
baseline stays as in the baseline arm (the engine switches numbers at ``t = 0``). Driver
interventions always act from ``at_year >= 0``, as scheduled changes of the model's drivers.

Unknown keys are errors (``extra="forbid"``); :func:`load_scenario` turns every problem into
one :class:`~cvirisk.exceptions.ScenarioError` line naming the file, the key and the reason.

Examples
--------
>>> s = scenario_from_dict({"name": "quit", "interventions": [
...     {"type": "smoking_cessation", "share": 0.33, "at_year": 0}]})
>>> s.interventions[0].share
0.33
>>> scenario_from_dict({"name": "x", "interventions": [{"type": "referral", "min_class": 9}]})
Traceback (most recent call last):
...
cvirisk.exceptions.ScenarioError: <scenario>: interventions.0.referral.min_class: Input should be less than or equal to 6
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cvirisk.exceptions import ScenarioError, one_line

__all__ = [
    "Scenario", "RateIntervention", "SmokingCessation", "WeightReduction", "WorkPosture",
    "CompressionAdherence", "SurgicalCapacity", "Referral", "Intervention",
    "load_scenario", "scenario_from_dict", "library_names", "library_path", "resolve_scenario_path",
    "file_hash",
]  # fmt: skip

_CONFIG = ConfigDict(extra="forbid", frozen=True)
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Year = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class _Entry(BaseModel):
    model_config = _CONFIG


class RateIntervention(_Entry):
    """Multiply or set any numeric parameter, over the whole simulated life."""

    type: Literal["rate"]
    key: Annotated[str, Field(min_length=1)]
    multiply: Factor | None = None
    set: float | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RateIntervention:
        if (self.multiply is None) == (self.set is None):
            raise ValueError("give exactly one of multiply or set")
        return self


class SmokingCessation(_Entry):
    """A share of current smokers quit at follow-up year ``at_year`` (chosen by stream)."""

    type: Literal["smoking_cessation"]
    share: Share
    at_year: Year = 0.0


class WeightReduction(_Entry):
    """A share of persons with baseline BMI >= ``min_bmi`` lose ``bmi_reduction`` at ``at_year``."""

    type: Literal["weight_reduction"]
    share: Share
    bmi_reduction: Annotated[float, Field(gt=0.0, le=20.0, allow_inf_nan=False)]
    min_bmi: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 30.0
    at_year: Year = 0.0


class WorkPosture(_Entry):
    """A share of those who stand or sit at work for most of the day leave such work at ``at_year``."""

    type: Literal["work_posture"]
    share_reassigned: Share
    posture: Literal["standing", "sitting", "both"] = "both"
    at_year: Year = 0.0


class CompressionAdherence(_Entry):
    """Adherence to prescribed compression times ``multiply``, capped at 1."""

    type: Literal["compression_adherence"]
    multiply: Factor


class SurgicalCapacity(_Entry):
    """Operations per year times ``multiply``."""

    type: Literal["surgical_capacity"]
    multiply: Factor


class Referral(_Entry):
    """Refer to surgery from CEAP class ``min_class`` (default parameters: 6)."""

    type: Literal["referral"]
    min_class: Annotated[int, Field(ge=1, le=6, strict=True)]


Intervention = Annotated[
    RateIntervention | SmokingCessation | WeightReduction | WorkPosture | CompressionAdherence
    | SurgicalCapacity | Referral,
    Field(discriminator="type"),
]


class Scenario(_Entry):
    """A named list of interventions."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    parameters_from: Literal["history", "baseline"] = "history"
    interventions: Annotated[list[Intervention], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_driver_each(self) -> Scenario:
        seen: set[str] = set()
        for entry in self.interventions:
            if entry.type != "rate" and entry.type in seen:
                raise ValueError(f"intervention type {entry.type} given twice; give it once")
            seen.add(entry.type)
        return self


def _format(origin: str, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "union_tag_invalid":
        msg = f"unknown intervention type {err.get('input', {}).get('type')!r}" if isinstance(
            err.get("input"), dict) else msg  # fmt: skip
    return one_line(f"{origin}: {loc}: {msg}" if loc else f"{origin}: {msg}")


def scenario_from_dict(data: Any, origin: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping; raise :class:`ScenarioError` naming ``origin`` and the key."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: top level must be a mapping with name and interventions")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format(origin, exc)) from None


def library_names() -> list[str]:
    """Names of the shipped example scenarios."""
    root = resources.files("cvirisk.scenarios") / "library"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def library_path(name: str) -> Path:
    """The path of a shipped scenario by name (``smoking_down_third``)."""
    path = Path(str(resources.files("cvirisk.scenarios") / "library" / f"{name}.yaml"))
    if not path.is_file():
        raise ScenarioError(f"{name}: no such scenario file or shipped scenario ({', '.join(library_names())})")
    return path


def resolve_scenario_path(spec: str | Path) -> Path:
    """A scenario file path, or a shipped scenario when ``spec`` is a bare name."""
    path = Path(spec)
    if path.is_file():
        return path
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        raise ScenarioError(f"{spec}: no such scenario file")
    return library_path(str(spec))


def file_hash(path: str | Path) -> str:
    """SHA-256 (16 hex digits) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_scenario(spec: str | Path) -> Scenario:
    """Read and validate a scenario file (or a shipped scenario by name).

    Raises
    ------
    ScenarioError
        One line: the file, the key path and the reason.
    """
    path = resolve_scenario_path(spec)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        raise ScenarioError(f"{path}: not valid YAML at {where}: {getattr(exc, 'problem', exc)}") from None
    return scenario_from_dict(data, str(path))
