"""The policy file format (YAML), as pydantic models: what a user may write, and nothing else.

Example::

    name: my-county
    extends: historical
    rules:
      - id: sf-deactivated
        transfer: prints_to_ident
        effect: deny
        scope: {ori: CA0380000}
        from: 2010-06-08
        mandatory: true
        note: the jail removed from the IDENT search

See ``docs/policy.md`` for every key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt
from pydantic import StringConstraints as Text

from scomm.policy.transfers import Transfer

Effect = Literal["allow", "deny"]


def _date_only(value: Any) -> Any:
    """Dates come as YAML dates or ISO text; a number is never a date."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD): {exc}") from None
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


Day = Annotated[dt.date, BeforeValidator(_date_only)]
OffensePattern = Annotated[str, Text(pattern=r"^(\d{4}|\d{2}xx)$")]
RuleId = Annotated[str, Text(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConditionsSpec(_Strict):
    """All given conditions must hold for the rule to apply (omitted ones are not checked)."""

    activated: StrictBool | None = None
    not_activated_before: Day | None = None  # activated on/after this day, or never
    conviction_known: StrictBool | None = None
    victim: StrictBool | None = None
    witness: StrictBool | None = None
    juvenile: StrictBool | None = None
    domestic_violence_victim: StrictBool | None = None
    state_consented: StrictBool | None = None
    county_consented: StrictBool | None = None
    agency_consented: StrictBool | None = None
    offense_in: list[OffensePattern] | None = Field(default=None, min_length=1)
    offense_not_in: list[OffensePattern] | None = Field(default=None, min_length=1)


class ScopeSpec(_Strict):
    """Exactly one of state, county or ori (each one value or a list); none: the nation."""

    state: str | list[str] | None = None
    county: str | list[str] | None = None
    ori: str | list[str] | None = None


def _scope(value: Any) -> Any:
    if value == "nation" or value is None:
        return {}
    if isinstance(value, str):
        raise ValueError(f"scope must be 'nation' or one of {{state, county, ori}}, not {value!r}")
    return value


class RuleSpec(_Strict):
    id: RuleId
    transfer: Transfer | list[Transfer]
    effect: Effect
    scope: Annotated[ScopeSpec, BeforeValidator(_scope)] = ScopeSpec()
    from_: Day | None = Field(default=None, alias="from")
    until: Day | None = None
    when: ConditionsSpec = ConditionsSpec()
    mandatory: StrictBool = False
    priority: StrictInt = 0
    note: str = ""


class PolicySpec(_Strict):
    name: Annotated[str, Text(min_length=1, max_length=80)]
    description: str = ""
    extends: str | None = None
    defaults: dict[Transfer, Effect] = {}
    rules: list[RuleSpec] = []
