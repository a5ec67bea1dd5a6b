"""Running stages on the work channel: lease a batch, apply the stage, ack — exactly once in
effect.

A stage's handler runs inside the transaction that also acks its lease, records (stage, key)
as processed and enqueues the messages it returns, so a crash at any point either commits all
of it or none of it; redelivery then finds either the message (do it again) or the processed
record (skip it).  A batch is tried in one transaction (cheap); if anything in it fails, the
batch is redone one message per transaction so one bad message cannot hold back the rest.

A handler may split its work: ``prepare(lease)`` runs outside any transaction (CPU work that
needs no database, done in parallel by several workers even on SQLite, whose write lock
serialises transactions) and ``apply(session, lease, prepared)`` inside it.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from scomm.store.database import transaction
from scomm.store.work_values import AlreadyProcessed, Lease, LeaseLost, Message
from scomm.store.workchannel import WorkChannel, default_worker_id

Handler = Callable[[Session, Lease], Iterable[Message] | None]
"""Apply one message inside the transaction; return (or ``put``) the messages it causes."""


@runtime_checkable
class TwoPhaseHandler(Protocol):
    """A handler whose database-free work runs before, and outside, the transaction."""

    def prepare(self, lease: Lease) -> Any: ...

    def apply(self, session: Session, lease: Lease, prepared: Any) -> Iterable[Message] | None: ...


AnyHandler = Handler | TwoPhaseHandler


@dataclass(frozen=True)
class BatchResult:
    """What became of leased messages."""

    done: int = 0
    skipped: int = 0
    """Already processed (a redelivered duplicate): acked without running the handler."""
    retried: int = 0
    dead: int = 0
    lost: int = 0
    """The lease expired and someone else holds the message now; nothing was committed."""

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def total(self) -> int:
        return self.done + self.skipped + self.retried + self.dead + self.lost


def describe(error: BaseException) -> str:
    """The error as a dead letter shows it: type, message and where it was raised."""
    lines = traceback.format_exception(error)
    return "".join(lines[-6:]).strip()


@dataclass(frozen=True)
class _OnePhase:
    """A plain handler seen as a two-phase one with nothing to prepare."""

    handler: Handler

    def prepare(self, lease: Lease) -> None:
        return None

    def apply(self, session: Session, lease: Lease, prepared: Any) -> Iterable[Message] | None:
        return self.handler(session, lease)


def two_phase(handler: AnyHandler) -> TwoPhaseHandler:
    # Checked once per batch: a runtime Protocol isinstance check is slow enough to matter
    # when made per message.
    return handler if isinstance(handler, TwoPhaseHandler) else _OnePhase(handler)


def process_batch(
    channel: WorkChannel, leases: Sequence[Lease], handler: AnyHandler
) -> BatchResult:
    """Apply ``handler`` to leased messages of one stage and settle every lease."""
    if not leases:
        return BatchResult()
    stage = two_phase(handler)
    prepared: dict[int, Any] = {}
    failed: dict[int, BaseException] = {}
    for lease in leases:
        try:
            prepared[lease.id] = stage.prepare(lease)
        except Exception as error:
            failed[lease.id] = error
    ready = [lease for lease in leases if lease.id not in failed]
    result = BatchResult()
    for lease in leases:
        if lease.id in failed:
            result += _fail(channel, lease, failed[lease.id])
    try:
        return result + _together(channel, ready, stage, prepared)
    except Exception:
        pass  # redo one by one below; the failed transaction changed nothing
    for lease in ready:
        result += _alone(channel, lease, stage, prepared[lease.id])
    return result


def _together(
    channel: WorkChannel,
    leases: Sequence[Lease],
    handler: TwoPhaseHandler,
    prepared: dict[int, Any],
) -> BatchResult:
    """The fast path: the whole batch in one transaction.  It does not look for duplicates
    first; recording them fails the ack (AlreadyProcessed), and the slow path sorts them out."""
    if not leases:
        return BatchResult()
    with transaction(channel.engine) as session:
        outgoing: list[Message] = []
        for lease in leases:
            outgoing.extend(handler.apply(session, lease, prepared[lease.id]) or ())
        channel.put_many(outgoing, session)
        channel.ack_many(leases, session)
    return BatchResult(done=len(leases))


def _alone(
    channel: WorkChannel, lease: Lease, handler: TwoPhaseHandler, prepared: Any
) -> BatchResult:
    try:
        with transaction(channel.engine) as session:
            if channel.processed(lease.stage, lease.key, session):
                channel.ack(lease, session, record=False)
                return BatchResult(skipped=1)
            channel.put_many(handler.apply(session, lease, prepared) or (), session)
            channel.ack(lease, session)
        return BatchResult(done=1)
    except LeaseLost:
        return BatchResult(lost=1)
    except AlreadyProcessed:
        # Another delivery of the same (stage, key) committed first; this one is a duplicate.
        try:
            channel.ack(lease, record=False)
        except LeaseLost:
            return BatchResult(lost=1)
        return BatchResult(skipped=1)
    except Exception as error:
        return _fail(channel, lease, error)


def _fail(channel: WorkChannel, lease: Lease, error: BaseException) -> BatchResult:
    try:
        outcome = channel.fail(lease, describe(error))
    except LeaseLost:
        return BatchResult(lost=1)
    return BatchResult(dead=1) if outcome == "dead" else BatchResult(retried=1)


class Worker:
    """Drains the stages it has handlers for: lease a batch per stage, process, repeat."""

    def __init__(
        self,
        channel: WorkChannel,
        handlers: Mapping[str, AnyHandler],
        worker_id: str | None = None,
        batch_size: int = 100,
        lease_seconds: float = 30.0,
    ) -> None:
        if not handlers:
            raise ValueError("a worker needs at least one stage handler")
        self.channel = channel
        self.handlers = dict(handlers)
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds

    def step(self) -> BatchResult:
        """One batch from each stage (those with work)."""
        result = BatchResult()
        for stage, handler in self.handlers.items():
            leases = self.channel.lease(stage, self.worker_id, self.lease_seconds, self.batch_size)
            result += process_batch(self.channel, leases, handler)
        return result

    def run(
        self,
        until_idle: bool = True,
        stop: Callable[[], bool] | None = None,
        poll_seconds: float = 0.02,
        max_poll_seconds: float = 0.5,
    ) -> BatchResult:
        """Process until ``stop()`` says so or (``until_idle``) the stages hold no live message.

        Messages leased by others or waiting out a retry delay count as live: an idle worker
        keeps polling for them, backing off up to ``max_poll_seconds``.
        """
        total = BatchResult()
        wait = poll_seconds
        while stop is None or not stop():
            result = self.step()
            total += result
            if result.total:
                wait = poll_seconds
                continue
            if until_idle and self.channel.pending(self.handlers) == 0:
                break
            time.sleep(wait)
            wait = min(max_poll_seconds, wait * 2)
        return total
