"""Scenario files: every number the simulation uses, each with its source or reason.

A scenario is YAML validated by pydantic. Each parameter is ``{value: ..., source: "..."}``;
a parameter without a source is an error, so no number enters a run unexplained. Errors name
the file and line (``national.yaml:42: parameters.ice.removal_probability: ...``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

T = TypeVar("T")
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
Shares = dict[str, Annotated[float, Field(ge=0.0)]]


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message names the file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict, Generic[T]):
    """One parameter: its value and where the value comes from (publication, data, or reason)."""

    value: T
    source: Annotated[str, Field(min_length=8)]


def _check_shares(name: str, shares: dict[str, float]) -> None:
    total = sum(shares.values())
    if not shares or abs(total - 1.0) > 1e-6:
        raise ValueError(f"{name}: shares must sum to 1, got {total:.6f}")


class ImmigrationStatus(StrEnum):
    """Citizenship and immigration status, the ground truth the LESC tries to establish."""

    CITIZEN = "citizen"
    NATURALIZED = "naturalized"
    PERMANENT_RESIDENT = "permanent_resident"
    VISA_HOLDER = "visa_holder"
    OVERSTAY = "overstay"
    ENTERED_WITHOUT_INSPECTION = "entered_without_inspection"
    PREVIOUSLY_REMOVED = "previously_removed"


NONCITIZEN_STATUSES = tuple(ImmigrationStatus)[2:]


class OffenseGroup(_Strict):
    """An arrest-offense group: its share of bookings and its NCIC codes with weights."""

    share: Annotated[float, Field(ge=0.0)]
    minor: bool
    conviction_probability: Probability
    codes: dict[str, Annotated[float, Field(gt=0.0)]]

    @model_validator(mode="after")
    def _codes_known(self) -> OffenseGroup:
        from scomm.domain import NcicOffense

        for code in self.codes:
            NcicOffense.lookup(code)
        return self


class Pretext(_Strict):
    """After a county's activation, extra minor-offense arrests of one group (profiling study)."""

    enabled: bool
    group: Annotated[str, Field(pattern=r"^(hispanic|race:[ABIUW])$")]
    offense_group: str
    extra_share: Annotated[float, Field(ge=0.0)]
    counties: list[int] | None = None


class PopulationParams(_Strict):
    bookings_per_year: Param[Positive]
    sample_fraction: Param[Annotated[float, Field(gt=0.0, le=1.0)]]
    rebooking_rate_per_year: Param[Annotated[float, Field(ge=0.0)]]
    jail_share: Param[Probability]
    foreign_born_arrest_ratio: Param[Annotated[float, Field(ge=0.0)]]
    naturalized_share_of_foreign_born: Param[Probability]
    years_in_us_mean: Param[Positive]
    noncitizen_status_mix: Param[Shares]
    ident_enrollment: Param[dict[ImmigrationStatus, Probability]]
    prior_arrest_probability: Param[dict[ImmigrationStatus, Probability]]
    prior_conviction_given_arrest: Param[Probability]
    extra_prior_convictions_mean: Param[Annotated[float, Field(ge=0.0)]]
    conviction_lag_days: Param[Positive]
    male_share: Param[Probability]
    race_mix: Param[Shares]
    hispanic_share: Param[dict[str, Probability]]
    age_mix: Param[Shares]
    juvenile_share: Param[Probability]
    victim_share: Param[Probability]
    domestic_violence_victim_share: Param[Probability]
    witness_share: Param[Probability]
    foreign_birthplace_mix: Param[Shares]
    offense_mix: Param[dict[str, OffenseGroup]]
    pretext: Param[Pretext]

    @model_validator(mode="after")
    def _consistent(self) -> PopulationParams:
        _check_shares("noncitizen_status_mix", self.noncitizen_status_mix.value)
        unknown = set(self.noncitizen_status_mix.value) - {s.value for s in NONCITIZEN_STATUSES}
        if unknown:
            raise ValueError(f"noncitizen_status_mix: unknown statuses {sorted(unknown)}")
        missing = set(ImmigrationStatus) - set(self.ident_enrollment.value)
        if missing or set(ImmigrationStatus) - set(self.prior_arrest_probability.value):
            raise ValueError("ident_enrollment and prior_arrest_probability need every status")
        _check_shares("race_mix", self.race_mix.value)
        if set(self.race_mix.value) - {"A", "B", "I", "U", "W"}:
            raise ValueError("race_mix: keys must be EBTS race codes A, B, I, U, W")
        if set(self.hispanic_share.value) != {"native", "foreign_born"}:
            raise ValueError("hispanic_share: give exactly 'native' and 'foreign_born'")
        _check_shares("age_mix", self.age_mix.value)
        for bracket in self.age_mix.value:
            low, _, high = bracket.partition("-")
            if not (low.isdigit() and high.isdigit() and 18 <= int(low) <= int(high) <= 99):
                raise ValueError(f"age_mix: bracket {bracket!r} must be 'LOW-HIGH', 18..99")
        _check_shares("foreign_birthplace_mix", self.foreign_birthplace_mix.value)
        groups = self.offense_mix.value
        _check_shares("offense_mix", {k: g.share for k, g in groups.items()})
        pretext = self.pretext.value
        if pretext.offense_group not in groups:
            raise ValueError(
                f"pretext.offense_group {pretext.offense_group!r} is not in offense_mix"
            )
        return self


