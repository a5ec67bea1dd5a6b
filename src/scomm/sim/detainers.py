"""Detainer decisions per era, and the limits some states put on honouring them.

Each era's practice is a plain function ``(case, params) -> DetainerDecision`` and each state
limit a function ``(case, decision) -> decline reason | None``; :class:`EraRules` says which
applies on which date, so a scenario can swap any of them. :func:`historical_rules` is the
real sequence: I-247 practice from the start of S-Comm, the Priority Enforcement Program from
2015-07-02, reinstated detainers from 2017-01-25 (form I-247A from 2017-04-02), and
California's TRUST Act from 2014-01-01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from scomm.domain import CriminalLevel, Severity
from scomm.sim.lesc import LescDetermination, LescStatus
from scomm.sim.scenario import IceParams


class DetainerForm(StrEnum):
    I247 = "I-247"  # Immigration Detainer - Notice of Action (2008-2015)
    I247D = "I-247D"  # PEP: Request for Voluntary Action
    I247N = "I-247N"  # PEP: Request for Voluntary Notification of Release
    I247A = "I-247A"  # from 2017-04-02


@dataclass(frozen=True, slots=True)
class DetainerCase:
    """What the field office knows when it decides: the IAR, the level, the booking."""

    determination: LescDetermination
    level: CriminalLevel  # by scomm.domain.classify_level, convictions as of ``at``
    charge_severity: Severity  # of the most serious current arrest charge
    state: str  # postal code of the booking agency
    at: dt.datetime
    entry_date: dt.date | None  # arrival in the US, when known
    u: float  # uniform draw for discretionary practice


@dataclass(frozen=True, slots=True)
class DetainerDecision:
    """ICE's decision: a detainer form, or custody taken directly at release (no detainer
    lodged: the jail hands the person over), or nothing."""

    form: DetainerForm | None
    reason: str
    era: str
    direct_custody: bool = False

    def __post_init__(self) -> None:
        if self.form is not None and self.direct_custody:
            raise ValueError("a decision is either a detainer or direct custody, not both")

    @property
    def issued(self) -> bool:
        """True when a detainer (or notification request) was lodged with the jail."""
        return self.form is not None

    @property
    def acts(self) -> bool:
        return self.issued or self.direct_custody


DetainerRule = Callable[[DetainerCase, IceParams], DetainerDecision]
LeaLimit = Callable[[DetainerCase, DetainerDecision], str | None]

_SERIOUS = (CriminalLevel.LEVEL_1, CriminalLevel.LEVEL_2)


def _discretionary(
    case: DetainerCase, params: IceParams, form: DetainerForm, era: str
) -> DetainerDecision:
    status, level = case.determination.status, case.level
    if status is LescStatus.US_CITIZEN:
        return DetainerDecision(None, "LESC: United States citizen", era)
    removable = status in (LescStatus.UNLAWFULLY_PRESENT, LescStatus.PREVIOUSLY_REMOVED) or (
        status.lawful and level in _SERIOUS
    )
    if removable:
        p = params.i247_issue_probability.value[level.value]
        why = f"removable ({status.value}), {level.label}"
        if case.u < p * params.direct_custody_share.value:
            return DetainerDecision(None, f"{why}: custody at release", era, direct_custody=True)
        if case.u < p:
            return DetainerDecision(form, why, era)
        return DetainerDecision(
            None, f"removable ({status.value}) but not pursued, {level.label}", era
        )
    if case.u < params.i247_lawful_investigation_probability.value:
        return DetainerDecision(
            form, f"investigation initiated ({status.value}), {level.label}", era
        )
    return DetainerDecision(None, f"not amenable to removal ({status.value}), {level.label}", era)


def i247_practice(case: DetainerCase, params: IceParams) -> DetainerDecision:
    """2008-2015: an I-247 for anyone removable, at a rate by level (ICE's priorities were
    stated but, as the 47.7% without conviction among detainees shows, loosely applied)."""
    return _discretionary(case, params, DetainerForm.I247, "I-247 practice")


def reinstated_2017(case: DetainerCase, params: IceParams) -> DetainerDecision:
    """From 2017-01-25 (EO 13768): priorities withdrawn; I-247A from 2017-04-02."""
    form = DetainerForm.I247A if case.at.date() >= dt.date(2017, 4, 2) else DetainerForm.I247
    return _discretionary(case, params, form, "reinstated 2017")


RECENT_ENTRY = dt.date(2014, 1, 1)


def pep_priorities(case: DetainerCase, params: IceParams) -> DetainerDecision:
    """Priority Enforcement Program (2014-11-20 memo, in force 2015-07-02).

    Priority 1: Level 1 (aggravated felony, felony); priority 2: Level 2 (significant or three
    misdemeanors) or entry after 2014-01-01. A detainer (I-247D) only with a final order of
    removal (previously removed); otherwise a request for notification (I-247N). Everyone else:
    nothing. No discretion is drawn: PEP was a written list.
    """
    era = "PEP"
    status, level = case.determination.status, case.level
    if status in (LescStatus.US_CITIZEN, LescStatus.UNDETERMINED):
        return DetainerDecision(None, f"PEP: status {status.value}", era)
    recent = not status.lawful and case.entry_date is not None and case.entry_date >= RECENT_ENTRY
    if level is CriminalLevel.LEVEL_1:
        priority = "priority 1 (Level 1)"
    elif level is CriminalLevel.LEVEL_2:
        priority = "priority 2 (Level 2)"
    elif recent:
        priority = "priority 2 (entered after 2014-01-01)"
    else:
        return DetainerDecision(None, f"PEP: not a priority, {level.label}", era)
    if status.lawful and level not in _SERIOUS:
        return DetainerDecision(None, f"PEP: lawful status, {level.label}", era)
    if status is LescStatus.PREVIOUSLY_REMOVED:
        return DetainerDecision(DetainerForm.I247D, f"PEP {priority}, final order", era)
    return DetainerDecision(DetainerForm.I247N, f"PEP {priority}", era)


def trust_act(case: DetainerCase, decision: DetainerDecision) -> str | None:
    """California TRUST Act (AB 4, 2014-01-01): hold only for a serious or violent felony
    conviction (modelled as Level 1 or 2) or a current charge of that class."""
    if not decision.issued or decision.form is DetainerForm.I247N:
        return None
    if case.level in _SERIOUS or case.charge_severity is Severity.AGGRAVATED:
        return None
    return f"TRUST Act: no qualifying conviction ({case.level.label})"


@dataclass(frozen=True, slots=True)
class Era:
    name: str
    start: dt.date
    rule: DetainerRule


@dataclass(frozen=True, slots=True)
class StateLimit:
    name: str
    state: str
    start: dt.date
    limit: LeaLimit


@dataclass(frozen=True, slots=True)
class EraRules:
    """Which rule applies when: eras in start order, and state limits on honouring."""

    eras: tuple[Era, ...]
    state_limits: tuple[StateLimit, ...] = ()

    def __post_init__(self) -> None:
        if not self.eras:
            raise ValueError("EraRules needs at least one era")
        starts = [e.start for e in self.eras]
        if starts != sorted(starts):
            raise ValueError(f"eras must be in start order, got {starts}")

    def era_at(self, day: dt.date) -> Era:
        current = self.eras[0]
        for era in self.eras:
            if era.start <= day:
                current = era
        return current

    def decide(self, case: DetainerCase, params: IceParams) -> DetainerDecision:
        return self.era_at(case.at.date()).rule(case, params)

    def lea_decline(self, case: DetainerCase, decision: DetainerDecision) -> str | None:
        """Why the booking agency will not honour the decision, if a state limit says so."""
        day = case.at.date()
        for limit in self.state_limits:
            if limit.state == case.state and limit.start <= day:
                reason = limit.limit(case, decision)
                if reason is not None:
                    return reason
        return None


def historical_rules() -> EraRules:
    return EraRules(
        eras=(
            Era("I-247 practice", dt.date(2008, 1, 1), i247_practice),
            Era("PEP", dt.date(2015, 7, 2), pep_priorities),
            Era("reinstated 2017", dt.date(2017, 1, 25), reinstated_2017),
        ),
        state_limits=(StateLimit("TRUST Act", "CA", dt.date(2014, 1, 1), trust_act),),
    )
