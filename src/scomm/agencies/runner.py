"""Running the agencies on the work channel: lease a batch, let each stage act, commit through
the gate — exactly once in effect.

Per batch of one stage: the stage functions run first, outside any transaction (parsing,
searching and building EBTS is the CPU work, done in parallel by several workers even on
SQLite), and so do the gate's policy decisions and the encoding of their ledger entries
(:meth:`DisclosureGate.clear`). Then one transaction, as short as it can be (on SQLite the
workers' writes take turns), skips redelivered duplicates, logs and enqueues every hand-over
through the gate (one ledger append and one enqueue for the batch), writes the outcome columns,
acks the leases and records (stage, key) as processed. If that transaction
fails, the batch is redone one message per transaction, so one bad message fails alone; it is
retried with backoff and dead-lettered after the channel's ``max_attempts``.

Handing on: a batch's allowed hand-overs to stages the worker runs itself are not enqueued for
a later lease but handled in the same batch, round after round, and committed in the same
transaction (each still decided and logged by the gate; its (stage, key) recorded as
processed). A booking's CAR thus goes from the LEA to the last answer in one batch, and the
channel carries what the booking desk enters (and what a failed round leaves to it) instead of
every hop: about one message in five per booking in ``oracle`` mode, each written, leased,
rewritten and deleted there. The outcome is the same as hop by hop (tests/agencies/
test_handing_on.py); only the ledger's order of a batch's entries differs.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from scomm.agencies import routing
from scomm.agencies.actors import Agencies, BookingRecord, Step
from scomm.agencies.booking_facts import FactsMaker
from scomm.agencies.gate import Clearance, DisclosureGate, Handover
from scomm.agencies.outcome_io import load_bookings, write_outcomes
from scomm.policy import BookingFacts, Registry
from scomm.store import (
    AlreadyProcessed,
    BatchResult,
    Lease,
    LeaseLost,
    WorkChannel,
    begin,
)
from scomm.store.workchannel import default_worker_id
from scomm.store.worker import describe

RECORDS_KEPT = 16_384
LEASE_USAGE = "store: lease"
"""What a worker's usage calls leasing and reading the booking records."""
GATE_USAGE = "gate: decide"
"""What a worker's usage calls the gate's decisions and ledger entries (before the commit)."""
COMMIT_USAGE = "store: commit"
"""What a worker's usage calls the batch's transaction (the gate's log and sends included)."""


@dataclass(frozen=True)
class StageUsage:
    messages: int = 0
    cpu_s: float = 0.0

    def add(self, messages: int, cpu_s: float) -> StageUsage:
        return StageUsage(self.messages + messages, self.cpu_s + cpu_s)


@dataclass(frozen=True)
class RunContext:
    """Everything a run's messages are handled with."""

    run_id: str
    agencies: Agencies
    gate: DisclosureGate


ContextSource = Callable[[str], RunContext]


@dataclass(frozen=True, slots=True)
class _Incoming:
    """A message for a stage: leased from the channel or, with no ``lease``, an allowed
    hand-over of an earlier step of the same batch, given to the receiving stage here."""

    stage: str
    key: str
    payload: bytes
    lease: Lease | None = None
    parent: _Prepared | None = None
    """The step whose hand-over this is (handed on in this process)."""
    index: int = 0
    """The hand-over's position in the parent's clearance."""


@dataclass
class _Prepared:
    incoming: _Incoming
    key: routing.MessageKey
    step: Step
    cleared: Clearance
    """The gate's decisions and ledger entries of the batch's round (made before the
    transaction); this message's hand-overs are ``count`` of them from ``first``."""
    first: int
    count: int
    on_allowed: dict[str, Any]
    """Outcome columns the allowed hand-overs set (after the step's own updates)."""
    round: int
    """0 for a leased message, n for one handed on n times within the batch."""
    handed: list[int] = field(default_factory=list)
    """Positions in ``cleared`` of this step's messages that a stage here took over."""


_STAGE_ORDER = {stage: i for i, stage in enumerate(routing.STAGES)}


