"""What happens after a detainer: lifted (and why), booked into ICE custody, removed.

The dispositions are exactly the lift-reason categories of ICE's detainer records (as
released under FOIA). Three are decided by the model, not drawn: "United States Citizen
Interviewed" (a flagged citizen is found out),
"Alien Not Subject to Deportation" (a lawful resident without a deportable conviction) and
"Detainer Declined by LEA" (a state limit such as the TRUST Act, or the agency's own refusal).
The rest are drawn from ``lift_reason_mix``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from scomm.domain import CriminalLevel
from scomm.sim.detainers import DetainerCase, DetainerDecision
from scomm.sim.scenario import IceParams


class LiftReason(StrEnum):
    """A detainer's disposition, as in ICE's records (one of them is the book-in itself)."""

    BOOKED_INTO_DETENTION = "Booked into Detention"
    LIFTED = "Lifted"
    CASE_CLOSED = "Case Closed"
    DECLINED_BY_LEA = "Detainer Declined by LEA"
    TRANSFERRED = "Transferred"
    EARLY_RELEASE = "Early Release"
    PROSECUTORIAL_DISCRETION = "Prosecutorial Discretion"
    NOT_SUBJECT_TO_DEPORTATION = "Alien Not Subject to Deportation"
    US_CITIZEN_INTERVIEWED = "United States Citizen Interviewed"
    LACK_OF_FUNDS = "Lifted - Lack of Funds"
    DIED = "Died"
    LACK_OF_SPACE = "Lifted - Lack of Space"


@dataclass(frozen=True, slots=True)
class OutcomeDraws:
    """The uniforms an outcome needs (from :mod:`scomm.sim.draws`)."""

    decline: float
    citizen: float
    lift: float
    removal: float
    custody_lag: float
    removal_lag: float


@dataclass(frozen=True, slots=True)
class IceOutcome:
    decision: DetainerDecision
    disposition: LiftReason | None  # None: no detainer was lodged
    why: str
    custody_on: dt.date | None
    removed_on: dt.date | None
    level_at_removal: CriminalLevel | None

    @property
    def taken_into_custody(self) -> bool:
        return self.custody_on is not None

    @property
    def removed(self) -> bool:
        return self.removed_on is not None


def _exp_days(mean: float, u: float) -> int:
    return 1 + int(-mean * math.log1p(-u))


def _draw_reason(mix: dict[str, float], u: float) -> LiftReason:
    total = 0.0
    for name, share in mix.items():
        total += share
        if u < total:
            return LiftReason(name)
    return LiftReason(next(reversed(mix)))


def outcome(
    case: DetainerCase,
    decision: DetainerDecision,
    lea_decline: str | None,
    params: IceParams,
    draws: OutcomeDraws,
    level_on: Callable[[dt.date], CriminalLevel],
) -> IceOutcome:
    """Follow one decision to its end. ``level_on(day)`` gives the person's level on a day
    (convictions accrue while the case runs, so the level at removal can be higher)."""
    day = case.at.date()

    def lifted(reason: LiftReason, why: str) -> IceOutcome:
        return IceOutcome(decision, reason, why, None, None, None)

    if not decision.acts:
        return IceOutcome(decision, None, decision.reason, None, None, None)
    determination = case.determination
    citizen = determination.erroneous
    if decision.direct_custody:
        if citizen and draws.citizen < params.citizen_lift_probability.value:
            return IceOutcome(decision, None, "interview showed US citizenship", None, None, None)
        return _custody(decision, None, day, case, params, draws, level_on)
    if lea_decline is not None:
        return lifted(LiftReason.DECLINED_BY_LEA, lea_decline)
    if draws.decline < params.lea_decline_probability.value:
        return lifted(LiftReason.DECLINED_BY_LEA, "agency declined to honour the detainer")
    if citizen and draws.citizen < params.citizen_lift_probability.value:
        return lifted(LiftReason.US_CITIZEN_INTERVIEWED, "interview showed US citizenship")
    lawful = determination.status.lawful
    if lawful and case.level not in (CriminalLevel.LEVEL_1, CriminalLevel.LEVEL_2):
        return lifted(
            LiftReason.NOT_SUBJECT_TO_DEPORTATION, "lawful status, no deportable conviction"
        )
    reason = _draw_reason(params.lift_reason_mix.value, draws.lift)
    if reason is not LiftReason.BOOKED_INTO_DETENTION:
        return lifted(reason, f"detainer disposition: {reason.value}")
    return _custody(decision, reason, day, case, params, draws, level_on)


def _custody(
    decision: DetainerDecision,
    reason: LiftReason | None,
    day: dt.date,
    case: DetainerCase,
    params: IceParams,
    draws: OutcomeDraws,
    level_on: Callable[[dt.date], CriminalLevel],
) -> IceOutcome:
    """In ICE custody after the lag; removed with the probability for the level by then."""
    citizen, lawful = case.determination.erroneous, case.determination.status.lawful
    custody = day + dt.timedelta(days=_exp_days(params.custody_lag_days.value, draws.custody_lag))
    level = level_on(custody)
    p_remove = params.removal_probability.value[level.value]
    if lawful:
        p_remove *= params.lawful_removal_factor.value
    if citizen or draws.removal >= p_remove:
        why = "citizen held, released" if citizen else f"in custody, not removed ({level.label})"
        return IceOutcome(decision, reason, why, custody, None, None)
    removed = custody + dt.timedelta(
        days=_exp_days(params.removal_lag_days.value, draws.removal_lag)
    )
    final = level_on(removed)
    return IceOutcome(decision, reason, f"removed ({final.label})", custody, removed, final)
