"""The stored log: appends in the caller's transaction, proofs from stored subtrees, queries."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from scomm.domain import Ori, Tcn
from scomm.ledger import DisclosureEvent, Ledger, ProofError, verify_consistency, verify_inclusion
from scomm.ledger.frontier import Frontier
from scomm.ledger.merkle import EMPTY_ROOT, leaf_hash
from scomm.store import make_engine
from scomm.store.ledger_tables import ENTRY_TABLE

EventFactory = Callable[..., DisclosureEvent]


def fill(ledger: Ledger, make_event: EventFactory, n: int, batch: int = 7) -> list[DisclosureEvent]:
    events = [make_event(i) for i in range(n)]
    for start in range(0, n, batch):
        got = ledger.append(events[start : start + batch])
        assert got == list(range(start, min(n, start + batch)))
    return events


def roots_by_size(events: list[DisclosureEvent]) -> list[bytes]:
    frontier, roots = Frontier(), [EMPTY_ROOT]
    for e in events:
        frontier.append(leaf_hash(e.canonical_bytes()))
        roots.append(frontier.root())
    return roots


def test_every_proof_at_every_size_verifies(ledger: Ledger, make_event: EventFactory) -> None:
    events = fill(ledger, make_event, 37)
    roots = roots_by_size(events)
    assert ledger.root_hash() == roots[37]
    for size in (1, 2, 5, 8, 16, 17, 31, 37):
        assert ledger.root_hash(size) == roots[size]
        for index in range(size):
            proof = ledger.inclusion_proof(index, size)
            assert proof.leaf_hash == leaf_hash(events[index].canonical_bytes())
            verify_inclusion(index, size, proof.leaf_hash, proof.path, roots[size])
        for old in range(size + 1):
            c = ledger.consistency_proof(old, size)
            verify_consistency(old, size, roots[old], roots[size], c.path)


def test_proofs_beyond_the_log_are_refused(ledger: Ledger, make_event: EventFactory) -> None:
    fill(ledger, make_event, 5)
    with pytest.raises(ProofError, match="between 0 and the log's size 5"):
        ledger.inclusion_proof(1, 6)
    with pytest.raises(ProofError, match="leaf index 5"):
        ledger.inclusion_proof(5)
    with pytest.raises(ProofError):
        ledger.consistency_proof(4, 3)


def test_append_in_the_callers_transaction_commits_nothing_itself(
    engine: Engine, key_dir: Path, make_event: EventFactory
) -> None:
    ledger = Ledger(engine, key_dir)
    with Session(engine) as session:
        assert ledger.append([make_event(0), make_event(1)], within=session) == [0, 1]
        assert ledger.size(within=session) == 2
        session.rollback()
    assert ledger.size() == 0
    with Session(engine) as session:
        bound = Ledger(session, key_dir)
        assert bound.append_and_commit([make_event(0)]) == [0]
    assert ledger.size() == 1
    assert ledger.verify().ok


def test_two_ledger_objects_share_one_log(
    engine: Engine, key_dir: Path, make_event: EventFactory
) -> None:
    a, b = Ledger(engine, key_dir), Ledger(engine, key_dir)
    for i in range(10):
        (a if i % 2 else b).append([make_event(i)])
    assert a.size() == b.size() == 10
    assert a.verify().ok


def test_checkpoint_is_signed_and_reused_while_nothing_changes(
    ledger: Ledger, make_event: EventFactory
) -> None:
    assert ledger.latest_checkpoint() is None
    empty = ledger.checkpoint()
    assert (empty.size, empty.root_hash) == (0, EMPTY_ROOT)
    fill(ledger, make_event, 3)
    first = ledger.checkpoint()
    assert first.size == 3 and first.root_hash == ledger.root_hash()
    assert ledger.checkpoint() == first
    assert ledger.latest_checkpoint() == first
    assert first.note.startswith(f"{ledger.origin}\n3\n")


def test_queries_by_booking_and_by_agency(ledger: Ledger, make_event: EventFactory) -> None:
    events = fill(ledger, make_event, 30)
    tcn = events[4].tcn
    by_tcn = ledger.entries_for_tcn(tcn)
    assert [r.event for r in by_tcn] == [e for e in events if e.tcn == tcn]
    assert all(r.leaf_hash == leaf_hash(r.entry) for r in by_tcn)
    la = Ori("CA0190000")
    all_la = ledger.entries_for_ori(la)
    assert [r.index for r in all_la] == [i for i, e in enumerate(events) if e.booking_ori == la]
    start = dt.datetime(2010, 3, 1, 14, tzinfo=dt.UTC)
    end = dt.date(2010, 3, 2)
    window = ledger.entries_for_ori("CA0190000", start, end)
    assert window and all(
        start <= r.event.event_time < start.replace(day=2, hour=0) for r in window
    )
    assert len(window) < len(all_la)


def test_entry_rows_carry_the_event_bytes(
    ledger: Ledger, make_event: EventFactory, engine: Engine
) -> None:
    events = fill(ledger, make_event, 4)
    with engine.connect() as conn:
        payloads = conn.execute(select(ENTRY_TABLE.c.payload).order_by(ENTRY_TABLE.c.idx)).scalars()
        assert [bytes(p) for p in payloads] == [e.canonical_bytes() for e in events]
        assert conn.execute(select(func.count()).select_from(ENTRY_TABLE)).scalar() == 4


def test_appending_nothing_or_not_an_event(ledger: Ledger) -> None:
    assert ledger.append([]) == []
    with pytest.raises(TypeError, match="events\\[0\\]"):
        ledger.append(["not an event"])  # type: ignore[list-item]


def _append_from_another_process(url: str, key_dir: str, first: int) -> None:
    ledger = Ledger(make_engine(url), Path(key_dir))
    for start in range(first, first + 100, 5):
        ledger.append(
            DisclosureEvent(
                tcn=Tcn(f"CA0190000-20100301-{i:010d}"),
                booking_ori=Ori("CA0190000"),
                sender="CJIS",
                recipient="IDENT",
                transfer="CAR",
                event_time=dt.datetime(2010, 3, 1, tzinfo=dt.UTC),
                allowed=True,
                reasons=("worker test",),
                rule_ids=("r1",),
                policy_hash=hashlib.sha256(b"p").hexdigest(),
            )
            for i in range(start, start + 5)
        )


def test_concurrent_writers_in_separate_processes(db_url: str, tmp_path: Path) -> None:
    """Workers append at the same time: every entry gets its own index, the tree stays whole."""
    url, keys = db_url, tmp_path / "keys"
    ledger = Ledger(make_engine(url), keys)
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_append_from_another_process, args=(url, str(keys), n * 1000))
        for n in range(3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert ledger.size() == 300
    report = ledger.verify()
    assert report.ok, report.summary()
    tcns = {r.event.tcn.value for r in ledger.entries_for_ori("CA0190000")}
    assert len(tcns) == 300
