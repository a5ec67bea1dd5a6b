"""Hand-built worlds through the real pipeline: every outcome known, exact report rows.

Three people, three policies on the same world:
- a naturalized US citizen with an IDENT record (a 2003 visa) booked in Harris County (active
  since 2008-10-27): matched, an IAQ sent, the LESC flags them as the model says (here: always),
  an I-247 that is lifted once an interview shows citizenship;
- a domestic-violence victim in IDENT, booked in Harris County: referred to ICE under
  ``historical``, never under ``conviction-gated`` (the refusal names the victim rule);
- a Level-1 person (a 2005 homicide conviction) unlawfully present, booked 2011-01-15 by the San
  Francisco sheriff (CA0380000): searched and removed under ``historical``, never searched under
  ``ori-deactivation`` (the ORI deactivated from 2010-10-01).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from scomm.domain import CriminalLevel
from scomm.ledger import Ledger
from scomm.policy import preset
from scomm.reports import MEASURES, Outcomes, Report, build_report, totals
from scomm.sim.registered import replay_in_process
from scomm.sim.scenario import ImmigrationStatus, builtin_scenario
from scomm.sim.smallworld import WorldBuilder
from scomm.sim.world import World
from scomm.store.outcome_tables import BookingOutcome

UTC = dt.UTC
LEVELS = [level.value for level in CriminalLevel]
CERTAIN = {
    "ice.citizen_flagged_probability": {"citizen": 1.0, "naturalized": 1.0},
    "ice.citizen_lift_probability": 1.0,
    "ice.undetermined_probability": 0.0,
    "ice.direct_custody_share": 0.0,
    "ice.lea_decline_probability": 0.0,
    "ice.i247_issue_probability": dict.fromkeys(LEVELS, 1.0),
    "ice.removal_probability": dict.fromkeys(LEVELS, 1.0),
    "ice.lift_reason_mix": {"Booked into Detention": 1.0},
}
NO_ERRORS = {"cjis": {"fnir": 0.0, "fpir": 0.0}, "ident": {"fnir": 0.0, "fpir": 0.0}}
POLICIES = ("historical", "conviction-gated", "ori-deactivation")


def certain_builder() -> WorldBuilder:
    """A world builder whose ICE side is fixed in advance (``CERTAIN``)."""
    scenario = builtin_scenario("national-2008-2011").with_values(
        CERTAIN, "test: ICE's side fixed in advance"
    )
    return WorldBuilder(scenario)


def known_world() -> tuple[World, dict[str, int]]:
    b = certain_builder()
    harris = b.county(48201, jail_ori="TX1010000")
    sf = b.county(6075, jail_ori="CA0380000")
    citizen = b.person(
        county=harris, status=ImmigrationStatus.NATURALIZED, ident_on=dt.date(2003, 5, 1)
    )
    victim = b.person(
        county=harris,
        status=ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
        male=False,
        hispanic=True,
        ident_on=dt.date(2007, 2, 1),
    )
    level_1 = b.person(
        county=sf,
        status=ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
        ident_on=dt.date(2001, 8, 1),
        convictions=[("0911", dt.date(2005, 4, 1))],
    )
    rows = {
        "citizen": b.booking(citizen, dt.datetime(2009, 3, 2, 10, tzinfo=UTC), offense="5404"),
        "victim": b.booking(
            victim,
            dt.datetime(2009, 6, 1, 22, tzinfo=UTC),
            offense="1313",
            domestic_violence_victim=True,
        ),
        "level_1": b.booking(level_1, dt.datetime(2011, 1, 15, 4, tzinfo=UTC), offense="5404"),
    }
    return b.build(), rows


def replay_known(
    name: str, made: tuple[World, dict[str, int]], policies: tuple[str, ...], root: Path
) -> dict[str, Any]:
    """Replay a hand-built world under each policy; its rows, store and reports."""
    world, rows = made
    engine = replay_in_process(name, world, root, policies, error_rates=NO_ERRORS)
    reports = {p: build_report(Outcomes.load(engine, p)) for p in policies}
    return {"world": world, "rows": rows, "engine": engine, "root": root, "reports": reports}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return replay_known("known", known_world(), POLICIES, tmp_path_factory.mktemp("known"))


def county_rows(report: Report) -> dict[str, dict[str, int]]:
    table = report.table("by_county")
    return {
        str(row[1]): dict(zip(MEASURES, (int(v) for v in row[2:]), strict=True))
        for row in table.rows
    }


def counts(**nonzero: int) -> dict[str, int]:
    return {m: nonzero.get(m, 0) for m in MEASURES}


def row_of(engine: Engine, run_id: str, world: World, row: int) -> Any:
    tcn = world.booking(row).tcn.value
    with engine.connect() as conn:
        return conn.execute(
            select(BookingOutcome.__table__).where(
                BookingOutcome.run_id == run_id, BookingOutcome.tcn == tcn
            )
        ).one()


ALL_THROUGH = ("submissions", "ident_matches", "iaqs", "detainers", "book_ins", "removals")


def test_historical_rows_are_exactly_the_known_outcomes(replayed: dict[str, Any]) -> None:
    by_county = county_rows(replayed["reports"]["historical"])
    # Harris: the citizen (matched, flagged, detainer lifted at interview) and the victim
    # (matched, detainer, custody, removed with no conviction).
    assert by_county["48201"] == counts(
        submissions=2, ident_matches=2, iaqs=2, detainers=2, book_ins=1, removals=1,
        removed_non_criminal=1,
    )  # fmt: skip
    assert by_county["06075"] == counts(**dict.fromkeys(ALL_THROUGH, 1), removed_level_1=1)


def test_the_citizen_is_matched_and_flagged_as_the_model_says(replayed: dict[str, Any]) -> None:
    world, rows, engine = replayed["world"], replayed["rows"], replayed["engine"]
    row = rows["citizen"]
    outcome = row_of(engine, "historical", world, row)
    person = world.booking(row).person
    expected = world.lesc_determination(person, world.booked_at(row), row)
    assert expected.erroneous  # the model flags this citizen (probability 1 here)
    assert outcome.truth_status == "naturalized"
    assert outcome.cjis_result == "N"  # no FBI record before
    assert (outcome.ident_searched, outcome.ident_match, outcome.iaq_sent) == (True, True, True)
    assert outcome.lesc_status == expected.status.value
    assert outcome.detainer_issued and outcome.detainer_form == "I-247"
    assert outcome.lift_reason == "United States Citizen Interviewed"
    assert not outcome.booked_into_ice and not outcome.removed
    lines = {h.key: h.value for h in replayed["reports"]["historical"].headlines}
    assert lines["citizens_flagged"] == 1


def test_conviction_gated_never_refers_the_victim(replayed: dict[str, Any]) -> None:
    world, rows, engine = replayed["world"], replayed["rows"], replayed["engine"]
    gated = row_of(engine, "conviction-gated", world, rows["victim"])
    assert gated.submitted and not gated.ident_searched and not gated.iaq_sent
    assert not gated.detainer_issued and not gated.removed
    headlines = {p: {h.key: h.value for h in r.headlines} for p, r in replayed["reports"].items()}
    assert headlines["historical"]["victims_referred"] == 1
    assert headlines["conviction-gated"]["victims_referred"] == 0
    ledger = Ledger(engine, replayed["root"] / "keys", migrate=False)
    refused = [
        r.event
        for r in ledger.entries_for_tcn(gated.tcn)
        if r.event.recipient == "DHS-IDENT" and r.event.policy_hash != ""
    ]
    gated_refusals = [e for e in refused if not e.allowed]
    assert gated_refusals and all(not e.allowed for e in gated_refusals)
    # A domestic-violence victim is a crime victim too: either victim rule may be the one cited
    # (the preset's priorities pick protect-crime-victims).
    victim_rules = {"protect-victims", "protect-crime-victims"}
    assert any(victim_rules & set(e.rule_ids) for e in gated_refusals)
    # Under conviction-gated nothing reaches IDENT: none of these charges ends in a conviction
    # (tests/agencies/test_disposition.py follows convictions).
    assert county_rows(replayed["reports"]["conviction-gated"]) == {
        "48201": counts(submissions=2),
        "06075": counts(submissions=1),
    }


def test_deactivated_ori_sends_no_search(replayed: dict[str, Any]) -> None:
    world, rows, engine = replayed["world"], replayed["rows"], replayed["engine"]
    row = rows["level_1"]
    assert world.level(world.booking(row).person, dt.date(2011, 1, 15)) is CriminalLevel.LEVEL_1
    historical = row_of(engine, "historical", world, row)
    deactivated = row_of(engine, "ori-deactivation", world, row)
    assert historical.ident_match and historical.criminal_level == "level_1"
    assert historical.removed
    assert deactivated.submitted and deactivated.cjis_result == "I"
    assert not deactivated.ident_searched and not deactivated.ident_match
    by_county = county_rows(replayed["reports"]["ori-deactivation"])
    assert by_county["06075"] == counts(submissions=1)
    assert by_county["48201"] == county_rows(replayed["reports"]["historical"])["48201"]


def test_totals_add_up_in_every_run(replayed: dict[str, Any]) -> None:
    for report in replayed["reports"].values():
        check_totals_add_up(report)


def check_totals_add_up(report: Report) -> None:
    """by level = removals; by month = by state = by county = national."""
    national = {m: round(v) for m, v in totals(report.outcomes).items()}
    for name in ("by_month", "by_state", "by_county"):
        table = report.table(name)
        summed = {m: sum(int(v) for v in table.column(m)) for m in MEASURES}
        assert summed == national, name
    levels = [m for m in MEASURES if m.startswith("removed_")]
    assert sum(national[m] for m in levels) == national["removals"]


def test_the_report_of_a_known_run_is_written(replayed: dict[str, Any], tmp_path: Path) -> None:
    from scomm.reports import write_report

    path = write_report(replayed["reports"]["ori-deactivation"], tmp_path)
    assert path.exists() and (tmp_path / "csv" / "by_county.csv").read_text().count("\n") == 3


# --- a second known world: crime victims and witnesses with convictions, the level on ICE's
# removal record, and California's TRUST Act ---------------------------------------------------


def ice_world() -> tuple[World, dict[str, int]]:
    """Everyone unlawfully present and in IDENT; ICE's side certain (``CERTAIN``)."""
    b = certain_builder()
    harris = b.county(48201, jail_ori="TX1010000")
    la = b.county(6037, jail_ori="CA0190000")

    def person(county: int, **kw: Any) -> str:
        return b.person(
            county=county, status=ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
            ident_on=dt.date(2006, 1, 1), **kw,
        )  # fmt: skip

    def at(y: int, m: int, d: int) -> dt.datetime:
        return dt.datetime(y, m, d, 10, tzinfo=UTC)

    rows = {
        # convicted of a misdemeanor (simple assault) the day after the booking
        "victim": b.booking(
            person(harris), at(2009, 4, 1), offense="1313", victim=True,
            convicted_on=dt.date(2009, 4, 2),
        ),
        "witness": b.booking(
            person(harris), at(2009, 5, 1), offense="1313", witness=True,
            convicted_on=dt.date(2009, 5, 2),
        ),
        "convicted": b.booking(
            person(harris), at(2009, 6, 1), offense="1313", convicted_on=dt.date(2009, 6, 2)
        ),
        # Los Angeles: no conviction, a traffic charge, before and after the TRUST Act
        "ca_2013": b.booking(person(la), at(2013, 12, 2), offense="5404"),
        "ca_2014": b.booking(person(la), at(2014, 2, 3), offense="5404"),
        "ca_level_1": b.booking(
            person(la, convictions=[("0911", dt.date(2005, 4, 1))]), at(2014, 3, 3),
            offense="5404",
        ),
    }  # fmt: skip
    return b.build(), rows


