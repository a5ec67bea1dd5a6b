"""ICE's criminal levels, computed from a person's convictions.

The rule (DESIGN.md §1): Level 1 — an aggravated-felony-class conviction, or two or more
convictions punishable by more than a year; Level 2 — one conviction punishable by more than
a year, or three or more punishable by less; Level 3 — one or two convictions punishable by
less than a year; non-criminal — no conviction at all. Arrests never count, only convictions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from scomm.domain.offense import NcicOffense, Severity


class CriminalLevel(StrEnum):
    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_3 = "level_3"
    NON_CRIMINAL = "non_criminal"

    @property
    def label(self) -> str:
        return {
            CriminalLevel.LEVEL_1: "Level 1",
            CriminalLevel.LEVEL_2: "Level 2",
            CriminalLevel.LEVEL_3: "Level 3",
            CriminalLevel.NON_CRIMINAL: "Non-criminal",
        }[self]


@dataclass(frozen=True, slots=True)
class Conviction:
    """A conviction for one offense. ``severity`` defaults to the offense's class; set it when
    the actual sentence exposure is known (state law differs)."""

    offense: NcicOffense
    convicted_on: dt.date
    severity: Severity | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.convicted_on, dt.date) or isinstance(self.convicted_on, dt.datetime):
            raise ValueError(f"convicted_on must be a date, got {self.convicted_on!r}")

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else self.offense.severity


def classify_level(
    convictions: Iterable[Conviction], as_of: dt.date | None = None
) -> CriminalLevel:
    """ICE's criminal level for a conviction history, counting convictions up to ``as_of``."""
    aggravated = felonies = misdemeanors = 0
    for conviction in convictions:
        if as_of is not None and conviction.convicted_on > as_of:
            continue
        severity = conviction.effective_severity
        if severity is Severity.AGGRAVATED:
            aggravated += 1
        elif severity is Severity.FELONY:
            felonies += 1
        else:
            misdemeanors += 1
    over_one_year = aggravated + felonies
    if aggravated or over_one_year >= 2:
        return CriminalLevel.LEVEL_1
    if over_one_year == 1 or misdemeanors >= 3:
        return CriminalLevel.LEVEL_2
    if misdemeanors:
        return CriminalLevel.LEVEL_3
    return CriminalLevel.NON_CRIMINAL
