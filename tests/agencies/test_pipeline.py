"""Bookings end to end through the agencies: what each booking got, what the ledger holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from scomm.agencies.outcome_io import write_outcomes
from scomm.ledger import Ledger
from scomm.store import begin
from scomm.store.outcome_tables import BookingOutcome

if TYPE_CHECKING:
    from conftest import Replay

RUN = "test-run"


def outcomes(replay: Replay) -> dict[str, BookingOutcome]:
    with replay.engine.connect() as conn:
        rows = conn.execute(select(BookingOutcome.__table__)).all()
    return {row.tcn: row for row in rows}  # type: ignore[misc]


def ledger(replay: Replay) -> Ledger:
    return Ledger(replay.engine, replay.data_dir / "keys", migrate=False)


def test_bookings_get_answers_matches_and_detainers_as_the_world_says(replay: Replay) -> None:
    rows = replay.rows(120)
    replay.enter(replay.intakes(rows))
    result = replay.worker().run()
    assert result.dead == 0 and result.retried == 0
    assert replay.channel.pending() == 0
    found = outcomes(replay)
    assert len(found) == 120
    assert all(o.submitted and o.cjis_result in ("I", "N") for o in found.values())
    log = ledger(replay)
    prior, _ = replay.world.truth_arrays()
    by_tcn = {replay.world.booking(r).tcn.value: r for r in rows}
    agree = sum(found[t].cjis_result == ("I" if prior[r] else "N") for t, r in by_tcn.items())
    assert agree >= 115  # the oracle's FNIR/FPIR allow a few misses, not more
    for tcn, o in found.items():
        if o.ident_match:
            assert o.ident_searched and o.iaq_sent and o.lesc_status is not None
            assert o.iar_to_ero and o.field_office
            # The copy to the agency depends on the policy: the outcome says what the gate did.
            to_lea = [
                r.event.allowed
                for r in log.entries_for_tcn(tcn)
                if r.event.transfer == "IAR" and r.event.recipient == o.ori
            ]
            assert to_lea == [o.iar_to_lea]
        if o.detainer_issued:
            assert o.detainer_form and o.detainer_to_lea
        assert o.truth_person_id == replay.world.booking(by_tcn[tcn]).person.person_id
    searched = [o for o in found.values() if o.ident_searched]
    assert searched and len(searched) < 120  # counties were activated during the period
    assert any(o.ident_match for o in found.values())


def test_every_enqueued_hand_over_is_an_allowed_ledger_entry(replay: Replay) -> None:
    rows = replay.rows(60)
    replay.enter(replay.intakes(rows))
    replay.worker().run()
    log = ledger(replay)
    assert log.verify().problem_count == 0
    entries = [record.event for tcn in outcomes(replay) for record in log.entries_for_tcn(tcn)]
    allowed = Counter(e.transfer for e in entries if e.allowed)
    done = replay.channel.depths()
    # Every message an agency received (besides the CAR from its own booking desk) was let
    # through by the gate, and every allowed entry was received.
    received = sum(d["done"] for stage, d in done.items() if stage != "lea")
    assert received == sum(allowed.values())
    assert allowed["SRE"] == 2 * 60  # CJIS -> SIB -> LEA
    refused = [e for e in entries if not e.allowed]
    assert all(e.transfer in ("CAR", "DISP") and e.recipient == "DHS-IDENT" for e in refused)
    assert all(e.reasons for e in refused)
    # Under historical a disposition never reaches IDENT: prints go at the arrest or never.
    dispositions = [e for e in entries if e.transfer == "DISP"]
    assert any(e.recipient == "DHS-IDENT" for e in dispositions)
    assert not any(e.allowed and e.recipient == "DHS-IDENT" for e in dispositions)


def test_a_malformed_car_gets_an_errt_and_the_others_go_through(replay: Replay) -> None:
    items = replay.intakes(replay.rows(20))
    bad = items[7]
    broken = bad.car.replace(bad.booking.person.date_of_birth.strftime("%Y%m%d").encode(),
                             b"19991399", 1)  # fmt: skip
    items[7] = dataclasses.replace(bad, car=broken)
    replay.enter(items)
    result = replay.worker().run()
    assert result.dead == 0
    found = outcomes(replay)
    errt = found[bad.booking.tcn.value]
    assert errt.cjis_result == "ERRT"
    assert "2.022" in errt.errt_reason and "DOB" in errt.errt_reason
    assert not errt.ident_searched
    assert sum(o.cjis_result in ("I", "N") for o in found.values()) == 19
    entries = ledger(replay).entries_for_tcn(bad.booking.tcn)
    assert [(e.event.transfer, e.event.recipient) for e in entries][-1] == (
        "ERRT", bad.booking.ori.value,
    )  # fmt: skip


def test_garbage_bytes_get_an_errt_naming_the_offset(replay: Replay) -> None:
    items = replay.intakes(replay.rows(3))
    items[1] = dataclasses.replace(items[1], car=items[1].car[:300])
    replay.enter(items)
    replay.worker().run()
    errt = outcomes(replay)[items[1].booking.tcn.value]
    assert errt.cjis_result == "ERRT" and "offset" in errt.errt_reason


def test_redelivery_changes_nothing(replay: Replay) -> None:
    items = replay.intakes(replay.rows(10))
    replay.enter(items)
    replay.worker().run()
    before = ledger(replay).size()
    # The same bookings' CARs delivered again (a client retrying): the LEA stage skips them.
    from scomm.store import Message

    replay.channel.put_many(
        [Message("lea", f"{replay.run_id}|{i.booking.tcn.value}|CAR", i.car) for i in items]
    )
    result = replay.worker().run()
    assert result.skipped == 10 and result.done == 0
    assert ledger(replay).size() == before


def test_outcome_columns_written_through_the_driver_read_back_as_written(
    replay: Replay,
) -> None:
    rows = replay.rows(3)
    replay.enter(replay.intakes(rows))
    tcns = [replay.world.booking(r).tcn.value for r in rows]
    day = dt.date(2013, 5, 17)
    written = {
        tcns[0]: {"removed": True, "removed_on": day, "level_at_removal": "L1"},
        tcns[1]: {"submitted": True, "cjis_result": "ERRT", "errt_reason": "a 'quoted' reason"},
        tcns[2]: {"removed": False, "removed_on": None, "level_at_removal": None},
    }
    with begin(replay.engine) as conn:
        write_outcomes(conn, RUN, written)
    found = outcomes(replay)
    for tcn, columns in written.items():
        assert {name: getattr(found[tcn], name) for name in columns} == columns
    with pytest.raises(KeyError), begin(replay.engine) as conn:
        write_outcomes(conn, RUN, {tcns[0]: {"no_such_column; DROP TABLE x": 1}})


def test_an_idle_worker_polls_often_while_messages_are_in_flight(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker's lease is work in flight: its commit brings the next hop, so an idle
    worker keeps polling at ``busy_poll_seconds``; with nothing in flight it backs off up to
    ``max_poll_seconds``, and ends when nothing is left."""
    replay.enter(replay.intakes(replay.rows(2)))
    held = replay.channel.lease_stages(["lea"], "other-worker", 60, limit=10)
    assert held and len(held) == replay.channel.pending()  # all of it leased elsewhere
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 8:  # the other worker finishes: nothing in flight any more
            replay.channel.ack_many(held)

    monkeypatch.setattr("scomm.agencies.runner.time.sleep", sleep)
    fed = iter([False] * 14 + [True] * 100)
    result = replay.worker().run(
        max_poll_seconds=0.5, busy_poll_seconds=0.04, may_stop=lambda: next(fed)
    )
    assert result.total == 0 and replay.channel.pending() == 0
    assert waits[:8] == [0.02, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04]
    assert waits[8:] == [0.04, 0.08, 0.16, 0.32, 0.5, 0.5]  # backs off until fed, then ends