class IceParams(_Strict):
    citizen_flagged_probability: Param[dict[str, Probability]]
    undetermined_probability: Param[Probability]
    i247_issue_probability: Param[dict[str, Probability]]
    direct_custody_share: Param[Probability]
    i247_lawful_investigation_probability: Param[Probability]
    lea_decline_probability: Param[Probability]
    citizen_lift_probability: Param[Probability]
    lift_reason_mix: Param[Shares]
    removal_probability: Param[dict[str, Probability]]
    lawful_removal_factor: Param[Probability]
    custody_lag_days: Param[Positive]
    removal_lag_days: Param[Positive]

    @model_validator(mode="after")
    def _consistent(self) -> IceParams:
        levels = {"level_1", "level_2", "level_3", "non_criminal"}
        for name in ("i247_issue_probability", "removal_probability"):
            if set(getattr(self, name).value) != levels:
                raise ValueError(f"{name}: give exactly {sorted(levels)}")
        if set(self.citizen_flagged_probability.value) != {"citizen", "naturalized"}:
            raise ValueError("citizen_flagged_probability: give exactly citizen, naturalized")
        _check_shares("lift_reason_mix", self.lift_reason_mix.value)
        from scomm.sim.outcomes import LiftReason

        known = {r.value for r in LiftReason}
        unknown = set(self.lift_reason_mix.value) - known
        if unknown:
            raise ValueError(f"lift_reason_mix: unknown reasons {sorted(unknown)}")
        return self


class Parameters(_Strict):
    population: PopulationParams
    ice: IceParams


class Scenario(_Strict):
    """A whole scenario: name, seed, simulated period and parameters."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")]
    description: str
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    start: dt.date
    end: dt.date
    parameters: Parameters

    @model_validator(mode="after")
    def _period(self) -> Scenario:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def with_overrides(self, **changes: Any) -> Scenario:
        """A copy with top-level fields replaced (``seed=``, ``start=``, ``end=``)."""
        return Scenario.model_validate({**self.model_dump(), **changes})

    def with_values(self, changes: dict[str, Any], why: str) -> Scenario:
        """A validated copy with parameter values replaced, e.g.
        ``{"ice.removal_probability": {...}}``; ``why`` becomes their source."""
        data = self.model_dump()
        for dotted, value in changes.items():
            node = data["parameters"]
            *path, last = dotted.split(".")
            for part in path:
                node = node[part]
            if last not in node:
                raise ScenarioError(f"override: no parameter {dotted!r}")
            node[last] = {"value": value, "source": why}
        return Scenario.model_validate(data)


def _lines(
    node: yaml.Node, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]
) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line + 1
            _lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _line_of(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _extend(data: dict[str, Any], filename: str, line: int) -> dict[str, Any]:
    """``extends: NAME``: start from a shipped scenario; top-level fields and whole parameters
    (``{value, source}``) given here replace the base's."""
    base_name = data.pop("extends")
    if not isinstance(base_name, str) or base_name not in scenario_names():
        raise ScenarioError(
            f"{filename}:{line}: extends: no shipped scenario {base_name!r}"
            f" (shipped: {', '.join(scenario_names())})"
        )
    merged = builtin_scenario(base_name).model_dump(mode="json")
    parameters = data.pop("parameters", None) or {}
    if not isinstance(parameters, dict):
        raise ScenarioError(f"{filename}:{line}: parameters must be a mapping of groups")
    merged.update(data)
    for group, values in parameters.items():
        if group not in merged["parameters"] or not isinstance(values, dict):
            merged["parameters"][group] = values  # let validation name the problem
            continue
        merged["parameters"][group].update(values)
    return merged


def parse_scenario(text: str, filename: str = "<scenario>") -> Scenario:
    """Validate a scenario's YAML text; :class:`ScenarioError` names the file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(f"{filename}:{line}: not valid YAML: {exc}") from None
    if root is None or not isinstance(data, dict):
        raise ScenarioError(f"{filename}:1: a scenario must be a YAML mapping")
    lines: dict[tuple[str | int, ...], int] = {}
    _lines(root, (), lines)
    if "extends" in data:
        data = _extend(data, filename, lines.get(("extends",), 1))
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top)"
            messages.append(f"{filename}:{_line_of(loc, lines)}: {where}: {err['msg']}")
        raise ScenarioError("\n".join(messages)) from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario: {exc.strerror}") from None
    return parse_scenario(text, str(path))


def scenario_names() -> list[str]:
    """The scenarios shipped with scomm."""
    folder = resources.files("scomm.sim").joinpath("scenarios")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def builtin_scenario(name: str) -> Scenario:
    """A shipped scenario by name (``national-2008-2011``)."""
    if name not in scenario_names():
        raise ScenarioError(f"no scenario {name!r}; shipped: {', '.join(scenario_names())}")
    resource = resources.files("scomm.sim").joinpath(f"scenarios/{name}.yaml")
    return parse_scenario(resource.read_text(encoding="utf-8"), f"scenarios/{name}.yaml")
