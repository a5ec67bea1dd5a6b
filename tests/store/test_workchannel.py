"""The work channel's contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, make_url, select, text

from scomm.store import (
    AlreadyProcessed,
    LeaseLost,
    RetryPolicy,
    WorkChannel,
    make_engine,
    transaction,
    upgrade_to_head,
)
from scomm.store.work_tables import WorkItem


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def channel(engine: Engine, clock: Clock) -> WorkChannel:
    return WorkChannel(engine, RetryPolicy(max_attempts=3, base_delay=2.0, max_delay=5.0), clock)


def test_messages_come_out_oldest_first_with_their_payload(channel: WorkChannel) -> None:
    for i in range(5):
        channel.put("cjis", f"TCN{i}", b"payload %d" % i)
    first = channel.lease("cjis", "w1", 30, limit=3)
    second = channel.lease("cjis", "w2", 30, limit=3)
    assert [lease.key for lease in first] == ["TCN0", "TCN1", "TCN2"]
    assert [lease.key for lease in second] == ["TCN3", "TCN4"]
    assert first[1].payload == b"payload 1"
    assert all(lease.delivery == 1 and lease.attempts == 0 for lease in first + second)
    assert channel.lease("cjis", "w3", 30, limit=3) == []


def test_stages_are_separate_queues(channel: WorkChannel) -> None:
    channel.put("cjis", "T1", b"a")
    channel.put("ident", "T1", b"b")
    (lease,) = channel.lease("ident", "w", 30, limit=10)
    assert (lease.stage, lease.payload) == ("ident", b"b")


def test_several_stages_are_leased_at_once_stage_by_stage(
    channel: WorkChannel, clock: Clock
) -> None:
    for i in range(3):
        channel.put("ident", f"I{i}", b"i")
        channel.put("cjis", f"C{i}", b"c")
    channel.put("lesc", "L0", b"l", available_at=clock.now + 10)  # not due yet
    leases = channel.lease_stages(["lea", "cjis", "lesc", "ident"], "w1", 30, limit=2)
    assert [(lease.stage, lease.key) for lease in leases] == [
        ("cjis", "C0"), ("cjis", "C1"), ("ident", "I0"), ("ident", "I1"),
    ]  # fmt: skip
    assert all(lease.delivery == 1 and lease.expires_at == clock.now + 30 for lease in leases)
    channel.ack_many(leases)
    rest = channel.lease_stages(["cjis", "ident"], "w2", 30, limit=5)
    assert [lease.key for lease in rest] == ["C2", "I2"]
    assert channel.lease_stages(["cjis", "ident", "lesc"], "w3", 30, limit=5) == []


def test_ack_removes_the_message_and_records_it_processed(channel: WorkChannel) -> None:
    channel.put("cjis", "T1", b"x")
    (lease,) = channel.lease("cjis", "w", 30)
    assert not channel.processed("cjis", "T1")
    channel.ack(lease)
    assert channel.processed("cjis", "T1")
    assert not channel.processed("ident", "T1")
    assert channel.depths() == {
        "cjis": {"ready": 0, "delayed": 0, "leased": 0, "dead": 0, "done": 1}
    }


def test_an_expired_lease_is_redelivered_and_the_old_holder_cannot_ack(
    channel: WorkChannel, clock: Clock
) -> None:
    channel.put("cjis", "T1", b"x")
    (stale,) = channel.lease("cjis", "slow", 10)
    clock.now += 5
    assert channel.lease("cjis", "other", 10) == []  # still held
    clock.now += 6
    (fresh,) = channel.lease("cjis", "other", 10)
    assert fresh.delivery == 2
    with pytest.raises(LeaseLost):
        channel.ack(stale)
    with pytest.raises(LeaseLost):
        channel.fail(stale, "too late")
    channel.ack(fresh)
    assert channel.depths()["cjis"]["done"] == 1


def test_an_expired_lease_nobody_took_can_still_be_acked(
    channel: WorkChannel, clock: Clock
) -> None:
    channel.put("cjis", "T1", b"x")
    (lease,) = channel.lease("cjis", "slow", 10)
    clock.now += 60
    channel.ack(lease)
    assert channel.pending() == 0


def test_extend_keeps_a_lease_alive(channel: WorkChannel, clock: Clock) -> None:
    channel.put("cjis", "T1", b"x")
    (lease,) = channel.lease("cjis", "w", 10)
    clock.now += 8
    lease = channel.extend(lease, 10)
    clock.now += 8
    assert channel.lease("cjis", "other", 10) == []
    channel.ack(lease)


def test_failures_back_off_exponentially_then_go_to_dead_letters(
    channel: WorkChannel, clock: Clock
) -> None:
    channel.put("cjis", "T1", b"x")
    (lease,) = channel.lease("cjis", "w", 30)
    assert channel.fail(lease, "first") == "retry"
    assert channel.depths()["cjis"]["delayed"] == 1
    clock.now += 1.9
    assert channel.lease("cjis", "w", 30) == []
    clock.now += 0.2  # base_delay 2 s
    (lease,) = channel.lease("cjis", "w", 30)
    assert (lease.attempts, lease.delivery) == (1, 2)
    assert channel.fail(lease, "second") == "retry"
    clock.now += 3.9
    assert channel.lease("cjis", "w", 30) == []
    clock.now += 0.2  # doubled: 4 s
    (lease,) = channel.lease("cjis", "w", 30)
    assert channel.fail(lease, "ValueError: bad CAR") == "dead"
    assert channel.lease("cjis", "w", 30) == []
    (dead,) = channel.dead_letters("cjis")
    assert (dead.key, dead.payload, dead.attempts, dead.deliveries) == ("T1", b"x", 3, 3)
    assert dead.error == "ValueError: bad CAR"
    assert channel.depths()["cjis"] == {"ready": 0, "delayed": 0, "leased": 0, "dead": 1, "done": 0}


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_requeued_dead_letters_get_fresh_attempts(channel: WorkChannel, clock: Clock) -> None:
    channel.put("cjis", "T1", b"x")
    channel.put("ident", "T2", b"y")
    for stage in ("cjis", "ident"):
        for _ in range(3):
            (lease,) = channel.lease(stage, "w", 30)
            channel.fail(lease, "boom")
            clock.now += 10  # past the backoff
    assert len(channel.dead_letters()) == 2
    assert channel.requeue_dead("cjis") == 1
    assert [d.key for d in channel.dead_letters()] == ["T2"]
    (lease,) = channel.lease("cjis", "w", 30)
    assert (lease.key, lease.payload, lease.attempts, lease.delivery) == ("T1", b"x", 0, 1)


def test_a_message_that_keeps_killing_workers_is_dead_lettered(
    engine: Engine, clock: Clock
) -> None:
    channel = WorkChannel(engine, RetryPolicy(max_attempts=2, max_deliveries=3), clock)
    channel.put("cjis", "T1", b"poison")
    for _ in range(3):
        assert len(channel.lease("cjis", "w", 10)) == 1
        clock.now += 11  # the worker died holding it
    assert channel.lease("cjis", "w", 10) == []
    (dead,) = channel.dead_letters("cjis")
    assert dead.deliveries == 4
    assert "without ack or fail" in (dead.error or "")


def test_put_inside_a_rolled_back_transaction_leaves_nothing(channel: WorkChannel) -> None:
    with pytest.raises(RuntimeError), transaction(channel.engine) as session:
        channel.put("cjis", "T1", b"x", session=session)
        raise RuntimeError("ledger append failed")
    assert channel.pending() == 0
    with transaction(channel.engine) as session:
        channel.put("cjis", "T1", b"x", session=session)
    assert channel.pending() == 1


def test_ack_and_puts_commit_together(channel: WorkChannel) -> None:
    channel.put("sib", "T1", b"car")
    (lease,) = channel.lease("sib", "w", 30)
    with pytest.raises(RuntimeError), transaction(channel.engine) as session:
        channel.put("cjis", "T1", b"car", session=session)
        channel.ack(lease, session=session)
        raise RuntimeError("crash before commit")
    assert channel.depths()["sib"]["leased"] == 1
    assert "cjis" not in channel.depths()
    with transaction(channel.engine) as session:
        channel.put("cjis", "T1", b"car", session=session)
        channel.ack(lease, session=session)
    assert channel.depths()["cjis"]["ready"] == 1
    assert channel.depths()["sib"]["done"] == 1


def test_acking_a_second_copy_of_a_processed_key_is_refused(channel: WorkChannel) -> None:
    channel.put("cjis", "T1", b"x")
    channel.put("cjis", "T1", b"x")
    first, second = channel.lease("cjis", "w", 30, limit=2)
    channel.ack(first)
    with pytest.raises(AlreadyProcessed):
        channel.ack(second)
    channel.ack(second, record=False)  # the duplicate is discarded without a second record
    assert channel.depths()["cjis"]["done"] == 1
    assert channel.pending() == 0


def test_scheduled_messages_wait_until_their_time(channel: WorkChannel, clock: Clock) -> None:
    channel.put("ero", "T1", b"x", available_at=clock.now + 100)
    when = datetime.fromtimestamp(clock.now + 50, tz=UTC)
    channel.put("ero", "T2", b"y", available_at=when)
    assert channel.depths()["ero"]["delayed"] == 2
    clock.now += 60
    assert [lease.key for lease in channel.lease("ero", "w", 10, limit=5)] == ["T2"]
    with pytest.raises(ValueError, match="timezone"):
        channel.put("ero", "T3", b"z", available_at=datetime(2010, 1, 1))


@pytest.mark.parametrize(
    ("stage", "key", "payload", "error"),
    [
        ("", "T1", b"x", "stage"),
        ("s" * 65, "T1", b"x", "stage"),
        ("cjis", "", b"x", "key"),
        ("cjis", "k" * 201, b"x", "key"),
        ("cjis", "T1", "text", "payload"),
    ],
)
def test_bad_messages_are_refused_with_the_field_named(
    channel: WorkChannel, stage: str, key: str, payload: bytes, error: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        channel.put(stage, key, payload)
    assert channel.pending() == 0


def test_a_lease_takes_only_what_it_asked_for(channel: WorkChannel, engine: Engine) -> None:
    for i in range(10):
        channel.put("cjis", f"T{i}", b"")
    assert len(channel.lease("cjis", "w", 30, limit=4)) == 4
    with engine.connect() as conn:
        owners = conn.execute(select(WorkItem.lease_owner)).scalars().all()
    assert sorted(owners, key=str) == sorted(["w"] * 4 + [None] * 6, key=str)
    with pytest.raises(ValueError):
        channel.lease("cjis", "w", 30, limit=0)


def test_a_failed_lease_is_released_and_cannot_be_settled_again(channel: WorkChannel) -> None:
    channel.put("cjis", "T1", b"x")
    (lease,) = channel.lease("cjis", "w", 30)
    assert channel.fail(lease, "once") == "retry"
    with pytest.raises(LeaseLost):
        channel.fail(lease, "twice")
    with pytest.raises(LeaseLost):
        channel.ack(lease)
    with pytest.raises(LeaseLost):
        channel.extend(lease, 30)
    assert channel.depths()["cjis"]["delayed"] == 1


@pytest.mark.postgres
def test_postgresql_leases_skip_rows_another_worker_has_locked(postgres_url: str) -> None:
    url = make_url(postgres_url)
    # Without SKIP LOCKED the lease would wait on the rows below: make that an error, not a hang.
    waits = url.update_query_dict({"options": f"{url.query['options']} -clock_timeout=2000"})
    engine = make_engine(waits.render_as_string(hide_password=False))
    other = make_engine(postgres_url)
    try:
        upgrade_to_head(engine)
        channel = WorkChannel(engine)
        for i in range(4):
            channel.put("cjis", f"T{i}", b"x")
        with other.begin() as conn:
            # another worker's lease transaction, not yet committed, holds the oldest two
            conn.execute(text("SELECT id FROM work_items ORDER BY id LIMIT 2 FOR UPDATE"))
            leases = channel.lease("cjis", "w", 30, limit=4)  # neither waits nor fails
        assert [lease.key for lease in leases] == ["T2", "T3"]
    finally:
        other.dispose()
        engine.dispose()
