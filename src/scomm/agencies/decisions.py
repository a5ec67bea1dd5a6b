"""The judgements ICE's offices make, as pluggable services.

The LESC determines a matched person's status (:class:`StatusCheck`); the ERO field office
decides on a detainer (:class:`DetainerRule`). A simulation hands in services that know its
ground truth and its era's practice (``scomm.sim.replay``); a live deployment without ICE's
records systems uses :class:`NoRecordsStatusCheck` and :class:`PriorityDetainerRule`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from scomm.domain import CriminalLevel
from scomm.ebts import DetainerAction, ImmigrationQuery, ImmigrationResponse, ImmigrationStatus


@dataclass(frozen=True, slots=True)
class StatusFinding:
    """The LESC's determination, as the IAR carries it and the outcome records it."""

    status: ImmigrationStatus
    removable: bool | None
    level: CriminalLevel | None
    label: str
    """Short name kept in ``booking_outcome.lesc_status`` (e.g. ``unlawfully_present``)."""
    note: str = ""


class StatusCheck(Protocol):
    def determine(self, query: ImmigrationQuery, tcn: str, at: dt.datetime) -> StatusFinding: ...


@dataclass(frozen=True, slots=True)
class DetainerChoice:
    """What the field office decided, and (in a simulation) what followed."""

    form: str | None
    """``I-247``, ``I-247D``, ``I-247N``, ``I-247A``; None: no detainer."""
    basis: str
    action: DetainerAction = DetainerAction.DETAIN
    lift_reason: str | None = None
    booked_into_ice: bool = False
    removed_on: dt.date | None = None
    level_at_removal: CriminalLevel | None = None
    """The criminal level on ICE's removal record (convictions up to the removal day: it can be
    higher than the LESC's level at the determination). Only with ``removed_on``."""

    def __post_init__(self) -> None:
        if self.level_at_removal is not None and self.removed_on is None:
            raise ValueError(
                f"level at removal {self.level_at_removal.value!r} given for a detainer choice "
                "without a removal (removed_on is None)"
            )


class DetainerRule(Protocol):
    def decide(
        self, response: ImmigrationResponse, tcn: str, at: dt.datetime
    ) -> DetainerChoice: ...


class NoRecordsStatusCheck:
    """A LESC with no access to immigration files: every match is undetermined."""

    def determine(self, query: ImmigrationQuery, tcn: str, at: dt.datetime) -> StatusFinding:
        del query, tcn, at
        return StatusFinding(
            ImmigrationStatus.UNDETERMINED, None, None, "undetermined", "no records system"
        )


class PriorityDetainerRule:
    """Detain removable people with a Level 1 or 2 conviction (I-247); nobody else."""

    def decide(self, response: ImmigrationResponse, tcn: str, at: dt.datetime) -> DetainerChoice:
        del tcn, at
        serious = response.level in (CriminalLevel.LEVEL_1, CriminalLevel.LEVEL_2)
        if response.removable and serious:
            return DetainerChoice("I-247", f"removable, {response.level}")
        return DetainerChoice(None, "not removable or no Level 1/2 conviction")
