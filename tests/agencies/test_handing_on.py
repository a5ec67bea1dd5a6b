"""A worker hands a batch's allowed hand-overs to its own next stages in the same batch: the
bookings must end exactly as when every hop goes through the work channel — outcomes, ledger
entries (as a multiset: their order follows the batches) and dead letters."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from scomm.agencies import Intake, RunContexts, StageRunner
from scomm.agencies.runner import PipelineWorker
from scomm.ledger import Ledger
from scomm.store import Message, RetryPolicy, WorkChannel
from scomm.store.outcome_tables import BookingOutcome

if TYPE_CHECKING:
    from conftest import Replay

Factory = Callable[[str], "Replay"]

FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_deliveries=5)


def worker(replay: Replay, chain: bool, batch_size: int = 50) -> PipelineWorker:
    channel = WorkChannel(replay.engine, FAST_RETRY)
    contexts = RunContexts(channel, replay.data_dir, replay.registry)
    runner = StageRunner(channel, contexts, replay.registry)
    return PipelineWorker(runner, batch_size=batch_size, chain=chain)


def ending(replay: Replay) -> dict[str, Any]:
    """What the bookings ended with: every outcome row, the ledger's entries (a multiset),
    the dead letters, the processed (stage, key) records."""
    with replay.engine.connect() as conn:
        rows = conn.execute(
            select(BookingOutcome.__table__).order_by(BookingOutcome.tcn)  # type: ignore[arg-type]
        ).all()
        processed = conn.execute(text("SELECT stage, key FROM work_processed")).all()
    log = Ledger(replay.engine, replay.data_dir / "keys", migrate=False)
    assert log.verify().ok
    entries = Counter(
        hashlib.sha256(record.entry).hexdigest()
        for row in rows
        for record in log.entries_for_tcn(row.tcn)
    )
    dead = sorted(
        (d.stage, d.key, (d.error or "").splitlines()[-1])
        for d in replay.channel.dead_letters(limit=1000)
    )
    return {
        "outcomes": [tuple(row) for row in rows],
        "entries": entries,
        "dead": dead,
        "processed": sorted(tuple(p) for p in processed),
        "pending": replay.channel.pending(),
    }


def both_ways(
    tmp_path: Path, replay_factory: Factory, play: Callable[[Replay, bool], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``play`` on a fresh database with hand-overs handed on, and again with every one
    enqueued."""
    ends = []
    for chain in (True, False):
        replay = replay_factory(f"sqlite:///{tmp_path / f'chain-{chain}.db'}")
        play(replay, chain)
        ends.append(ending(replay))
    return ends[0], ends[1]


def test_handing_on_ends_as_the_work_channel_does(tmp_path: Path, replay_factory: Factory) -> None:
    def play(replay: Replay, chain: bool) -> None:
        replay.enter(replay.intakes(replay.rows(120)))
        result = worker(replay, chain).run()
        assert result.dead == 0 and result.retried == 0

    handed, queued = both_ways(tmp_path, replay_factory, play)
    assert handed == queued
    assert handed["pending"] == 0 and not handed["dead"]
    assert sum(handed["entries"].values()) > 5 * 120


def test_a_hand_over_its_stage_refuses_is_enqueued_and_fails_on_its_own(
    tmp_path: Path, replay_factory: Factory
) -> None:
    # A disposition that names another booking: the LEA and the state bureau forward it (they
    # read its conviction only), CJIS refuses it — a fault of that message, retried and
    # dead-lettered at CJIS, while the rest of the batch goes through.
    def play(replay: Replay, chain: bool) -> None:
        items = replay.intakes(replay.rows(60))
        convicted = [i for i, item in enumerate(items) if item.disposition is not None]
        assert len(convicted) >= 2
        bad, other = items[convicted[0]], items[convicted[1]]
        assert bad.disposition is not None
        own, wrong = bad.booking.tcn.value.encode(), other.booking.tcn.value.encode()
        assert len(own) == len(wrong) and b"1.010:" + own in bad.disposition
        broken = bad.disposition.replace(b"1.010:" + own, b"1.010:" + wrong, 1)
        items[convicted[0]] = dataclasses.replace(bad, disposition=broken)
        replay.enter(items)
        result = worker(replay, chain).run()
        assert result.dead == 1

    handed, queued = both_ways(tmp_path, replay_factory, play)
    assert handed == queued
    [(stage, key, error)] = handed["dead"]
    assert stage == "cjis" and key.endswith("|DISP") and "refers to" in error


def test_a_failed_batch_is_redone_message_by_message_with_its_hand_overs_enqueued(
    tmp_path: Path, replay_factory: Factory
) -> None:
    # CARs delivered again (a client retrying) in one batch with new bookings: recording the
    # repeats as processed fails the batch's transaction; each message is then redone alone,
    # the repeats skipped, the new ones' hand-overs enqueued and handled on later leases.
    def play(replay: Replay, chain: bool) -> None:
        rows = replay.rows(40)
        first: list[Intake] = replay.intakes(rows[:20])
        replay.enter(first)
        worker(replay, chain).run()
        replay.channel.put_many(
            [Message("lea", f"{replay.run_id}|{i.booking.tcn.value}|CAR", i.car) for i in first[:5]]
        )
        replay.enter(replay.intakes(rows[20:]))
        result = worker(replay, chain, batch_size=500).run()
        assert result.skipped == 5 and result.dead == 0

    handed, queued = both_ways(tmp_path, replay_factory, play)
    assert handed == queued
    assert handed["pending"] == 0