ICE_POLICIES = ("historical", "conviction-gated")


@pytest.fixture(scope="module")
def ice_replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return replay_known("ice", ice_world(), ICE_POLICIES, tmp_path_factory.mktemp("ice"))


def test_victims_and_witnesses_reach_the_policy(ice_replayed: dict[str, Any]) -> None:
    """Under conviction-gated the conviction would send the prints to IDENT; for the crime
    victim and the witness the gate refuses, naming the rule; the third convicted person is
    searched on the disposition and removed."""
    world, rows, engine = ice_replayed["world"], ice_replayed["rows"], ice_replayed["engine"]
    ledger = Ledger(engine, ice_replayed["root"] / "keys", migrate=False)
    gated_hash = preset("conviction-gated").policy_hash  # both runs share the TCNs
    for name, rule in (("victim", "protect-crime-victims"), ("witness", "protect-witnesses")):
        gated = row_of(engine, "conviction-gated", world, rows[name])
        assert getattr(gated, name) is True
        assert gated.submitted and not gated.ident_searched and not gated.iaq_sent, name
        to_ident = [
            r.event
            for r in ledger.entries_for_tcn(gated.tcn)
            if r.event.recipient == "DHS-IDENT" and r.event.policy_hash == gated_hash
        ]
        assert to_ident and not any(e.allowed for e in to_ident), name
        assert any(rule in e.rule_ids for e in to_ident), name
        historical = row_of(engine, "historical", world, rows[name])
        assert historical.iaq_sent and historical.removed, name  # at the arrest, no safeguard
    control = row_of(engine, "conviction-gated", world, rows["convicted"])
    assert control.ident_match and control.iaq_sent and control.removed
    lines = {p: {h.key: h.value for h in r.headlines} for p, r in ice_replayed["reports"].items()}
    assert lines["historical"]["victims_referred"] == 1
    assert lines["historical"]["witnesses_referred"] == 1
    assert lines["conviction-gated"]["victims_referred"] == 0
    assert lines["conviction-gated"]["witnesses_referred"] == 0
    texts = {h.key: h.text for h in ice_replayed["reports"]["historical"].headlines}
    assert (
        "Crime victims booked: 1 (domestic violence: 0); referred to ICE"
        in texts["victims_referred"]
    )


