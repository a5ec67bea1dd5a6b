"""The durable work channel: messages between pipeline stages that survive any crash.

A message is ``put`` for a stage under a key (the booking's TCN), ``lease``d by a worker for a
while, then ``ack``ed (gone, and (stage, key) recorded as processed) or ``fail``ed (retried
after an exponential backoff, dead-lettered after ``max_attempts``).  A lease that runs out —
the worker died or hung — makes the message available again.  Every lease bumps the item's
``deliveries`` counter, and ack/fail only touch the item while it still carries the delivery
they were handed: a worker whose lease expired cannot ack work another worker now owns.

Concurrency: on PostgreSQL candidates are locked with ``FOR UPDATE SKIP LOCKED`` so workers
never wait on each other; on SQLite the lease runs in a ``BEGIN IMMEDIATE`` transaction (see
:mod:`scomm.store.database`), which makes select-and-update a single writer's step.

``put``, ``ack`` and ``processed`` accept the caller's session, so a stage's side effects, its
ack and its outgoing messages commit together or not at all.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scomm.store.database import begin, read_only
from scomm.store.work_tables import KEY_LENGTH, STAGE_LENGTH, DeadLetter, ProcessedRecord, WorkItem
from scomm.store.work_values import (
    AlreadyProcessed,
    DeadLetterInfo,
    Lease,
    LeaseLost,
    Message,
    RetryPolicy,
)

Executor = Session | Connection
"""Where a statement runs: the caller's session or connection (inside its transaction)."""

ITEMS = cast(Table, WorkItem.__table__)
DEAD = cast(Table, DeadLetter.__table__)
PROCESSED = cast(Table, ProcessedRecord.__table__)
STATES = ("ready", "delayed", "leased", "dead", "done")
"""Keys of each stage's entry in :meth:`WorkChannel.depths`."""
MAX_ERROR_LENGTH = 4000
_FRESH = {"attempts": 0, "deliveries": 0}
_SQLITE_PUT = (
    "INSERT INTO work_items (stage, key, payload, enqueued_at, available_at, attempts,"
    " deliveries) VALUES (?, ?, ?, ?, ?, 0, 0)"
)
_SQLITE_ACK = "DELETE FROM work_items WHERE id = ? AND deliveries = ? AND lease_owner IS NOT NULL"
_LEASED = ("id", "key", "payload", "attempts", "deliveries", "enqueued_at", "last_error")
_LeasedRow = tuple[int, str, bytes, int, int, float, str | None]
"""A leased item's columns, as ``_LEASED`` names them."""
_SQLITE_LEASE = (
    "UPDATE work_items SET deliveries = deliveries + 1, lease_owner = ?, available_at = ?"
    " WHERE id IN (SELECT id FROM work_items WHERE stage = ? AND available_at <= ?"
    " ORDER BY available_at, id LIMIT ?) RETURNING " + ", ".join(_LEASED)
)
_SQLITE_DUE = "SELECT id FROM work_items WHERE stage = ? AND available_at <= ? LIMIT 1"
_SQLITE_PROCESSED = (
    "INSERT INTO work_processed (stage, key, processed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
T = TypeVar("T")


def _held(lease: Lease) -> tuple[ColumnElement[bool], ...]:
    """The item still carries this delivery and nobody released it (a failed lease is
    released: its holder may not ack or fail it again)."""
    return (
        ITEMS.c.id == lease.id,
        ITEMS.c.deliveries == lease.delivery,
        ITEMS.c.lease_owner.is_not(None),
    )


def _lease_of(stage: str, row: _LeasedRow, worker_id: str, expires: float) -> Lease:
    id_, key, payload, attempts, deliveries, enqueued_at, _ = row
    return Lease(
        int(id_), stage, key, bytes(payload), int(attempts), int(deliveries), worker_id,
        expires, float(enqueued_at),
    )  # fmt: skip


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _epoch(value: datetime | float | None, now: float) -> float:
    if value is None:
        return now
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"available_at must be timezone-aware: {value!r}")
        return value.timestamp()
    return float(value)


