"""Feeding a world's bookings to the agencies and draining them with worker processes.

Shared by ``scomm compare`` and ``scomm national``: a fresh SQLite store in a folder of the data
directory, the run opened with its parameters, bookings entered in time order in chunks while
``workers`` processes drain the stages, and a progress bar of bookings booked and answered.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine, func, select

from scomm.agencies import enter_bookings, finish_run, open_run
from scomm.agencies.workers import WorkerConfig, WorkerPool, WorkersFailed
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.sim.replay import intakes
from scomm.sim.world import World
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head
from scomm.store.outcome_tables import BookingOutcome

FEED_CHUNK = 2_000


@dataclass(frozen=True)
class Store:
    """A replay's SQLite database and data directory (galleries, ledger key)."""

    root: Path
    url: str
    engine: Engine

    @classmethod
    def fresh(cls, root: Path, name: str = "scomm.db") -> Store:
        root.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (root / f"{name}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{root / name}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        _ = Ledger(engine, root / "keys", migrate=False).signer  # one key, made up front
        return cls(root, url, engine)


def answered(engine: Engine, run_id: str) -> int:
    """Bookings of ``run_id`` that the FBI has answered (SRE or ERRT)."""
    query = select(func.count()).where(
        BookingOutcome.run_id == run_id, BookingOutcome.cjis_result.is_not(None)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def replay(
    store: Store,
    run_id: str,
    world: World,
    rows: Sequence[int],
    *,
    policy: str,
    scenario: str,
    seed: int,
    parameters: Mapping[str, Any],
    workers: int,
    console: Console,
    weight_factor: float = 1.0,
) -> float:
    """Replay booking ``rows`` of ``world`` as run ``run_id``; returns the wall seconds."""
    open_run(
        store.engine, run_id, policy=policy, mode="oracle", scenario=scenario, seed=seed,
        parameters=dict(parameters),
    )  # fmt: skip
    channel = WorkChannel(store.engine)
    registry = Registry.shipped()
    fed = mp.get_context("spawn").Event()
    start = time.perf_counter()
    config = WorkerConfig(store.url, str(store.root), batch_size=300)
    pool = WorkerPool(config, workers, channel, fed=fed)
    columns = (
        TextColumn("{task.description:<30}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    try:
        with Progress(*columns, console=console) as progress:
            entered = progress.add_task(f"{run_id}: booked (CARs)", total=len(rows))
            done = progress.add_task(f"{run_id}: answered by the FBI", total=len(rows))
            for i in range(0, len(rows), FEED_CHUNK):
                chunk = rows[i : i + FEED_CHUNK]
                items = [replace(i, weight=i.weight * weight_factor) for i in intakes(world, chunk)]
                with transaction(store.engine) as session:
                    enter_bookings(session, channel, run_id, items, registry)
                progress.update(entered, advance=len(chunk))
                progress.update(done, completed=answered(store.engine, run_id))
                pool.keep_up()
            fed.set()
            pool.wait(lambda: progress.update(done, completed=answered(store.engine, run_id)))
            progress.update(done, completed=answered(store.engine, run_id))
    except WorkersFailed as failure:
        console.print(f"[red]{run_id}: {failure}; run the command again[/red]")
        raise typer.Exit(1) from None
    if pool.failures:
        console.print(
            f"[yellow]{run_id}: worker processes died (exit codes {pool.failures}); the queues"
            " were drained all the same[/yellow]"
        )
    finish_run(store.engine, run_id)
    return time.perf_counter() - start
