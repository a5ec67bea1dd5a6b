"""End-to-end throughput of the pipeline: bookings from the booking desk to the last answer.

``oracle`` mode: a synthetic world's bookings (oracle CARs built by the booking desk, EBTS bytes
between every pair of agencies, policy decision and ledger entry for every hand-over) drained
by 2 worker processes on SQLite, the desk feeding while the workers run. ``full`` mode: the
demo's full part (``scomm.cli.demo.full_part``): WSQ tenprint CARs of 200 booked people,
extracted and searched 1:N by CJIS (ten fingers) and IDENT (two index fingers) in galleries of
``--full-gallery`` subjects (10,000, as the target names), end to end through 2 worker
processes; the prints and galleries are made once into ``--full-cache`` (with their cost by
phase) and reused.
Run: .venv/bin/python benchmarks/pipeline.py [--bookings N] [--workers W] [--full-gallery S]
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


def full(bookings: int, gallery_subjects: int, root: Path) -> dict[str, Any]:
    """The demo's full-mode part as it runs: its booked people's WSQ CARs and its FBI and IDENT
    galleries of ``gallery_subjects`` (made once, cached under ``root``, with the phase
    breakdown of making them), then ``bookings`` bookings end to end through 2 worker processes
    (worker start-up included); then, in this process, what one booking's searches cost."""
    from rich.console import Console

    from scomm.agencies.full import FullSearch
    from scomm.agencies.identification import Probe
    from scomm.biometrics.gallery import Gallery
    from scomm.cli.demo import DEMO_SPEC, fresh_database, full_part
    from scomm.domain import INDEX_FINGERS
    from scomm.ebts import finger_images, parse

    world = build_world(DEMO_SPEC)
    url, engine = fresh_database(root)
    run = full_part(Console(quiet=True), root, url, engine, world, bookings, gallery_subjects)
    times = json.loads((run.directory / "times.json").read_text())
    searches = {
        name: FullSearch(Gallery.open(run.directory / f"{name}-full")) for name in ("cjis", "ident")
    }
    sample = run.rows[: min(len(run.rows), 20)]
    for i, row in enumerate([sample[0], *sample]):
        if i == 1:  # the first search warms up (compiled code, page cache): not counted
            for search in searches.values():
                search.spent = dict.fromkeys(search.spent, 0.0)
        booking = world.booking(row)
        images = finger_images(parse((run.directory / "cars" / f"{row}.an2").read_bytes()))
        searches["cjis"].search(Probe(booking.tcn.value, booking.booked_at, images))
        index = {p: i for p, i in images.items() if p in INDEX_FINGERS}
        searches["ident"].search(Probe(booking.tcn.value, booking.booked_at, index))
    per_booking = {
        f"{name}_{step}_ms": 1000 * spent / len(sample)
        for name, search in searches.items()
        for step, spent in search.spent.items()
    }
    return {
        "bookings": len(run.rows),
        "gallery_subjects": gallery_subjects,
        "replay_s": run.replay_s,
        "bookings_per_s": len(run.rows) / run.replay_s,
        "prepare": times,
        "per_booking": per_booking,
    }


def full_report(searched: dict[str, Any]) -> str:
    """The full-mode part of the table: preparation by phase, throughput, one booking's costs."""
    lines = [
        f"full mode: {searched['bookings']} tenprint bookings, galleries of"
        f" {searched['gallery_subjects']:,} subjects, 2 worker processes, end to end",
        f"{'full: bookings per second':<34}{searched['bookings_per_s']:>12.2f}  (target 1)",
        f"{'full: replay wall (s)':<34}{searched['replay_s']:>12.1f}",
    ]
    if searched["prepare"]:
        lines.append("full: making the prints and galleries (this run; cached after)")
        for name, spent in searched["prepare"].items():
            wall = f"{spent['wall_s']:.1f} s wall" if spent["wall_s"] else ""
            lines.append(f"  {name:<58}{spent['cpu_s']:>8.1f} CPU-s {wall}")
    lines.append("full: one booking in one process (ms; decode is wall, waiting on the WSQ helper)")
    for name, ms in searched["per_booking"].items():
        lines.append(f"  {name:<32}{ms:>10.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full-gallery", type=int, default=10_000, help="subjects per gallery")
    parser.add_argument("--full-bookings", type=int, default=200)
    parser.add_argument(
        "--full-cache", type=Path, default=Path("build/pipeline-full"),
        help="where the full-mode prints and galleries are kept between runs",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = oracle(args.bookings, args.workers, Path(tmp))
    args.full_cache.mkdir(parents=True, exist_ok=True)
    searched = full(args.full_bookings, args.full_gallery, args.full_cache)
    full_note = full_report(searched)
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
                "full_bookings_per_s": round(searched["bookings_per_s"], 3),
                "full_bookings": searched["bookings"],
                "full_gallery_subjects": args.full_gallery,
                "full_replay_s": round(searched["replay_s"], 1),
                "full_prepare_cpu_s": round(
                    sum(v["cpu_s"] for v in searched["prepare"].values()), 1
                ),
                "full_per_booking_ms": {k: round(v, 1) for k, v in searched["per_booking"].items()},
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
