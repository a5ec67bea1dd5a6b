"""A conviction is its own event: the court's disposition reaches CJIS, which asks the gate for
the IDENT search as of the conviction, with the conviction known.

A hand-built world, replayed under ``historical`` and ``conviction-gated``:
- a noncitizen in IDENT, booked in Harris County (active since 2008-10-27) on 2009-03-02 and
  convicted on 2009-05-20: under ``conviction-gated`` refused at the arrest, searched (and
  referred on) only as of the conviction; under ``historical`` searched once, at the arrest;
- a domestic-violence victim in IDENT, also convicted: never referred under ``conviction-gated``;
- a noncitizen booked in San Francisco before its activation (2010-06-08) and convicted after
  it: never searched under ``historical`` (prints went at booking or never), searched on the
  conviction under ``conviction-gated``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select

from scomm.agencies.actors import disposition_time
from scomm.ledger import DisclosureEvent, Ledger
from scomm.policy import preset
from scomm.sim.registered import replay_in_process
from scomm.sim.replay import intakes
from scomm.sim.scenario import ImmigrationStatus
from scomm.sim.smallworld import WorldBuilder
from scomm.sim.world import World
from scomm.store.outcome_tables import BookingOutcome
from scomm.store.work_tables import ProcessedRecord

UTC = dt.UTC
POLICIES = ("historical", "conviction-gated")
NO_ERRORS = {"cjis": {"fnir": 0.0, "fpir": 0.0}, "ident": {"fnir": 0.0, "fpir": 0.0}}
BOOKED = dt.datetime(2009, 3, 2, 10, tzinfo=UTC)
CONVICTED = dt.date(2009, 5, 20)
EWI = ImmigrationStatus.ENTERED_WITHOUT_INSPECTION


def convicted_world() -> tuple[World, dict[str, int]]:
    b = WorldBuilder()
    harris = b.county(48201, jail_ori="TX1010000")
    sf = b.county(6075, jail_ori="CA0380000")
    noncitizen = b.person(county=harris, status=EWI, ident_on=dt.date(2004, 1, 5))
    victim = b.person(county=harris, status=EWI, male=False, ident_on=dt.date(2006, 7, 1))
    early = b.person(county=sf, status=EWI, ident_on=dt.date(2005, 2, 1))
    rows = {
        "convicted": b.booking(noncitizen, BOOKED, offense="2299", convicted_on=CONVICTED),
        "victim": b.booking(
            victim,
            dt.datetime(2009, 6, 1, 22, tzinfo=UTC),
            offense="1313",
            domestic_violence_victim=True,
            convicted_on=dt.date(2009, 9, 1),
        ),
        "early": b.booking(
            early,
            dt.datetime(2010, 2, 1, 9, tzinfo=UTC),
            offense="2299",
            convicted_on=dt.date(2010, 9, 15),
        ),
    }
    return b.build(), rows


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    world, rows = convicted_world()
    assert all(item.disposition is not None for item in intakes(world, list(rows.values())))
    root = tmp_path_factory.mktemp("convicted")
    engine = replay_in_process("convicted", world, root, POLICIES, error_rates=NO_ERRORS)
    ledger = Ledger(engine, root / "keys", migrate=False)
    assert ledger.verify().problem_count == 0
    return {"world": world, "rows": rows, "engine": engine, "ledger": ledger}


def outcome(replayed: dict[str, Any], run_id: str, name: str) -> Any:
    tcn = replayed["world"].booking(replayed["rows"][name]).tcn.value
    engine: Engine = replayed["engine"]
    with engine.connect() as conn:
        return conn.execute(
            select(BookingOutcome.__table__).where(
                BookingOutcome.run_id == run_id, BookingOutcome.tcn == tcn
            )
        ).one()


def entries(replayed: dict[str, Any], run_id: str, name: str, recipient: str) -> list[Any]:
    """Ledger entries of one run's booking to ``recipient``, in time order (both runs share
    the ledger and the TCNs: each run's entries carry its policy's hash)."""
    tcn = replayed["world"].booking(replayed["rows"][name]).tcn
    wanted = preset(run_id).policy_hash
    found: list[DisclosureEvent] = [
        r.event
        for r in replayed["ledger"].entries_for_tcn(tcn)
        if r.event.recipient == recipient and r.event.policy_hash == wanted
    ]
    return sorted(found, key=lambda e: e.event_time)


def ident_searches(replayed: dict[str, Any], run_id: str, name: str) -> int:
    """IDENT's processed messages of the booking: one per search it ran."""
    tcn = replayed["world"].booking(replayed["rows"][name]).tcn.value
    with replayed["engine"].connect() as conn:
        keys = conn.execute(
            select(ProcessedRecord.key).where(ProcessedRecord.stage == "ident")
        ).scalars()
        return sum(1 for key in keys if key.startswith(f"{run_id}|{tcn}|"))


