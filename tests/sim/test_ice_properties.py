"""Properties of the ICE side that must hold for every case, era and draw."""

from __future__ import annotations

import datetime as dt
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import CriminalLevel, Severity
from scomm.sim.detainers import DetainerCase, DetainerForm, historical_rules
from scomm.sim.lesc import LescDetermination, LescStatus
from scomm.sim.outcomes import LiftReason, OutcomeDraws, outcome
from scomm.sim.scenario import IceParams, builtin_scenario

unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@cache
def params() -> IceParams:
    return builtin_scenario("national-2008-2011").parameters.ice


@st.composite
def cases(draw: st.DrawFn) -> DetainerCase:
    status = draw(st.sampled_from(list(LescStatus)))
    erroneous = status is not LescStatus.US_CITIZEN and draw(st.booleans())
    day = draw(st.dates(dt.date(2008, 10, 27), dt.date(2019, 12, 31)))
    entry = draw(st.none() | st.dates(dt.date(1980, 1, 1), day))
    return DetainerCase(
        determination=LescDetermination(status, erroneous, "property test"),
        level=draw(st.sampled_from(list(CriminalLevel))),
        charge_severity=draw(st.sampled_from(list(Severity))),
        state=draw(st.sampled_from(["CA", "TX", "NY", "IL"])),
        at=dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC),
        entry_date=entry,
        u=draw(unit),
    )


@settings(max_examples=400, deadline=None)
@given(cases(), st.builds(OutcomeDraws, unit, unit, unit, unit, unit, unit))
def test_decisions_and_outcomes_are_consistent(case: DetainerCase, draws: OutcomeDraws) -> None:
    rules = historical_rules()
    decision = rules.decide(case, params())
    status, level, day = case.determination.status, case.level, case.at.date()
    if status is LescStatus.US_CITIZEN:
        assert not decision.acts
    if day >= dt.date(2015, 7, 2) and day < dt.date(2017, 1, 25):
        assert decision.form in (None, DetainerForm.I247D, DetainerForm.I247N)
        assert not decision.direct_custody
        recent = case.entry_date is not None and case.entry_date >= dt.date(2014, 1, 1)
        if level in (CriminalLevel.LEVEL_3, CriminalLevel.NON_CRIMINAL) and not recent:
            assert not decision.issued  # not a PEP priority
    decline = rules.lea_decline(case, decision)
    if decline is not None:
        assert case.state == "CA" and day >= dt.date(2014, 1, 1)
        assert level not in (CriminalLevel.LEVEL_1, CriminalLevel.LEVEL_2)
    result = outcome(case, decision, decline, params(), draws, lambda _: level)
    assert (result.disposition is not None) == decision.issued
    if result.removed:
        assert result.custody_on is not None and result.removed_on is not None
        assert day < result.custody_on < result.removed_on
        assert not case.determination.erroneous  # a citizen is never removed
        assert result.level_at_removal is level
    if result.taken_into_custody and decision.issued:
        assert result.disposition is LiftReason.BOOKED_INTO_DETENTION
    if decline is not None:
        assert result.disposition is LiftReason.DECLINED_BY_LEA and not result.taken_into_custody