class StageRunner:
    """Processes leased batches of any stage for any run."""

    def __init__(self, channel: WorkChannel, contexts: ContextSource, registry: Registry):
        self.channel = channel
        self.engine = channel.engine
        self.contexts = contexts
        self.facts = FactsMaker(registry)
        self._records: dict[tuple[str, str], BookingRecord] = {}
        self.usage: dict[str, StageUsage] = {}
        """Per stage, the messages handled and the CPU time the stage's work took (the
        gate's decisions included); ``LEASE_USAGE`` and ``COMMIT_USAGE``: the store's part,
        shared by the stages of a batch."""

    def bookings(self, run_id: str, tcns: Iterable[str]) -> dict[str, BookingRecord]:
        """The booking records of ``tcns``: what the booking desk recorded never changes, so
        those read for an earlier stage are kept (the last few thousand bookings)."""
        found: dict[str, BookingRecord] = {}
        missing = []
        for tcn in tcns:
            record = self._records.get((run_id, tcn))
            if record is None:
                missing.append(tcn)
            else:
                found[tcn] = record
        if missing:
            if len(self._records) > RECORDS_KEPT:
                self._records.clear()
            for tcn, record in load_bookings(self.engine, run_id, missing).items():
                self._records[(run_id, tcn)] = found[tcn] = record
        return found

    def process(
        self,
        leases: Sequence[Lease],
        chain: Collection[str] = (),
        chain_until: float = math.inf,
    ) -> BatchResult:
        """Handle leased messages of any stages and runs (stage by stage, as leased): the
        stages' work first, then one transaction for all of them.

        ``chain``: stages whose work on the batch's allowed hand-overs is done here, in the
        same batch and transaction, instead of enqueueing the messages for a later lease
        (round after round, until ``time.monotonic()`` passes ``chain_until``: the leases
        must not run out meanwhile). Each hand-over still passes the gate and gets its
        ledger entry; its (stage, key) is recorded as processed. A message whose stage
        fails here is enqueued instead (and fails on its own lease, retried as any message),
        and when the batch's transaction fails, each leased message is redone alone with
        its hand-overs enqueued."""
        if not leases:
            return BatchResult()
        result = BatchResult()
        ready: list[_Prepared] = []
        incoming = [_Incoming(lease.stage, lease.key, lease.payload, lease) for lease in leases]
        taken = {(message.stage, message.key) for message in incoming}
        clock = time.process_time()
        for round_ in itertools.count():
            prepared, failed, clock = self._prepare(incoming, round_, clock)
            result += failed
            ready += prepared
            if not chain or time.monotonic() >= chain_until:
                break
            incoming = _handed_on(prepared, chain, taken)
            if not incoming:
                break
        try:
            result += self._commit(ready, look_first=False)
        except Exception:
            # the transaction changed nothing: redo the leased messages one by one
            for item in ready:
                if item.incoming.lease is not None:
                    result += self._alone(item)
        self._spent(COMMIT_USAGE, len(ready), clock)
        return result

    def _prepare(
        self, incoming: Sequence[_Incoming], round_: int, clock: float
    ) -> tuple[list[_Prepared], BatchResult, float]:
        """The stages' work and the gate's decisions on one round of a batch's messages;
        returns them, the leased messages that failed, and the CPU clock now."""
        result = BatchResult()
        ready: list[_Prepared] = []
        by_run: dict[str, list[tuple[_Incoming, routing.MessageKey]]] = defaultdict(list)
        for message in incoming:
            try:
                key = routing.MessageKey.parse(message.key)
                by_run[key.run_id].append((message, key))
            except ValueError as error:
                result += self._failed(message, error)
        for run_id, items in by_run.items():
            records = self.bookings(run_id, (key.tcn for _, key in items))
            clock = self._spent(LEASE_USAGE, 0, clock)
            stepped: list[tuple[_Incoming, routing.MessageKey, BookingRecord, Step]] = []
            stage, count = items[0][0].stage, 0
            for message, key in items:
                if message.stage != stage:
                    clock = self._spent(stage, count, clock)
                    stage, count = message.stage, 0
                count += 1
                try:
                    stepped.append((message, key, *self._step(message, key, records.get(key.tcn))))
                except Exception as error:
                    result += self._failed(message, error)
            clock = self._spent(stage, count, clock)
            ready += self._clear(run_id, stepped, round_)
            clock = self._spent(GATE_USAGE, 0, clock)
        for item in ready:
            if item.incoming.parent is not None:
                item.incoming.parent.handed.append(item.incoming.index)
        return ready, result, clock

    def _failed(self, message: _Incoming, error: BaseException) -> BatchResult:
        """A leased message fails (retried or dead); a handed-on one is simply not taken over:
        its parent enqueues it, and it fails again on its own lease."""
        if message.lease is None:
            return BatchResult()
        return self._fail(message.lease, error)

    def _step(
        self, message: _Incoming, key: routing.MessageKey, record: BookingRecord | None
    ) -> tuple[BookingRecord, Step]:
        """The stage's work on one message."""
        if record is None:
            raise LookupError(f"no booking {key.tcn} in run {key.run_id}")
        handler = self.contexts(key.run_id).agencies.handler(message.stage)
        return record, handler(key.tot, message.payload, record)

    def _clear(
        self,
        run_id: str,
        stepped: list[tuple[_Incoming, routing.MessageKey, BookingRecord, Step]],
        round_: int,
    ) -> list[_Prepared]:
        """The gate's decisions and ledger entries of a run's hand-overs, all at once, and the
        outcome columns the allowed ones set."""
        requests: list[tuple[BookingFacts, str, Handover]] = []
        for _, key, record, step in stepped:
            facts = self.facts(record)
            requests.extend((facts, key.tcn, handover) for handover, _ in step.handovers)
        cleared = self.contexts(run_id).gate.clear(run_id, requests)
        prepared = []
        first = 0
        for message, key, _, step in stepped:
            count = len(step.handovers)
            on_allowed: dict[str, Any] = {}
            for i, (_, columns) in enumerate(step.handovers, first):
                if cleared.decisions[i].allowed:
                    on_allowed.update(columns)
            prepared.append(
                _Prepared(message, key, step, cleared, first, count, on_allowed, round_)
            )
            first += count
        return prepared

    def _spent(self, what: str, messages: int, since: float) -> float:
        """Add the CPU time since ``since`` to ``what``'s usage; return the time now."""
        now = time.process_time()
        self.usage[what] = self.usage.get(what, StageUsage()).add(messages, now - since)
        return now

    def _alone(self, item: _Prepared) -> BatchResult:
        lease = item.incoming.lease
        assert lease is not None, "only leased messages are redone alone"
        try:
            return self._commit([item])
        except LeaseLost:
            return BatchResult(lost=1)
        except AlreadyProcessed:
            try:
                self.channel.ack(lease, record=False)
            except LeaseLost:
                return BatchResult(lost=1)
            return BatchResult(skipped=1)
        except Exception as error:
            return self._fail(lease, error)

    def _commit(self, items: Sequence[_Prepared], look_first: bool = True) -> BatchResult:
        """Apply ``items`` and ack them in one transaction. Without ``look_first`` (the batch's
        fast path, the only one with handed-on messages) a redelivered duplicate is not
        looked for: recording it as processed fails the ack (AlreadyProcessed), which rolls
        everything back, and the batch is redone one leased message at a time, looking first,
        its hand-overs enqueued."""
        if not items:
            return BatchResult()
        with begin(self.engine) as conn:
            seen: set[tuple[str, str]] = set()
            if look_first:
                keys: dict[str, list[str]] = defaultdict(list)
                for item in items:
                    keys[item.incoming.stage].append(item.incoming.key)
                for stage, wanted in keys.items():
                    done = self.channel.processed_keys(stage, wanted, conn)
                    seen.update((stage, key) for key in done)
            fresh: list[_Prepared] = []
            repeats: list[Lease] = []
            for item in items:
                message = item.incoming
                if (message.stage, message.key) in seen and message.lease is not None:
                    repeats.append(message.lease)
                else:
                    seen.add((message.stage, message.key))
                    fresh.append(item)
            self._apply(conn, fresh, handed=not look_first)
            leased = [item.incoming.lease for item in fresh if item.incoming.lease is not None]
            self.channel.ack_many(leased, conn)
            self.channel.record_processed(
                [(i.incoming.stage, i.incoming.key) for i in fresh if i.incoming.lease is None],
                conn,
            )
            self.channel.ack_many(repeats, conn, record=False)
        return BatchResult(done=len(fresh), skipped=len(repeats))

    def _apply(self, conn: Connection, items: Sequence[_Prepared], handed: bool) -> None:
        """The writes of prepared items: through the gate (ledger, messages; with ``handed``,
        the messages stages here took over are not enqueued), then the outcome columns."""
        by_run: dict[str, list[_Prepared]] = defaultdict(list)
        for item in items:
            by_run[item.key.run_id].append(item)
        for run_id, group in by_run.items():
            gate = self.contexts(run_id).gate
            cleared = group[0].cleared
            whole = all(item.cleared is cleared for item in group) and sum(
                item.count for item in group
            ) == len(cleared.handovers)
            if not whole:  # several rounds, or some of the batch failed or was a duplicate
                pieces = [(item.cleared, item.first, item.count) for item in group]
                cleared = Clearance.join(pieces)
            delivered: list[int] = []
            if handed:
                at = 0
                for item in group:
                    delivered += (at + i - item.first for i in item.handed)
                    at += item.count
            gate.pass_all(conn, cleared, delivered)
            updates: dict[str, dict[str, Any]] = defaultdict(dict)
            # Stage by stage, as if each stage's batch were committed in turn: one booking
            # may have several messages in one batch.
            for _, same_stage in groupby(group, key=lambda item: (item.round, item.incoming.stage)):
                part = list(same_stage)
                for item in part:
                    updates[item.key.tcn].update(item.step.updates)
                for item in part:
                    updates[item.key.tcn].update(item.on_allowed)
            write_outcomes(conn, run_id, updates)

    def _fail(self, lease: Lease, error: BaseException) -> BatchResult:
        try:
            outcome = self.channel.fail(lease, describe(error))
        except LeaseLost:
            return BatchResult(lost=1)
        return BatchResult(dead=1) if outcome == "dead" else BatchResult(retried=1)