def test_conviction_gated_searches_ident_only_after_the_conviction(
    replayed: dict[str, Any],
) -> None:
    row = outcome(replayed, "conviction-gated", "convicted")
    assert row.submitted and row.cjis_result == "N"
    assert (row.ident_searched, row.ident_match, row.iaq_sent) == (True, True, True)
    assert row.lesc_status == "unlawfully_present" and row.iar_to_ero
    assert ident_searches(replayed, "conviction-gated", "convicted") == 1
    to_ident = entries(replayed, "conviction-gated", "convicted", "DHS-IDENT")
    arrest, conviction = to_ident
    assert (arrest.transfer, arrest.allowed, arrest.event_time) == ("CAR", False, BOOKED)
    assert "not-at-arrest" in arrest.rule_ids and arrest.record_digests == ()
    assert conviction.transfer == "DISP" and conviction.allowed
    assert "opted-in-after-conviction" in conviction.rule_ids
    assert conviction.event_time == disposition_time(BOOKED, CONVICTED)
    assert conviction.event_time.date() == CONVICTED
    # everything downstream happens as of the conviction, not the arrest
    (iaq,) = entries(replayed, "conviction-gated", "convicted", "VTICE0900")
    assert iaq.allowed and iaq.event_time.date() == CONVICTED
    assert iaq.event_time > conviction.event_time


def test_historical_searches_once_at_the_arrest(replayed: dict[str, Any]) -> None:
    row = outcome(replayed, "historical", "convicted")
    assert (row.ident_searched, row.ident_match, row.iaq_sent) == (True, True, True)
    assert ident_searches(replayed, "historical", "convicted") == 1
    arrest, conviction = entries(replayed, "historical", "convicted", "DHS-IDENT")
    assert (arrest.transfer, arrest.allowed, arrest.event_time) == ("CAR", True, BOOKED)
    assert (conviction.transfer, conviction.allowed) == ("DISP", False)
    assert "already allowed at the arrest" in conviction.reasons[0]
    (iaq,) = entries(replayed, "historical", "convicted", "VTICE0900")
    assert iaq.event_time.date() == BOOKED.date()


def test_a_domestic_violence_victim_is_never_referred(replayed: dict[str, Any]) -> None:
    row = outcome(replayed, "conviction-gated", "victim")
    assert row.submitted and not row.ident_searched and not row.iaq_sent
    assert ident_searches(replayed, "conviction-gated", "victim") == 0
    to_ident = entries(replayed, "conviction-gated", "victim", "DHS-IDENT")
    assert [e.transfer for e in to_ident] == ["CAR", "DISP"]
    assert not any(e.allowed for e in to_ident)
    # A domestic-violence victim is flagged a crime victim too; the preset's priorities cite
    # protect-crime-victims, protect-victims would refuse alike.
    assert {"protect-victims", "protect-crime-victims"} & set(to_ident[1].rule_ids)
    assert entries(replayed, "conviction-gated", "victim", "VTICE0900") == []
    assert outcome(replayed, "historical", "victim").iaq_sent  # referred at the arrest there


def test_a_conviction_does_not_start_a_search_historical_never_made(
    replayed: dict[str, Any],
) -> None:
    historical = outcome(replayed, "historical", "early")
    assert historical.submitted and not historical.ident_searched
    arrest, conviction = entries(replayed, "historical", "early", "DHS-IDENT")
    assert not arrest.allowed and not conviction.allowed
    assert "whatever the conviction" in conviction.reasons[0]
    gated = outcome(replayed, "conviction-gated", "early")
    assert gated.ident_searched and gated.ident_match and gated.iaq_sent


def test_the_disposition_is_filed_through_the_state_bureau(replayed: dict[str, Any]) -> None:
    tcn = replayed["world"].booking(replayed["rows"]["convicted"]).tcn
    hops = [
        (r.event.sender, r.event.recipient)
        for r in replayed["ledger"].entries_for_tcn(tcn)
        if r.event.transfer == "DISP" and r.event.allowed
    ]
    assert ("TX1010000", "SIB-TX") in hops and ("SIB-TX", "WVIAFIS0Z") in hops
