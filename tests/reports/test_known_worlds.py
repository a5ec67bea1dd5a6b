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

from scomm.agencies import RunContexts, StageRunner, enter_bookings, open_run
from scomm.agencies.runner import PipelineWorker
from scomm.domain import CriminalLevel
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.reports import MEASURES, Outcomes, Report, build_report, totals
from scomm.sim.registered import REGISTERED_SERVICES, register_world
from scomm.sim.replay import enrol, intakes
from scomm.sim.scenario import ImmigrationStatus, builtin_scenario
from scomm.sim.smallworld import WorldBuilder
from scomm.sim.world import World
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head
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


def known_world() -> tuple[World, dict[str, int]]:
    scenario = builtin_scenario("national-2008-2011").with_values(
        CERTAIN, "test: ICE's side fixed in advance"
    )
    b = WorldBuilder(scenario)
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


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    world, rows = known_world()
    register_world("known", world)
    root = tmp_path_factory.mktemp("known")
    enrol(world, root / "galleries" / "known", min_subjects=50)
    engine = make_engine(f"sqlite:///{root / 'scomm.db'}")
    upgrade_to_head(engine)
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    parameters = {
        "registered_world": "known", "galleries": "known", "services": REGISTERED_SERVICES,
        "error_rates": NO_ERRORS,
    }  # fmt: skip
    for policy in POLICIES:
        open_run(engine, policy, policy=policy, mode="oracle", seed=1, parameters=parameters)
        with transaction(engine) as session:
            items = list(intakes(world, sorted(rows.values())))
            enter_bookings(session, channel, policy, items, registry)
    contexts = RunContexts(channel, root, registry)
    result = PipelineWorker(StageRunner(channel, contexts, registry), batch_size=20).run()
    assert result.dead == 0 and channel.pending() == 0
    reports = {p: build_report(Outcomes.load(engine, p)) for p in POLICIES}
    return {"world": world, "rows": rows, "engine": engine, "root": root, "reports": reports}


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
    assert any("protect-victims" in e.rule_ids for e in gated_refusals)
    # Under conviction-gated nothing reaches IDENT at all: no conviction is known at booking.
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
