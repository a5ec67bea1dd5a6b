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
from dataclasses import dataclass, field
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