def test_the_field_office_records_the_level_at_removal(ice_replayed: dict[str, Any]) -> None:
    """Under historical the prints go at the arrest: the LESC sees no conviction; the
    misdemeanor conviction the next day is on the removal record (Level 3), and the report
    counts the removal under it. Under conviction-gated the LESC already sees it."""
    world, rows, engine = ice_replayed["world"], ice_replayed["rows"], ice_replayed["engine"]
    for name in ("victim", "witness", "convicted"):
        row = row_of(engine, "historical", world, rows[name])
        assert row.criminal_level == "non_criminal", name
        assert row.removed and row.level_at_removal == "level_3", name
        person = world.booking(rows[name]).person
        assert world.level(person, row.removed_on) is CriminalLevel.LEVEL_3
    gated = row_of(engine, "conviction-gated", world, rows["convicted"])
    assert (gated.criminal_level, gated.level_at_removal) == ("level_3", "level_3")
    not_removed = row_of(engine, "historical", world, rows["ca_2014"])
    assert not_removed.level_at_removal is None
    assert county_rows(ice_replayed["reports"]["historical"])["48201"] == counts(
        **dict.fromkeys(ALL_THROUGH, 3), removed_level_3=3
    )


def test_trust_act_declines_detainers_in_california_from_2014(
    ice_replayed: dict[str, Any],
) -> None:
    """Los Angeles honours the detainer of a non-criminal booked in December 2013, declines
    it from 2014-01-01 (TRUST Act), and still honours it for a Level-1 person."""
    world, rows, engine = ice_replayed["world"], ice_replayed["rows"], ice_replayed["engine"]
    before = row_of(engine, "historical", world, rows["ca_2013"])
    after = row_of(engine, "historical", world, rows["ca_2014"])
    level_1 = row_of(engine, "historical", world, rows["ca_level_1"])
    assert before.detainer_issued and before.removed and before.level_at_removal == "non_criminal"
    assert after.detainer_issued and after.lift_reason == "Detainer Declined by LEA"
    assert not after.booked_into_ice and not after.removed
    assert level_1.detainer_issued and level_1.removed and level_1.level_at_removal == "level_1"
    report = ice_replayed["reports"]["historical"]
    assert county_rows(report)["06037"] == counts(
        submissions=3, ident_matches=3, iaqs=3, detainers=3, book_ins=2, removals=2,
        removed_level_1=1, removed_non_criminal=1,
    )  # fmt: skip
    declined = dict(report.table("lift_reasons").rows)
    assert declined["Detainer Declined by LEA"] == 1


def test_totals_add_up_in_the_second_world(ice_replayed: dict[str, Any]) -> None:
    for report in ice_replayed["reports"].values():
        check_totals_add_up(report)
