"""Work channel throughput on SQLite: put, and lease+apply+ack through a three-stage pipeline
with one and with two worker processes.

The pipeline target (>= 2,000 bookings/s end to end in oracle mode, several stages per booking)
needs the channel itself to move well over 10,000 messages/s, leaving time for the stages' work.

    .venv/bin/python benchmarks/workchannel.py [--items N] [--batch B]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from scomm.store import Lease, Message, WorkChannel, Worker, make_engine, upgrade_to_head

STAGES = ("sib", "cjis", "ident")
PAYLOAD = b"x" * 600  # about the size of an oracle-mode message (a CAR without images)


class Forward:
    """A stage that spends ``work_us`` of CPU per message outside the transaction (as a real
    stage decoding EBTS or matching would), then forwards the message to the next stage."""

    def __init__(self, following: str | None, work_us: float) -> None:
        self.following = following
        self.work_s = work_us / 1e6

    def prepare(self, lease: Lease) -> None:
        end = time.perf_counter() + self.work_s
        while time.perf_counter() < end:
            pass

    def apply(self, _session: Session, lease: Lease, _prepared: Any) -> list[Message]:
        return [] if self.following is None else [Message(self.following, lease.key, lease.payload)]


def handlers(work_us: float) -> dict[str, Any]:
    return {
        stage: Forward(STAGES[i + 1] if i + 1 < len(STAGES) else None, work_us)
        for i, stage in enumerate(STAGES)
    }


def fresh_channel(directory: Path, name: str) -> tuple[str, WorkChannel]:
    url = f"sqlite:///{directory / name}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    return url, WorkChannel(engine)


def worker_main(
    url: str, worker_id: str, batch: int, work_us: float, go: Any, ready: Any, cpu: Any
) -> None:
    engine = make_engine(url)
    worker = Worker(WorkChannel(engine), handlers(work_us), worker_id, batch_size=batch)
    ready.release()
    go.wait()
    start = time.process_time()
    worker.run(until_idle=True)
    with cpu.get_lock():
        cpu.value += time.process_time() - start
    engine.dispose()


def drain(url: str, workers: int, batch: int, work_us: float) -> tuple[float, float]:
    """Wall seconds for ``workers`` processes to carry every item through every stage, and the
    CPU seconds they spent (which machine load does not inflate)."""
    ctx = mp.get_context("fork")
    go, ready, cpu = ctx.Event(), ctx.Semaphore(0), ctx.Value("d", 0.0)
    processes = [
        ctx.Process(target=worker_main, args=(url, f"w{n}", batch, work_us, go, ready, cpu))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"worker failed with exit code {process.exitcode}")
    return time.perf_counter() - start, float(cpu.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--work-us",
        type=float,
        default=100.0,
        help="CPU per message per stage, outside the transaction, for the second pair of runs",
    )
    args = parser.parse_args()
    n, figures = args.items, {}
    with tempfile.TemporaryDirectory(prefix="scomm-bench-") as tmp:
        directory = Path(tmp)
        _, channel = fresh_channel(directory, "put.db")
        single = min(n, 2_000)
        start = time.perf_counter()
        for i in range(single):
            channel.put(STAGES[0], f"S{i}", PAYLOAD)
        figures["put_single_per_s"] = single / (time.perf_counter() - start)
        start = time.perf_counter()
        for chunk in range(0, n, 500):
            channel.put_many(
                Message(STAGES[0], f"B{i}", PAYLOAD) for i in range(chunk, min(n, chunk + 500))
            )
        figures["put_batched_per_s"] = n / (time.perf_counter() - start)

        for work_us in (0, args.work_us):
            for workers in (1, 2):
                url, channel = fresh_channel(directory, f"drain{workers}_{work_us}.db")
                for chunk in range(0, n, 500):
                    channel.put_many(
                        Message(STAGES[0], f"T{i}", PAYLOAD)
                        for i in range(chunk, min(n, chunk + 500))
                    )
                seconds, cpu_seconds = drain(url, workers, args.batch, work_us)
                depths = channel.depths()
                assert all(depths[s]["done"] == n for s in STAGES), depths
                assert channel.pending() == 0 and not channel.dead_letters()
                suffix = f"{workers}_worker{'s' if workers > 1 else ''}"
                if work_us:
                    suffix += f"_{work_us:g}us_work"
                figures[f"messages_per_s_{suffix}"] = n * len(STAGES) / seconds
                figures[f"items_per_s_{suffix}"] = n / seconds
                if not work_us:
                    figures[f"cpu_us_per_message_{suffix}"] = cpu_seconds / (n * len(STAGES)) * 1e6

    print(f"SQLite work channel, {n} items, {len(STAGES)} stages, lease batch {args.batch}")
    print(f"{'measure':<58}{'value':>12}")
    for key, value in figures.items():
        label = key.replace("_per_s", "/s").replace("_", " ")
        print(f"{label:<58}{value:>12,.1f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (CPU figures do not depend on it)")
    result = {k: round(v, 1) for k, v in figures.items()}
    result.update(items=n, stages=len(STAGES), batch=args.batch, work_us=args.work_us)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
