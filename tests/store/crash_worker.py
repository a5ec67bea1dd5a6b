"""A worker process for the crash tests: runs a three-stage pipeline until the channel drains.

Run as ``python crash_worker.py URL WORKER_ID``.  Every stage writes one row to
``test_effects`` (with the delivery that did it) in the same transaction as its ack, so the test
can count effects: exactly one per (key, stage) means nothing was lost or repeated.
"""

from __future__ import annotations

import random
import sys
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from scomm.store import Lease, Message, RetryPolicy, WorkChannel, Worker, make_engine

STAGES = ("lea", "sib", "cjis")


class Stage:
    def __init__(self, name: str, following: str | None) -> None:
        self.name = name
        self.following = following

    def prepare(self, lease: Lease) -> bytes:
        time.sleep(random.uniform(0.001, 0.005))  # CPU-ish work outside the transaction
        return lease.payload + self.name.encode()

    def apply(self, session: Session, lease: Lease, prepared: bytes) -> list[Message]:
        session.execute(
            text("INSERT INTO test_effects (stage, key, delivery) VALUES (:s, :k, :d)"),
            {"s": self.name, "k": lease.key, "d": lease.delivery},
        )
        time.sleep(random.uniform(0.0, 0.001))  # widen the window for a kill mid-transaction
        return [] if self.following is None else [Message(self.following, lease.key, prepared)]


def main(url: str, worker_id: str) -> None:
    engine = make_engine(url)
    channel = WorkChannel(engine, RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2))
    handlers = {
        name: Stage(name, STAGES[i + 1] if i + 1 < len(STAGES) else None)
        for i, name in enumerate(STAGES)
    }
    Worker(channel, handlers, worker_id, batch_size=10, lease_seconds=1.0).run(until_idle=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
