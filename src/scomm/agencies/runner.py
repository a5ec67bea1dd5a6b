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
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from scomm.agencies import routing
from scomm.agencies.actors import Agencies, BookingRecord, Step
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


class FactsMaker:
    """Policy facts of a booking from its record (activation dates cached per ORI)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._activation: dict[str, Any] = {}
        self._made: dict[int, tuple[BookingRecord, BookingFacts]] = {}

    def __call__(self, record: BookingRecord) -> BookingFacts:
        """The facts of ``record`` (a booking's messages follow each other closely, so the
        last few thousand are kept, by the record object: the runner keeps one per booking)."""
        kept = self._made.get(id(record))
        if kept is None or kept[0] is not record:  # kept[0] holds the id: never reused
            if len(self._made) >= 8192:
                self._made.clear()
            kept = self._made[id(record)] = (record, self._make(record))
        return kept[1]

    def _make(self, record: BookingRecord) -> BookingFacts:
        if record.ori not in self._activation:
            county = self.registry.county_for_ori(record.ori)
            self._activation[record.ori] = county.activation if county else None
        return BookingFacts(
            ori=record.ori,
            state=record.ori[:2],
            county_fips=record.county_fips,
            event_time=record.booked_at,
            activation_date=self._activation[record.ori],
            juvenile=record.juvenile,
            domestic_violence_victim=record.domestic_violence_victim,
            victim=record.victim,
            witness=record.witness,
            offenses=frozenset((record.arrest_offense,)),
        )


@dataclass
class _Prepared:
    lease: Lease
    key: routing.MessageKey
    step: Step
    cleared: Clearance
    """The gate's decisions and ledger entries of the whole batch (made before the
    transaction); this message's hand-overs are ``count`` of them from ``first``."""
    first: int
    count: int
    on_allowed: dict[str, Any]
    """Outcome columns the allowed hand-overs set (after the step's own updates)."""


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

    def process(self, leases: Sequence[Lease]) -> BatchResult:
        """Handle leased messages of any stages and runs (stage by stage, as leased): the
        stages' work first, then one transaction for all of them."""
        if not leases:
            return BatchResult()
        result = BatchResult()
        ready: list[_Prepared] = []
        by_run: dict[str, list[tuple[Lease, routing.MessageKey]]] = defaultdict(list)
        clock = time.process_time()
        for lease in leases:
            try:
                key = routing.MessageKey.parse(lease.key)
                by_run[key.run_id].append((lease, key))
            except ValueError as error:
                result += self._fail(lease, error)
        for run_id, items in by_run.items():
            records = self.bookings(run_id, (key.tcn for _, key in items))
            clock = self._spent(LEASE_USAGE, 0, clock)
            stepped: list[tuple[Lease, routing.MessageKey, BookingRecord, Step]] = []
            stage, count = items[0][0].stage, 0
            for lease, key in items:
                if lease.stage != stage:
                    clock = self._spent(stage, count, clock)
                    stage, count = lease.stage, 0
                count += 1
                try:
                    stepped.append((lease, key, *self._step(lease, key, records.get(key.tcn))))
                except Exception as error:
                    result += self._fail(lease, error)
            clock = self._spent(stage, count, clock)
            ready += self._clear(run_id, stepped)
            clock = self._spent(GATE_USAGE, 0, clock)
        try:
            result += self._commit(ready, look_first=False)
        except Exception:
            # the transaction changed nothing: redo one by one
            for item in ready:
                result += self._alone(item)
        self._spent(COMMIT_USAGE, len(ready), clock)
        return result

    def _step(
        self, lease: Lease, key: routing.MessageKey, record: BookingRecord | None
    ) -> tuple[BookingRecord, Step]:
        """The stage's work on one message."""
        if record is None:
            raise LookupError(f"no booking {key.tcn} in run {key.run_id}")
        handler = self.contexts(key.run_id).agencies.handler(lease.stage)
        return record, handler(key.tot, lease.payload, record)

    def _clear(
        self, run_id: str, stepped: list[tuple[Lease, routing.MessageKey, BookingRecord, Step]]
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
        for lease, key, _, step in stepped:
            count = len(step.handovers)
            on_allowed: dict[str, Any] = {}
            for i, (_, columns) in enumerate(step.handovers, first):
                if cleared.decisions[i].allowed:
                    on_allowed.update(columns)
            prepared.append(_Prepared(lease, key, step, cleared, first, count, on_allowed))
            first += count
        return prepared

    def _spent(self, what: str, messages: int, since: float) -> float:
        """Add the CPU time since ``since`` to ``what``'s usage; return the time now."""
        now = time.process_time()
        self.usage[what] = self.usage.get(what, StageUsage()).add(messages, now - since)
        return now

    def _alone(self, item: _Prepared) -> BatchResult:
        try:
            return self._commit([item])
        except LeaseLost:
            return BatchResult(lost=1)
        except AlreadyProcessed:
            try:
                self.channel.ack(item.lease, record=False)
            except LeaseLost:
                return BatchResult(lost=1)
            return BatchResult(skipped=1)
        except Exception as error:
            return self._fail(item.lease, error)

    def _commit(self, items: Sequence[_Prepared], look_first: bool = True) -> BatchResult:
        """Apply ``items`` and ack them in one transaction. Without ``look_first`` (the batch's
        fast path) a redelivered duplicate is not looked for: recording it as processed fails
        the ack (AlreadyProcessed), which rolls everything back, and the batch is redone one
        message at a time, looking first."""
        if not items:
            return BatchResult()
        with begin(self.engine) as conn:
            seen: set[tuple[str, str]] = set()
            if look_first:
                keys: dict[str, list[str]] = defaultdict(list)
                for item in items:
                    keys[item.lease.stage].append(item.lease.key)
                for stage, wanted in keys.items():
                    done = self.channel.processed_keys(stage, wanted, conn)
                    seen.update((stage, key) for key in done)
            fresh: list[_Prepared] = []
            repeats: list[Lease] = []
            for item in items:
                if (item.lease.stage, item.lease.key) in seen:
                    repeats.append(item.lease)
                else:
                    seen.add((item.lease.stage, item.lease.key))
                    fresh.append(item)
            self._apply(conn, fresh)
            self.channel.ack_many([i.lease for i in fresh], conn)
            self.channel.ack_many(repeats, conn, record=False)
        return BatchResult(done=len(fresh), skipped=len(repeats))

    def _apply(self, conn: Connection, items: Sequence[_Prepared]) -> None:
        """The writes of prepared items: through the gate (ledger, messages), then the
        outcome columns."""
        by_run: dict[str, list[_Prepared]] = defaultdict(list)
        for item in items:
            by_run[item.key.run_id].append(item)
        for run_id, group in by_run.items():
            gate = self.contexts(run_id).gate
            cleared = group[0].cleared
            whole = all(item.cleared is cleared for item in group) and sum(
                item.count for item in group
            ) == len(cleared.handovers)
            if not whole:  # some of the batch failed or was a duplicate
                pieces = [(item.cleared, item.first, item.count) for item in group]
                cleared = Clearance.join(pieces)
            gate.pass_all(conn, cleared)
            updates: dict[str, dict[str, Any]] = defaultdict(dict)
            # Stage by stage, as if each stage's batch were committed in turn: one booking
            # may have several messages in one batch.
            for _, same_stage in groupby(group, key=lambda item: item.lease.stage):
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


class PipelineWorker:
    """Drains the stages: a batch of each in turn until nothing is left (or told to stop)."""

    def __init__(
        self,
        runner: StageRunner,
        stages: Sequence[str] = routing.STAGES,
        worker_id: str | None = None,
        batch_size: int = 200,
        lease_seconds: float = 60.0,
    ) -> None:
        self.runner = runner
        self.channel = runner.channel
        self.stages = tuple(stages)
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds

    def step(self) -> BatchResult:
        """Lease a batch of every stage (one transaction), handle them, commit (one more)."""
        started = time.process_time()
        leases = self.channel.lease_stages(
            self.stages, self.worker_id, self.lease_seconds, self.batch_size
        )
        runner = self.runner
        runner.usage[LEASE_USAGE] = runner.usage.get(LEASE_USAGE, StageUsage()).add(
            len(leases), time.process_time() - started
        )
        return runner.process(leases)

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