def _check_names(stage: str, key: str) -> None:
    if not stage or len(stage) > STAGE_LENGTH:
        raise ValueError(f"stage must be 1..{STAGE_LENGTH} characters: {stage!r}")
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"key must be 1..{KEY_LENGTH} characters: {key!r}")


class WorkChannel:
    """Durable, multi-process work queues, one per stage, in the scomm store."""

    def __init__(
        self,
        engine: Engine,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._skip_locked = engine.dialect.name == "postgresql"
        self._sqlite = engine.dialect.name == "sqlite"

    # -- producing ---------------------------------------------------------------------------

    def put(
        self,
        stage: str,
        key: str,
        payload: bytes,
        available_at: datetime | float | None = None,
        session: Executor | None = None,
    ) -> None:
        """Enqueue one message; inside ``session``'s transaction when given."""
        self.put_many([Message(stage, key, payload, available_at)], session)

    def put_many(self, messages: Iterable[Message], session: Executor | None = None) -> int:
        """Enqueue several messages in one statement; returns how many."""
        now = self.clock()
        rows = []
        for message in messages:
            _check_names(message.stage, message.key)
            if not isinstance(message.payload, bytes | bytearray | memoryview):
                raise TypeError(f"payload must be bytes, not {type(message.payload).__name__}")
            available = _epoch(message.available_at, now)
            rows.append((message.stage, message.key, bytes(message.payload), now, available))
        if not rows:
            return 0
        if self._sqlite:
            # The driver's executemany: SQLAlchemy's per-row parameter handling costs more
            # than the insert itself at pipeline rates.
            self._run(session, lambda ex: ex.exec_driver_sql(_SQLITE_PUT, rows))
        else:
            names = ("stage", "key", "payload", "enqueued_at", "available_at")
            values = [{**dict(zip(names, row, strict=True)), **_FRESH} for row in rows]
            self._run(session, lambda ex: ex.execute(insert(ITEMS), values))
        return len(rows)

    # -- consuming ---------------------------------------------------------------------------

    def lease(
        self, stage: str, worker_id: str, lease_seconds: float = 30.0, limit: int = 1
    ) -> list[Lease]:
        """Lease up to ``limit`` available messages of ``stage`` for ``lease_seconds``.

        Messages come oldest-available first.  Messages that crashed workers held more than
        ``max_deliveries`` times are dead-lettered here instead of handed out again.
        """
        return self.lease_stages([stage], worker_id, lease_seconds, limit)

    def lease_stages(
        self, stages: Sequence[str], worker_id: str, lease_seconds: float = 30.0, limit: int = 1
    ) -> list[Lease]:
        """:meth:`lease` of up to ``limit`` messages of each of ``stages``, in one transaction
        (one turn at SQLite's write lock for all of them); leases come stage by stage."""
        if limit < 1 or lease_seconds <= 0:
            raise ValueError("limit must be >= 1 and lease_seconds > 0")
        now = self.clock()
        expires = now + lease_seconds
        due = self._due(stages, now)
        if not due:
            return []
        taken: list[tuple[str, list[_LeasedRow]]] = []
        with begin(self.engine) as conn:
            for stage in due:
                kept = []
                for row in self._take(conn, stage, worker_id, now, expires, limit):
                    if row[4] > self.retry.max_deliveries:
                        reason = (
                            f"leased {row[4] - 1} times without ack or fail "
                            f"(workers crashed or hung); last error: {row[6]}"
                        )
                        lease = _lease_of(stage, row, worker_id, expires)
                        self._bury(conn, lease, reason, now)
                    else:
                        kept.append(row)
                taken.append((stage, kept))
        return [
            _lease_of(stage, row, worker_id, expires)
            for stage, rows in taken
            for row in sorted(rows, key=lambda r: r[0])
        ]

    def _take(
        self, conn: Connection, stage: str, worker_id: str, now: float, expires: float, limit: int
    ) -> list[_LeasedRow]:
        """Lease the oldest ``limit`` due messages of ``stage``: their rows, unordered."""
        if self._sqlite:
            # The driver's own cursor: SQLAlchemy's statement and row handling cost more
            # than the update at pipeline rates.
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(_SQLITE_LEASE, (worker_id, expires, stage, now, limit))
                return cast(list[_LeasedRow], cursor.fetchall())
            finally:
                cursor.close()
        candidates = (
            select(ITEMS.c.id)
            .where(ITEMS.c.stage == stage, ITEMS.c.available_at <= now)
            .order_by(ITEMS.c.available_at, ITEMS.c.id)
            .limit(limit)
        )
        if self._skip_locked:
            candidates = candidates.with_for_update(skip_locked=True)
        chosen = candidates.cte("chosen")
        statement = (
            update(ITEMS)
            .where(ITEMS.c.id.in_(select(chosen.c.id)))
            .values(deliveries=ITEMS.c.deliveries + 1, lease_owner=worker_id, available_at=expires)
            .returning(*(ITEMS.c[name] for name in _LEASED))
        )
        return [cast(_LeasedRow, tuple(row)) for row in conn.execute(statement)]

    def _due(self, stages: Sequence[str], now: float) -> list[str]:
        """Those of ``stages`` with a message due: a cheap read first, so that an idle poll
        does not take SQLite's write lock (or a turn)."""
        with read_only(self.engine).connect() as conn:
            if self._sqlite:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    return [
                        stage
                        for stage in stages
                        if cursor.execute(_SQLITE_DUE, (stage, now)).fetchone() is not None
                    ]
                finally:
                    cursor.close()
            found = []
            for stage in stages:
                probe = select(ITEMS.c.id).where(
                    ITEMS.c.stage == stage, ITEMS.c.available_at <= now
                )
                if conn.execute(probe.limit(1)).first() is not None:
                    found.append(stage)
            return found

    def ack(self, lease: Lease, session: Executor | None = None, record: bool = True) -> None:
        """The message is done: remove it and (``record``) mark (stage, key) processed."""
        self.ack_many([lease], session, record)

    def ack_many(
        self, leases: Sequence[Lease], session: Executor | None = None, record: bool = True
    ) -> None:
        """Ack several leases in two statements.

        Raises :class:`LeaseLost` if any lease is no longer held and :class:`AlreadyProcessed`
        if any (stage, key) was already recorded; roll the transaction back on either.
        """
        if leases:
            self._run(session, lambda ex: self._ack(ex, leases, record))

    def _ack(self, ex: Connection, leases: Sequence[Lease], record: bool) -> None:
        if self._sqlite:
            self._ack_sqlite(ex, leases, record)
            return
        fences = [(lease.id, lease.delivery) for lease in leases]
        gone = ex.execute(
            delete(ITEMS)
            .where(
                # id IN lets SQLite use the primary key; the row-value IN alone scans.
                ITEMS.c.id.in_([lease.id for lease in leases]),
                tuple_(ITEMS.c.id, ITEMS.c.deliveries).in_(fences),
                ITEMS.c.lease_owner.is_not(None),
            )
            .returning(ITEMS.c.id)
        ).all()
        if len(gone) != len(leases):
            held = {int(row.id) for row in gone}
            lost = [lease.id for lease in leases if lease.id not in held]
            raise LeaseLost(f"leases no longer held, items {lost}")
        if record:
            self._record(ex, [(lease.stage, lease.key) for lease in leases])

    def _ack_sqlite(self, ex: Connection, leases: Sequence[Lease], record: bool) -> None:
        """:meth:`_ack` with the driver's executemany (one primary-key delete per lease); the
        summed row counts say whether every lease was held and every key new."""
        gone = ex.exec_driver_sql(_SQLITE_ACK, [(lease.id, lease.delivery) for lease in leases])
        if gone.rowcount != len(leases):
            # Rare (the transaction is rolled back): those still there carry another delivery
            # or were released; the others were acked by another worker.
            ids = [lease.id for lease in leases]
            left = ex.execute(select(ITEMS.c.id).where(ITEMS.c.id.in_(ids))).scalars().all()
            raise LeaseLost(
                f"{len(leases) - gone.rowcount} of {len(leases)} leases no longer held; "
                f"items now held by another delivery or released: {sorted(left)}"
            )
        if record:
            self._record(ex, [(lease.stage, lease.key) for lease in leases])

    def record_processed(
        self, handled: Sequence[tuple[str, str]], session: Executor | None = None
    ) -> None:
        """Mark each (stage, key) of ``handled`` processed without any lease: messages a worker
        handed from one stage to the next in its own process, whose effects commit in this
        transaction. Raises :class:`AlreadyProcessed` as :meth:`ack_many` does."""
        if handled:
            self._run(session, lambda ex: self._record(ex, handled))

    def _record(self, ex: Connection, handled: Sequence[tuple[str, str]]) -> None:
        """Insert the processed records of ``handled``; every one must be new."""
        now = self.clock()
        if self._sqlite:
            rows = [(stage, key, now) for stage, key in handled]
            if ex.exec_driver_sql(_SQLITE_PROCESSED, rows).rowcount == len(rows):
                return
            by_stage: dict[str, list[str]] = {}
            for stage, key in handled:
                by_stage.setdefault(stage, []).append(key)
            repeated = [
                (stage, key)
                for stage, keys in by_stage.items()
                for key in sorted(self.processed_keys(stage, keys, ex))
            ]
            raise AlreadyProcessed(f"already processed: {repeated}")
        values = [{"stage": stage, "key": key, "processed_at": now} for stage, key in handled]
        dialect = postgresql if self._skip_locked else sqlite
        inserted = ex.execute(
            dialect.insert(PROCESSED)
            .on_conflict_do_nothing()
            .returning(PROCESSED.c.stage, PROCESSED.c.key),
            values,
        ).all()
        if len(inserted) != len(values):
            fresh = {(row.stage, row.key) for row in inserted}
            raise AlreadyProcessed(
                f"already processed: {[pair for pair in handled if pair not in fresh]}"
            )

    def fail(self, lease: Lease, error: str, session: Executor | None = None) -> str:
        """Report a failed attempt; returns ``"retry"`` or ``"dead"``.  Raises LeaseLost."""
        error = error[:MAX_ERROR_LENGTH]
        attempts = lease.attempts + 1
        now = self.clock()

        def apply(ex: Connection) -> str:
            if attempts >= self.retry.max_attempts:
                self._bury(ex, lease, error, now, attempts)
                return "dead"
            changed = ex.execute(
                update(ITEMS)
                .where(*_held(lease))
                .values(
                    attempts=attempts,
                    lease_owner=None,
                    last_error=error,
                    available_at=now + self.retry.delay(attempts),
                )
                .returning(ITEMS.c.id)
            ).first()
            if changed is None:
                raise LeaseLost(f"lease on item {lease.id} no longer held")
            return "retry"

        return self._run(session, apply)

    def extend(self, lease: Lease, lease_seconds: float) -> Lease:
        """Keep holding a lease for ``lease_seconds`` more from now.  Raises LeaseLost."""
        expires = self.clock() + lease_seconds
        with begin(self.engine) as conn:
            changed = conn.execute(
                update(ITEMS)
                .where(*_held(lease))
                .values(available_at=expires)
                .returning(ITEMS.c.id)
            ).first()
        if changed is None:
            raise LeaseLost(f"lease on item {lease.id} no longer held")
        return Lease(**{**lease.__dict__, "expires_at": expires})

    def processed(self, stage: str, key: str, session: Executor | None = None) -> bool:
        """Whether (stage, key)'s side effects have committed."""
        return bool(self.processed_keys(stage, [key], session))

    def processed_keys(
        self, stage: str, keys: Iterable[str], session: Executor | None = None
    ) -> set[str]:
        """Those of ``keys`` already processed at ``stage`` (one query for a whole batch)."""
        wanted = list(keys)
        if not wanted:
            return set()
        query = select(PROCESSED.c.key).where(
            PROCESSED.c.stage == stage, PROCESSED.c.key.in_(wanted)
        )
        return set(self._run(session, lambda ex: ex.execute(query).scalars().all()))

    # -- inspecting and repairing ------------------------------------------------------------

    def depths(self) -> dict[str, dict[str, int]]:
        """Per stage, how many messages are ready, delayed (retry backoff or scheduled),
        leased, dead, and done (processed).  Ready includes expired leases."""
        now = self.clock()
        leased = and_(ITEMS.c.lease_owner.is_not(None), ITEMS.c.available_at > now)
        delayed = and_(ITEMS.c.lease_owner.is_(None), ITEMS.c.available_at > now)
        live = select(
            ITEMS.c.stage,
            func.sum(case((ITEMS.c.available_at <= now, 1), else_=0)),
            func.sum(case((delayed, 1), else_=0)),
            func.sum(case((leased, 1), else_=0)),
        ).group_by(ITEMS.c.stage)
        result: dict[str, dict[str, int]] = {}

        def entry(stage: str) -> dict[str, int]:
            return result.setdefault(stage, dict.fromkeys(STATES, 0))

        with read_only(self.engine).begin() as conn:
            for stage, ready, later, held in conn.execute(live):
                entry(stage).update(ready=int(ready), delayed=int(later), leased=int(held))
            for table, state in ((DEAD, "dead"), (PROCESSED, "done")):
                counts = select(table.c.stage, func.count()).group_by(table.c.stage)
                for stage, count in conn.execute(counts):
                    entry(stage)[state] = int(count)
        return dict(sorted(result.items()))

    def dead_letters(self, stage: str | None = None, limit: int = 100) -> list[DeadLetterInfo]:
        """Dead-lettered messages (of ``stage``, or all), oldest first."""
        query = select(DEAD).order_by(DEAD.c.id).limit(limit)
        if stage is not None:
            query = query.where(DEAD.c.stage == stage)
        with read_only(self.engine).begin() as conn:
            return [
                DeadLetterInfo(
                    id=int(r.id),
                    stage=r.stage,
                    key=r.key,
                    payload=bytes(r.payload),
                    attempts=int(r.attempts),
                    deliveries=int(r.deliveries),
                    error=r.last_error,
                    enqueued_at=float(r.enqueued_at),
                    died_at=float(r.died_at),
                )
                for r in conn.execute(query)
            ]

    def requeue_dead(self, stage: str | None = None, ids: Iterable[int] | None = None) -> int:
        """Give dead messages (of ``stage``, and/or with these ids) a fresh set of attempts.

        They come back as new items (new ids), so no lease from their past can touch them.
        """
        condition = []
        if stage is not None:
            condition.append(DEAD.c.stage == stage)
        if ids is not None:
            condition.append(DEAD.c.id.in_(list(ids)))
        now = self.clock()
        with begin(self.engine) as conn:
            rows = conn.execute(
                delete(DEAD).where(*condition).returning(DEAD.c.stage, DEAD.c.key, DEAD.c.payload)
            ).all()
            messages = [Message(r.stage, r.key, bytes(r.payload), now) for r in rows]
            self.put_many(messages, conn)
        return len(messages)

    def pending(self, stages: Iterable[str] | None = None) -> int:
        """Live (not yet acked, not dead) messages, in ``stages`` or all."""
        query = select(func.count()).select_from(ITEMS)
        if stages is not None:
            query = query.where(ITEMS.c.stage.in_(list(stages)))
        with read_only(self.engine).begin() as conn:
            return int(conn.execute(query).scalar_one())

    # -- internals ---------------------------------------------------------------------------

    def _bury(
        self, ex: Connection, lease: Lease, error: str, now: float, attempts: int | None = None
    ) -> None:
        row = ex.execute(delete(ITEMS).where(*_held(lease)).returning(ITEMS)).first()
        if row is None:
            raise LeaseLost(f"lease on item {lease.id} no longer held")
        values = row._mapping
        ex.execute(
            insert(DEAD).values(
                id=values["id"],
                stage=values["stage"],
                key=values["key"],
                payload=values["payload"],
                enqueued_at=values["enqueued_at"],
                died_at=now,
                attempts=values["attempts"] if attempts is None else attempts,
                deliveries=values["deliveries"],
                last_error=error[:MAX_ERROR_LENGTH],
            )
        )

    def _run(self, session: Executor | None, work: Callable[[Connection], T]) -> T:
        if isinstance(session, Session):
            # Core statements on the session's own connection (same transaction) skip the
            # ORM's per-statement work, which costs more than the statements themselves.
            return work(session.connection())
        if session is not None:
            return work(session)
        with begin(self.engine) as conn:
            return work(conn)