def _handed_on(
    prepared: Sequence[_Prepared], chain: Collection[str], taken: set[tuple[str, str]]
) -> list[_Incoming]:
    """The allowed hand-overs of ``prepared`` to stages in ``chain``, stage by stage: the
    batch's next round. A (stage, key) the batch already holds is left to the channel (it
    is a duplicate there, skipped as one)."""
    handed = []
    for item in prepared:
        messages = item.cleared.messages
        for i in range(item.first, item.first + item.count):
            message = messages[i]
            if message is None or message.stage not in chain:
                continue
            pair = (message.stage, message.key)
            if pair not in taken:
                taken.add(pair)
                handed.append(_Incoming(message.stage, message.key, message.payload, None, item, i))
    handed.sort(key=lambda message: _STAGE_ORDER.get(message.stage, len(_STAGE_ORDER)))
    return handed


class PipelineWorker:
    """Drains the stages: a batch of each in turn until nothing is left (or told to stop)."""

    def __init__(
        self,
        runner: StageRunner,
        stages: Sequence[str] = routing.STAGES,
        worker_id: str | None = None,
        batch_size: int = 200,
        lease_seconds: float = 60.0,
        chain: bool = True,
    ) -> None:
        self.runner = runner
        self.channel = runner.channel
        self.stages = tuple(stages)
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.chain = chain
        """Whether a batch's hand-overs to this worker's stages are handled in the same batch
        (:meth:`StageRunner.process`) rather than enqueued for a later lease."""

    def step(self) -> BatchResult:
        """Lease a batch of every stage (one transaction), handle them and the hand-overs
        they cause to this worker's stages, commit (one more)."""
        started = time.process_time()
        leases = self.channel.lease_stages(
            self.stages, self.worker_id, self.lease_seconds, self.batch_size
        )
        runner = self.runner
        runner.usage[LEASE_USAGE] = runner.usage.get(LEASE_USAGE, StageUsage()).add(
            len(leases), time.process_time() - started
        )
        if not self.chain:
            return runner.process(leases)
        # half the lease for handing on: the batch must commit before its leases run out
        until = time.monotonic() + self.lease_seconds / 2
        return runner.process(leases, self.stages, until)

    @property
    def usage(self) -> dict[str, StageUsage]:
        """Per stage, the messages this worker handled and the CPU time it took; the store's
        part (leasing, the transaction) apart: what a benchmark reports per stage."""
        return self.runner.usage

    def run(
        self,
        until_idle: bool = True,
        stop: Callable[[], bool] | None = None,
        on_batch: Callable[[BatchResult], None] | None = None,
        max_poll_seconds: float = 0.5,
        may_stop: Callable[[], bool] | None = None,
        busy_poll_seconds: float = 0.04,
    ) -> BatchResult:
        """Process until ``stop()`` says so or (``until_idle``) no live message is left —
        and, when given, ``may_stop()`` agrees (more work may still be coming).

        With nothing due, polls back off up to ``max_poll_seconds``, but only up to
        ``busy_poll_seconds`` while messages are in flight (another worker's lease, a retry's
        backoff): another worker's commit brings the next hop's messages any moment, and a
        worker asleep for half a second then leaves a core idle while the other works alone
        (an idle poll is cheap: a read, no writer turn)."""
        total = BatchResult()
        wait = 0.02
        while stop is None or not stop():
            result = self.step()
            total += result
            if on_batch is not None:
                on_batch(result)
            if result.total:
                wait = 0.02
                continue
            in_flight = self.channel.pending(self.stages)
            if until_idle and (may_stop is None or may_stop()) and in_flight == 0:
                break
            time.sleep(wait)
            wait = min(busy_poll_seconds if in_flight else max_poll_seconds, wait * 2)
        return total
