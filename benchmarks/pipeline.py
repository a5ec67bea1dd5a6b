"""End-to-end throughput of the pipeline: bookings from the booking desk to the last answer.

``oracle`` mode: a synthetic world's bookings (oracle CARs built by the booking desk, EBTS bytes
between every pair of agencies, policy decision and ledger entry for every hand-over) drained
by 2 worker processes on SQLite, the desk feeding while the workers run. ``full`` mode needs
the 1:N gallery search; until it is part of the build the figure is null and the reason says
why. Run: .venv/bin/python benchmarks/pipeline.py [--bookings N] [--workers W]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

from scomm.agencies import enter_bookings, open_run
from scomm.agencies.workers import WorkerConfig, start_workers
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, intakes, time_order
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head

SPEC = WorldSpec(sample_fraction=0.01)
CHUNK = 1000


def oracle(bookings: int, workers: int, root: Path) -> dict[str, float]:
    url = f"sqlite:///{root / 'bench.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    world = build_world(SPEC)
    enrol(world, root / "galleries" / "bench")
    open_run(
        engine, "bench", policy="historical", mode="oracle", seed=SPEC.seed,
        parameters={"world": SPEC.to_json(), "galleries": "bench", "services": SERVICES},
    )  # fmt: skip
    rows = [int(r) for r in time_order(world)[-bookings:]]
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    fed = mp.get_context("spawn").Event()
    desk = 0.0
    start = time.perf_counter()
    processes = start_workers(WorkerConfig(url, str(root), batch_size=300), workers, fed=fed)
    for i in range(0, len(rows), CHUNK):
        t = time.perf_counter()
        items = list(intakes(world, rows[i : i + CHUNK]))
        with transaction(engine) as session:
            enter_bookings(session, channel, "bench", items, registry)
        desk += time.perf_counter() - t
    fed.set()
    for process in processes:
        process.join()
    wall = time.perf_counter() - start
    assert channel.pending() == 0, "work left behind"
    dead = sum(d["dead"] for d in channel.depths().values())
    entries = Ledger(engine, root / "keys", migrate=False).size()
    return {
        "bookings": len(rows),
        "wall_s": wall,
        "bookings_per_s": len(rows) / wall,
        "desk_ms_per_booking": 1000 * desk / len(rows),
        "ledger_entries": entries,
        "dead_letters": dead,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = oracle(args.bookings, args.workers, Path(tmp))
    full_available = importlib.util.find_spec("scomm.biometrics.search") is not None
    full_note = (
        "full mode not measured: the 1:N gallery search is not wired into the pipeline yet"
        if full_available
        else "full mode not measured: the 1:N gallery search is not part of this build"
    )
    print(f"pipeline, oracle mode, SQLite, {args.workers} worker processes, {os.cpu_count()} CPUs")
    print(f"{'bookings':<34}{result['bookings']:>12,}")
    print(f"{'wall time (s)':<34}{result['wall_s']:>12.1f}")
    print(f"{'bookings per second':<34}{result['bookings_per_s']:>12.1f}  (target 2,000)")
    print(f"{'booking desk, ms per booking':<34}{result['desk_ms_per_booking']:>12.2f}")
    print(f"{'ledger entries':<34}{result['ledger_entries']:>12,}")
    print(f"{'dead letters':<34}{result['dead_letters']:>12,}")
    print(full_note)
    print(
        json.dumps(
            {
                "oracle_bookings_per_s": round(result["bookings_per_s"], 1),
                "oracle_bookings": result["bookings"],
                "oracle_wall_s": round(result["wall_s"], 2),
                "oracle_desk_ms_per_booking": round(result["desk_ms_per_booking"], 3),
                "workers": args.workers,
                "full_bookings_per_s": None,
                "full_note": full_note,
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
