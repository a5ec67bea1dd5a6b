"""An agency's disclosure report: counts by recipient, and a proof for every line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from scomm.ledger import DisclosureEvent, Ledger, disclosure_report, verify_inclusion

EventFactory = Callable[..., DisclosureEvent]


def test_counts_by_recipient_and_proofs(ledger: Ledger, make_event: EventFactory) -> None:
    events = [make_event(i) for i in range(60)]
    ledger.append(events)
    report = disclosure_report(ledger, "TX1010000", dt.date(2010, 3, 1), dt.date(2010, 3, 3))
    mine = [
        e
        for e in events
        if e.booking_ori.value == "TX1010000"
        and dt.datetime(2010, 3, 1, tzinfo=dt.UTC)
        <= e.event_time
        < dt.datetime(2010, 3, 3, tzinfo=dt.UTC)
    ]
    assert [r.event for r in report.records] == mine
    counts = {c.recipient: (c.allowed, c.refused) for c in report.by_recipient()}
    for recipient in {e.recipient for e in mine}:
        sent = [e for e in mine if e.recipient == recipient]
        assert counts[recipient] == (
            sum(e.allowed for e in sent),
            sum(not e.allowed for e in sent),
        )
    for record, proof in zip(report.records, report.proofs, strict=True):
        verify_inclusion(
            record.index,
            report.checkpoint.size,
            record.leaf_hash,
            proof.path,
            report.checkpoint.root_hash,
        )
    text = report.text()
    assert "TX1010000" in text and f"{len(mine)} logged transfers" in text
    assert report.csv().count("\n") == len(mine) + 1
