"""LESC determinations, detainer rules per era and outcomes, on hand-built people."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scomm.domain import CriminalLevel, Severity
from scomm.sim.detainers import (
    DetainerCase,
    DetainerDecision,
    DetainerForm,
    Era,
    EraRules,
    historical_rules,
    i247_practice,
    pep_priorities,
)
from scomm.sim.lesc import LescDetermination, LescStatus, lesc_determination
from scomm.sim.outcomes import LiftReason
from scomm.sim.scenario import IceParams, ImmigrationStatus, Scenario, builtin_scenario
from scomm.sim.smallworld import WorldBuilder

UTC = dt.UTC
LEVELS = ("level_1", "level_2", "level_3", "non_criminal")


def _scenario(**values: Any) -> Scenario:
    return builtin_scenario("national-2008-2011").with_values(
        {f"ice.{k}": v for k, v in values.items()}, "test: outcome fixed in advance"
    )


def _ice(**values: Any) -> IceParams:
    return _scenario(**values).parameters.ice


CERTAIN = {
    "undetermined_probability": 0.0,
    "direct_custody_share": 0.0,
    "lea_decline_probability": 0.0,
    "i247_issue_probability": dict.fromkeys(LEVELS, 1.0),
    "removal_probability": dict.fromkeys(LEVELS, 1.0),
    "lift_reason_mix": {"Booked into Detention": 1.0},
}


def test_lesc_reads_true_status_unless_it_errs() -> None:
    exact = _ice(
        citizen_flagged_probability={"citizen": 0.0, "naturalized": 0.0},
        undetermined_probability=0.0,
    )
    assert (
        lesc_determination(ImmigrationStatus.NATURALIZED, exact, 0.5, 0.5).status
        is LescStatus.US_CITIZEN
    )
    assert (
        lesc_determination(ImmigrationStatus.OVERSTAY, exact, 0.5, 0.5).status
        is LescStatus.UNLAWFULLY_PRESENT
    )
    assert (
        lesc_determination(ImmigrationStatus.VISA_HOLDER, exact, 0.5, 0.5).status
        is LescStatus.NONIMMIGRANT
    )
    wrong = _ice(
        citizen_flagged_probability={"citizen": 1.0, "naturalized": 1.0},
        undetermined_probability=0.0,
    )
    naturalized = lesc_determination(ImmigrationStatus.NATURALIZED, wrong, 0.5, 0.5)
    assert naturalized.status is LescStatus.PERMANENT_RESIDENT and naturalized.citizen_flagged
    native = lesc_determination(ImmigrationStatus.CITIZEN, wrong, 0.5, 0.5)
    assert native.status is LescStatus.UNLAWFULLY_PRESENT and native.erroneous
    lpr = lesc_determination(ImmigrationStatus.PERMANENT_RESIDENT, wrong, 0.5, 0.5)
    assert not lpr.erroneous  # only citizens can be wrongly flagged
    unsure = _ice(undetermined_probability=1.0)
    assert (
        lesc_determination(ImmigrationStatus.OVERSTAY, unsure, 0.5, 0.5).status
        is LescStatus.UNDETERMINED
    )


def _case(
    status: LescStatus,
    level: CriminalLevel,
    day: dt.date,
    state: str = "TX",
    entry: dt.date | None = None,
    severity: Severity = Severity.MISDEMEANOR,
    u: float = 0.5,
) -> DetainerCase:
    at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return DetainerCase(
        LescDetermination(status, False, "test"), level, severity, state, at, entry, u
    )


def test_i247_practice_detains_removable_people_of_any_level() -> None:
    ice = _ice(**CERTAIN)
    rules = historical_rules()
    day = dt.date(2010, 5, 1)
    decision = rules.decide(
        _case(LescStatus.UNLAWFULLY_PRESENT, CriminalLevel.NON_CRIMINAL, day), ice
    )
    assert decision.form is DetainerForm.I247 and decision.era == "I-247 practice"
    assert not rules.decide(_case(LescStatus.US_CITIZEN, CriminalLevel.LEVEL_1, day), ice).issued
    # a lawful resident needs a serious conviction (or an "investigation")
    no_inv = _ice(**CERTAIN, i247_lawful_investigation_probability=0.0)
    assert not i247_practice(
        _case(LescStatus.PERMANENT_RESIDENT, CriminalLevel.LEVEL_3, day), no_inv
    ).issued
    assert i247_practice(
        _case(LescStatus.PERMANENT_RESIDENT, CriminalLevel.LEVEL_2, day), no_inv
    ).issued
    never = _ice(i247_issue_probability=dict.fromkeys(LEVELS, 0.0))
    assert not i247_practice(
        _case(LescStatus.UNLAWFULLY_PRESENT, CriminalLevel.LEVEL_1, day), never
    ).issued


def test_pep_from_2015_07_02_acts_on_priorities_only() -> None:
    ice, rules = _ice(**CERTAIN), historical_rules()
    before, after = dt.date(2015, 7, 1), dt.date(2015, 7, 2)
    nc = CriminalLevel.NON_CRIMINAL
    assert rules.decide(_case(LescStatus.UNLAWFULLY_PRESENT, nc, before), ice).issued
    assert not rules.decide(_case(LescStatus.UNLAWFULLY_PRESENT, nc, after), ice).issued
    recent = _case(LescStatus.UNLAWFULLY_PRESENT, nc, after, entry=dt.date(2014, 6, 1))
    assert rules.decide(recent, ice).form is DetainerForm.I247N
    assert (
        rules.decide(_case(LescStatus.UNLAWFULLY_PRESENT, CriminalLevel.LEVEL_1, after), ice).form
        is DetainerForm.I247N
    )
    final_order = _case(LescStatus.PREVIOUSLY_REMOVED, CriminalLevel.LEVEL_2, after)
    assert pep_priorities(final_order, ice).form is DetainerForm.I247D
    assert not pep_priorities(
        _case(LescStatus.PERMANENT_RESIDENT, CriminalLevel.LEVEL_3, after), ice
    ).issued
    # 2017: priorities withdrawn, I-247A from 2017-04-02
    assert (
        rules.decide(_case(LescStatus.UNLAWFULLY_PRESENT, nc, dt.date(2017, 2, 1)), ice).form
        is DetainerForm.I247
    )
    assert (
        rules.decide(_case(LescStatus.UNLAWFULLY_PRESENT, nc, dt.date(2017, 4, 2)), ice).form
        is DetainerForm.I247A
    )


def test_trust_act_limits_california_from_2014() -> None:
    ice, rules = _ice(**CERTAIN), historical_rules()
    level3 = CriminalLevel.LEVEL_3
    for state, day, declined in (
        ("CA", dt.date(2014, 1, 1), True),
        ("CA", dt.date(2013, 12, 31), False),
        ("TX", dt.date(2014, 1, 1), False),
    ):
        case = _case(LescStatus.UNLAWFULLY_PRESENT, level3, day, state=state)
        assert (rules.lea_decline(case, rules.decide(case, ice)) is not None) is declined, (
            state,
            day,
        )
    serious = _case(
        LescStatus.UNLAWFULLY_PRESENT, CriminalLevel.LEVEL_1, dt.date(2014, 2, 1), state="CA"
    )
    assert rules.lea_decline(serious, rules.decide(serious, ice)) is None
    violent_charge = _case(
        LescStatus.UNLAWFULLY_PRESENT,
        level3,
        dt.date(2014, 2, 1),
        "CA",
        severity=Severity.AGGRAVATED,
    )
    assert rules.lea_decline(violent_charge, rules.decide(violent_charge, ice)) is None


def test_era_rules_are_pluggable_and_checked() -> None:
    def nothing(case: DetainerCase, params: IceParams) -> Any:
        return pep_priorities(case, params)

    rules = EraRules((Era("custom", dt.date(2000, 1, 1), nothing),))
    ice = _ice(**CERTAIN)
    assert (
        rules.decide(
            _case(LescStatus.UNLAWFULLY_PRESENT, CriminalLevel.NON_CRIMINAL, dt.date(2009, 1, 1)),
            ice,
        ).era
        == "PEP"
    )
    with pytest.raises(ValueError, match="start order"):
        EraRules((Era("b", dt.date(2010, 1, 1), nothing), Era("a", dt.date(2009, 1, 1), nothing)))


def _one_person(
    scenario: Scenario,
    status: ImmigrationStatus,
    convictions: tuple[tuple[str, dt.date], ...] = (),
    offense: str = "5499",
    convicted_on: dt.date | None = None,
    state_fips: int = 48201,
):
    b = WorldBuilder(scenario)
    county = b.county(state_fips, jail_ori="TX1010000" if state_fips == 48201 else "CA0190000")
    pid = b.person(
        county=county, status=status, ident_on=dt.date(2005, 1, 1), convictions=convictions
    )
    row = b.booking(
        pid, dt.datetime(2010, 3, 1, 9, tzinfo=UTC), offense=offense, convicted_on=convicted_on
    )
    return b.build(), pid, row


def test_flagged_citizen_is_found_out_at_interview() -> None:
    s = _scenario(
        **CERTAIN,
        citizen_flagged_probability={"citizen": 1.0, "naturalized": 1.0},
        citizen_lift_probability=1.0,
    )
    world, pid, row = _one_person(s, ImmigrationStatus.CITIZEN)
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert out.decision.issued and out.disposition is LiftReason.US_CITIZEN_INTERVIEWED
    assert not out.taken_into_custody and not out.removed
    held = _scenario(
        **CERTAIN,
        citizen_flagged_probability={"citizen": 1.0, "naturalized": 1.0},
        citizen_lift_probability=0.0,
    )
    world, pid, row = _one_person(held, ImmigrationStatus.CITIZEN)
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert out.taken_into_custody and not out.removed  # a citizen is never removed


def test_removal_level_counts_the_conviction_for_the_current_arrest() -> None:
    s = _scenario(**CERTAIN, custody_lag_days=30.0)
    world, pid, row = _one_person(
        s,
        ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
        offense="1314",
        convicted_on=dt.date(2010, 3, 2),
    )
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert out.decision.issued and "Non-criminal" in out.decision.reason  # no conviction yet
    assert out.disposition is LiftReason.BOOKED_INTO_DETENTION
    assert out.removed and out.level_at_removal is CriminalLevel.LEVEL_1
    assert (
        out.custody_on is not None
        and out.removed_on is not None
        and out.removed_on > out.custody_on
    )


def test_lawful_resident_without_deportable_conviction_is_not_subject_to_deportation() -> None:
    s = _scenario(**CERTAIN, i247_lawful_investigation_probability=1.0)
    world, pid, row = _one_person(
        s, ImmigrationStatus.PERMANENT_RESIDENT, convictions=(("5404", dt.date(2005, 1, 1)),)
    )
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert out.disposition is LiftReason.NOT_SUBJECT_TO_DEPORTATION and not out.removed


def test_trust_act_declines_in_los_angeles_after_2014() -> None:
    s = _scenario(**CERTAIN)
    b = WorldBuilder(s)
    la = b.county(6037, jail_ori="CA0190000")
    pid = b.person(county=la, status=ImmigrationStatus.OVERSTAY, ident_on=dt.date(2006, 1, 1))
    row = b.booking(pid, dt.datetime(2014, 3, 1, 9, tzinfo=UTC))
    world = b.build()
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert out.disposition is LiftReason.DECLINED_BY_LEA and "TRUST Act" in out.why


def test_answers_do_not_depend_on_the_order_of_questions() -> None:
    s = builtin_scenario("national-2008-2011")
    world, pid, row = _one_person(s, ImmigrationStatus.OVERSTAY)
    at = world.booked_at(row)
    first = world.outcome(historical_rules(), pid, row, at)
    world.lesc_determination(pid, at, row)
    assert world.outcome(historical_rules(), pid, row, at) == first


def test_direct_custody_without_a_detainer() -> None:
    values = {**CERTAIN, "direct_custody_share": 1.0}
    s = _scenario(**values)
    world, pid, row = _one_person(s, ImmigrationStatus.OVERSTAY)
    out = world.outcome(historical_rules(), pid, row, world.booked_at(row))
    assert not out.decision.issued and out.decision.direct_custody
    assert out.disposition is None and out.taken_into_custody and out.removed
    with pytest.raises(ValueError, match="either a detainer or direct custody"):
        DetainerDecision(DetainerForm.I247, "x", "y", direct_custody=True)
