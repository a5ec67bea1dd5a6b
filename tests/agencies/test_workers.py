"""The worker pool the replays and `scomm run` drain with: a worker that dies is replaced while
work is left, and workers that keep dying end in a clear error, not in a half-done run."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scomm.agencies.workers import WorkerConfig, WorkerPool, WorkersFailed
from scomm.store.work_tables import ProcessedRecord


def _answers(replay: Any) -> Counter[str]:
    """Criminal-history answers delivered to the bookings' agencies, by TCN."""
    with replay.engine.connect() as conn:
        keys = conn.execute(
            select(ProcessedRecord.key).where(ProcessedRecord.stage == "lea-inbox")
        ).scalars()
        return Counter(k.split("|")[1] for k in keys if k.endswith(("|SRE", "|ERRT")))


def test_a_worker_killed_at_start_is_replaced_and_the_queues_drain(replay: Any) -> None:
    items = replay.intakes(replay.rows(60))
    replay.enter(items)
    config = WorkerConfig(replay.url, str(replay.data_dir), batch_size=20, lease_seconds=1.0)
    pool = WorkerPool(config, 1, replay.channel, restarts=2)
    first = pool.processes[0]
    os.kill(first.pid, signal.SIGKILL)  # type: ignore[arg-type]
    pool.wait(poll_seconds=0.1)

    assert pool.failures == [-signal.SIGKILL]
    assert first not in pool.processes and [p.exitcode for p in pool.processes] == [0]
    assert replay.channel.pending() == 0 and replay.channel.dead_letters() == []
    answers = _answers(replay)
    assert set(answers) == {item.booking.tcn.value for item in items}
    assert set(answers.values()) == {1}


def test_workers_that_keep_dying_end_in_an_error_naming_what_is_left(
    replay: Any, tmp_path: Path
) -> None:
    replay.enter(replay.intakes(replay.rows(5)))
    left = replay.channel.pending()
    # every worker dies at start: its database cannot be opened
    broken = WorkerConfig(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}", str(tmp_path))
    pool = WorkerPool(broken, 2, replay.channel, restarts=1)
    with pytest.raises(WorkersFailed, match=f"exited with codes \\[1, 1, 1\\] and {left} messages"):
        pool.wait(poll_seconds=0.1)
    assert replay.channel.pending() == left  # nothing was lost


def test_a_dead_pool_is_reported_while_bookings_are_still_being_entered(
    replay: Any, tmp_path: Path
) -> None:
    """The desk hears of it at its next chunk, not once it has entered every booking."""
    import multiprocessing as mp
    import time

    replay.enter(replay.intakes(replay.rows(3)))
    fed = mp.get_context("spawn").Event()  # never set: more bookings may come
    broken = WorkerConfig(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}", str(tmp_path))
    pool = WorkerPool(broken, 1, replay.channel, fed=fed, restarts=1)
    deadline = time.monotonic() + 60
    with pytest.raises(WorkersFailed, match=r"exited with codes \[1, 1\]"):
        while time.monotonic() < deadline:
            pool.keep_up()
            time.sleep(0.05)
    assert pool.processes == []
