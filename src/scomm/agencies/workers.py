"""Worker processes: ``scomm run --workers N`` and the replays start N of these.

Each process opens its own engine (connections never cross a fork), builds the run contexts
from the database and drains the stages until nothing is left, reporting what it did through
a queue. A killed process loses nothing: its leases run out and another worker takes them.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

from scomm.agencies.context import RunContexts
from scomm.agencies.runner import PipelineWorker, StageRunner
from scomm.policy import Registry
from scomm.store import RetryPolicy, WorkChannel, make_engine
from scomm.store.database import writer_times


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    data_dir: str
    batch_size: int = 200
    lease_seconds: float = 60.0
    until_idle: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    warm_runs: tuple[str, ...] = ()
    """Runs whose services each worker builds before taking work (else on its first
    message of the run)."""


def make_worker(config: WorkerConfig, worker_id: str | None = None) -> PipelineWorker:
    engine = make_engine(config.database_url)
    channel = WorkChannel(engine, config.retry)
    registry = Registry.shipped()
    contexts = RunContexts(channel, Path(config.data_dir), registry)
    runner = StageRunner(channel, contexts, registry)
    return PipelineWorker(
        runner, worker_id=worker_id, batch_size=config.batch_size,
        lease_seconds=config.lease_seconds,
    )  # fmt: skip


class BatchCollector:
    """The cyclic garbage collector of a worker process, run between batches instead of by
    allocation counts.

    A stage's garbage is freed by reference counting (it is rarely cyclic), but what a batch
    keeps — the per-process caches of parsed messages, booking records and checked field
    values, tens of thousands of objects per batch — is walked by every young collection the
    allocations trigger while the batch runs, and again as it ages: about a tenth of a
    worker's CPU in ``oracle`` mode. So automatic collection is off while the worker runs,
    and a full collection every ``every`` batches frees whatever cycles there were (a few
    batches' worth of memory at most)."""

    def __init__(self, every: int = 64) -> None:
        self.every = every
        self.batches = 0

    def start(self) -> None:
        gc.disable()

    def after_batch(self) -> None:
        self.batches += 1
        if self.batches % self.every == 0:
            gc.collect()


def worker_main(
    config: WorkerConfig, report: Any = None, fed: Any = None, usage: Any = None
) -> None:
    """Entry point of a worker process: puts ``(pid, done)`` on ``report`` after each batch;
    with ``fed`` (an Event), idle is only the end once the feeder has set it; at the end puts
    ``(pid, {stage: StageUsage}, WriterTimes, seconds run)`` on ``usage``."""
    worker = make_worker(config)
    for run_id in config.warm_runs:
        worker.runner.contexts(run_id)
    # What is built by now (the world, galleries, rules) lives as long as the process: keep the
    # cyclic collector from walking it again and again.
    gc.freeze()
    collector = BatchCollector()
    collector.start()

    def tell(result: Any) -> None:
        if result.total:
            collector.after_batch()
        if report is not None and result.total:
            report.put_nowait((os.getpid(), result.done))

    may_stop = None if fed is None else fed.is_set
    started = time.perf_counter()
    worker.run(until_idle=config.until_idle, on_batch=tell, may_stop=may_stop)
    if usage is not None:
        ran = time.perf_counter() - started
        usage.put_nowait((os.getpid(), worker.usage, writer_times(), ran))


def start_workers(
    config: WorkerConfig, count: int, report: Any = None, fed: Any = None, usage: Any = None
) -> list[SpawnProcess]:
    """Start ``count`` worker processes (spawned, not forked)."""
    context = mp.get_context("spawn")
    processes = []
    for _ in range(count):
        process = context.Process(
            target=worker_main, args=(config, report, fed, usage), daemon=True
        )
        process.start()
        processes.append(process)
    return processes


class WorkersFailed(RuntimeError):
    """Worker processes kept dying while messages were left on the queues."""


class WorkerPool:
    """``count`` worker processes, kept at strength until the queues are drained.

    A worker that dies (killed, out of memory, a crash at start) loses nothing: its leases run
    out and the others take them. But a replay whose workers have all died would wait for no
    one and report half its bookings, so a worker that ends with a non-zero exit code while
    work is left is replaced, ``restarts`` times in all. Once every worker has ended, work
    still left raises ``WorkersFailed``, naming the exit codes and what is on the queues."""

    def __init__(
        self, config: WorkerConfig, count: int, channel: WorkChannel, *, fed: Any = None,
        report: Any = None, usage: Any = None, restarts: int = 3,
    ) -> None:  # fmt: skip
        self.config = config
        self.channel = channel
        self.fed = fed
        self.restarts = restarts
        self.report = report
        self.usage = usage
        self.failures: list[int] = []
        """Exit codes of the workers that died, in order (replaced while ``restarts`` last)."""
        self.processes = start_workers(config, count, report, fed, usage)

    def keep_up(self) -> None:
        """Replace the workers that have died since the last look, while work is left."""
        for process in [p for p in self.processes if p.exitcode]:
            self.processes.remove(process)
            self.failures.append(int(process.exitcode or 0))
            more_may_come = (self.fed is not None and not self.fed.is_set()) or (
                not self.config.until_idle  # `scomm run --forever`
            )
            if len(self.failures) <= self.restarts and (more_may_come or self.channel.pending()):
                self.processes += start_workers(self.config, 1, self.report, self.fed, self.usage)
        if not self.processes and (left := self.channel.pending()):
            raise self._failed(left)  # all dead, none to replace them: say so now, not later

    def wait(self, on_wait: Callable[[], None] | None = None, poll_seconds: float = 0.5) -> None:
        """Until every worker has ended and the queues are empty (``on_wait`` between looks)."""
        while True:
            self.keep_up()
            running = [p for p in self.processes if p.is_alive()]
            if not running:
                if any(p.exitcode for p in self.processes):
                    continue  # died since ``keep_up`` looked: replaced on this next turn
                break
            if on_wait is not None:
                on_wait()
            wait([p.sentinel for p in running], timeout=poll_seconds)
        for process in self.processes:
            process.join()
        if left := self.channel.pending():
            raise self._failed(left)

    def _failed(self, left: int) -> WorkersFailed:
        return WorkersFailed(
            f"worker processes exited with codes {self.failures} and {left:,} messages are left"
            " on the queues (kept: nothing is lost)"
        )
