"""Workers: a stage's effects, ack and outgoing messages commit together; failures stay local."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from scomm.store import (
    Lease,
    Message,
    RetryPolicy,
    WorkChannel,
    Worker,
    make_engine,
    process_batch,
    upgrade_to_head,
)

EFFECTS = Table(
    "test_effects",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("stage", String(20)),
    Column("key", String(50)),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    EFFECTS.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def channel(engine: Engine) -> WorkChannel:
    return WorkChannel(engine, RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0))


def effects(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(EFFECTS.c.stage, EFFECTS.c.key).order_by(EFFECTS.c.id))
        return [(r.stage, r.key) for r in rows]


def record(session: Session, lease: Lease) -> None:
    session.execute(insert(EFFECTS).values(stage=lease.stage, key=lease.key))


def forward(session: Session, lease: Lease) -> list[Message]:
    record(session, lease)
    return [Message("second", lease.key, lease.payload + b"!")]


def test_a_batch_applies_every_message_and_forwards_it(channel: WorkChannel) -> None:
    for i in range(5):
        channel.put("first", f"K{i}", b"m")
    leases = channel.lease("first", "w", 30, limit=10)
    result = process_batch(channel, leases, forward)
    assert (result.done, result.total) == (5, 5)
    assert effects(channel.engine) == [("first", f"K{i}") for i in range(5)]
    assert {lease.payload for lease in channel.lease("second", "w", 30, 10)} == {b"m!"}
    assert channel.depths()["first"]["done"] == 5


def test_one_bad_message_does_not_hold_back_the_batch(channel: WorkChannel) -> None:
    for key in ("A", "BAD", "C"):
        channel.put("first", key, b"")

    def picky(session: Session, lease: Lease) -> list[Message]:
        if lease.key == "BAD":
            raise ValueError("malformed CAR in field 2.005")
        return forward(session, lease)

    result = process_batch(channel, channel.lease("first", "w", 30, 10), picky)
    assert (result.done, result.retried) == (2, 1)
    assert effects(channel.engine) == [("first", "A"), ("first", "C")]  # BAD's effect undone
    assert channel.depths()["second"]["ready"] == 2
    result = process_batch(channel, channel.lease("first", "w", 30, 10), picky)
    assert result.dead == 1
    (dead,) = channel.dead_letters("first")
    assert dead.key == "BAD"
    assert "ValueError: malformed CAR in field 2.005" in (dead.error or "")


def test_a_redelivered_duplicate_is_skipped_not_repeated(channel: WorkChannel) -> None:
    channel.put("first", "K", b"")
    process_batch(channel, channel.lease("first", "w", 30), forward)
    channel.put("first", "K", b"")  # e.g. a client resubmitting after a timeout
    channel.put("first", "K", b"")
    result = process_batch(channel, channel.lease("first", "w", 30, 10), forward)
    assert (result.done, result.skipped) == (0, 2)
    assert effects(channel.engine) == [("first", "K")]
    assert channel.pending() == 1  # only the one forwarded message


def test_duplicates_within_one_batch_run_once(channel: WorkChannel) -> None:
    channel.put("first", "K", b"")
    channel.put("first", "K", b"")
    result = process_batch(channel, channel.lease("first", "w", 30, 10), forward)
    assert (result.done, result.skipped) == (1, 1)
    assert effects(channel.engine) == [("first", "K")]


def test_a_lost_lease_commits_nothing(channel: WorkChannel) -> None:
    now = [1000.0]
    channel.clock = lambda: now[0]
    channel.put("first", "K", b"")
    (stale,) = channel.lease("first", "slow", 10)
    now[0] += 20
    (fresh,) = channel.lease("first", "fast", 10)
    assert process_batch(channel, [stale], forward).lost == 1
    assert effects(channel.engine) == []
    assert process_batch(channel, [fresh], forward).done == 1
    assert effects(channel.engine) == [("first", "K")]


class Squarer:
    """Two-phase: the arithmetic happens outside the transaction."""

    def __init__(self) -> None:
        self.prepared: list[str] = []

    def prepare(self, lease: Lease) -> int:
        self.prepared.append(lease.key)
        if lease.payload == b"x":
            raise ValueError("not a number")
        return int(lease.payload) ** 2

    def apply(self, session: Session, lease: Lease, prepared: Any) -> list[Message]:
        record(session, lease)
        return [Message("second", lease.key, str(prepared).encode())]


def test_two_phase_handlers_prepare_outside_and_apply_inside(channel: WorkChannel) -> None:
    for key, payload in (("A", b"3"), ("B", b"x"), ("C", b"4")):
        channel.put("first", key, payload)
    handler = Squarer()
    result = process_batch(channel, channel.lease("first", "w", 30, 10), handler)
    assert (result.done, result.retried) == (2, 1)
    assert handler.prepared == ["A", "B", "C"]
    assert sorted(lease.payload for lease in channel.lease("second", "w", 30, 10)) == [b"16", b"9"]


def test_a_worker_drains_a_pipeline_and_stops_when_idle(channel: WorkChannel) -> None:
    for i in range(30):
        channel.put("first", f"K{i:02}", b"")
    worker = Worker(channel, {"first": forward, "second": record}, batch_size=7)
    total = worker.run(until_idle=True)
    assert total.done == 60
    assert sorted(effects(channel.engine)) == sorted(
        [(stage, f"K{i:02}") for stage in ("first", "second") for i in range(30)]
    )
    depths = channel.depths()
    assert {stage: d["done"] for stage, d in depths.items()} == {"first": 30, "second": 30}
    assert sum(d["ready"] + d["leased"] + d["delayed"] + d["dead"] for d in depths.values()) == 0
    with channel.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(EFFECTS)).scalar() == 60
