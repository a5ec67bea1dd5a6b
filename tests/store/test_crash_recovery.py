"""Real worker processes, killed with SIGKILL at random points: nothing lost, nothing repeated,
nothing wrongly dead — on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from scomm.store import Message, WorkChannel, make_engine, upgrade_to_head
from scomm.store.testing import lease_holders_frozen

WORKER = Path(__file__).with_name("crash_worker.py")
STAGES = ("lea", "sib", "cjis")
BOOKINGS = 500
WORKERS = 3
KILLS = 6


def start(url: str, worker_id: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, worker_id],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_a_lease_holder(
    engine: Engine,
    names: dict[str, subprocess.Popen[bytes]],
    alive: set[subprocess.Popen[bytes]],
    rng: random.Random,
) -> subprocess.Popen[bytes] | None:
    with lease_holders_frozen(engine) as holders:
        candidates = [names[w] for w in sorted(holders) if names[w] in alive]
        if not candidates:
            return None
        victim = rng.choice(candidates)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        return victim


@pytest.mark.slow
def test_sigkilled_workers_lose_nothing_and_repeat_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE test_effects (stage VARCHAR(10), key VARCHAR(20), delivery INTEGER)")
        )
    channel = WorkChannel(engine)
    channel.put_many(Message("lea", f"TCN{i:04}", b"car") for i in range(BOOKINGS))

    rng = random.Random(int(os.environ.get("CRASH_SEED", "8")))
    names = {f"w{n}": start(database_url, f"w{n}") for n in range(WORKERS)}
    kills = 0
    deadline = time.monotonic() + 120
    while kills < KILLS and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.1, 0.5))
        alive = {p for p in names.values() if p.poll() is None}
        if not alive:
            break
        if kills % 2 == 0:
            # Freeze the channel, pick a worker holding a live lease, kill it while it cannot
            # commit: certain to leave work behind that only redelivery can finish.
            victim = kill_a_lease_holder(engine, names, alive, rng)
        else:
            # Anywhere at all: leasing, preparing, mid-transaction, committing, polling.
            victim = rng.choice(sorted(alive, key=lambda p: p.pid))
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
        if victim is None:
            continue
        kills += 1
        names[f"r{kills}"] = start(database_url, f"r{kills}")  # the restart
    for process in names.values():
        _, err = process.communicate(timeout=120)
        assert process.returncode in (0, -signal.SIGKILL), err.decode()
    assert kills == KILLS, "the run finished before every kill landed; make the work longer"

    with engine.connect() as conn:
        counts = conn.execute(
            text("SELECT stage, key, count(*) FROM test_effects GROUP BY stage, key")
        ).all()
        redelivered = conn.execute(
            text("SELECT count(*) FROM test_effects WHERE delivery > 1")
        ).scalar_one()
    assert len(counts) == BOOKINGS * len(STAGES), "some (key, stage) never took effect"
    assert [row for row in counts if row[2] != 1] == [], "some (key, stage) took effect twice"
    depths = channel.depths()
    assert {stage: depths[stage]["done"] for stage in STAGES} == dict.fromkeys(STAGES, BOOKINGS)
    assert channel.dead_letters() == []
    assert channel.pending() == 0
    assert redelivered > 0, "no kill interrupted a held lease; the test proved nothing"
    engine.dispose()
