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
[--oracle-only]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from scomm.agencies import Intake, enter_bookings, open_run
from scomm.agencies.routing import LEA_INBOX
from scomm.agencies.runner import StageUsage
from scomm.agencies.workers import WorkerConfig, start_workers
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, intakes, time_order
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head
from scomm.store.workchannel import PROCESSED

SPEC = WorldSpec(sample_fraction=0.01)
CHUNK = 1000
BATCH = 1000
WARM_UP = 300
"""Bookings drained before the clock starts: the workers have started, imported and built the
run's services (the world is rebuilt in each process), as a running service would have."""


def oracle(bookings: int, workers: int, root: Path, batch: int = BATCH) -> dict[str, Any]:
    """``bookings`` oracle bookings end to end on SQLite with ``workers`` worker processes.

    The clock runs from the booking desk's first enqueue (booking rows and CARs, in chunks of
    ``CHUNK`` per transaction, while the workers run) until no message is left on any queue;
    then every booking must have its answer, nothing may be dead and the ledger must verify.
    The CARs are made before the clock starts (the synthetic bookings are the input)."""
    url = f"sqlite:///{root / 'bench.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    world = build_world(SPEC)
    enrol(world, root / "galleries" / "bench")
    open_run(
        engine, "bench", policy="historical", mode="oracle", seed=SPEC.seed,
        parameters={"world": SPEC.to_json(), "galleries": "bench", "services": SERVICES},
    )  # fmt: skip
    ordered = [int(r) for r in time_order(world)]
    rows = ordered[-bookings:]
    warm_rows = ordered[-bookings - WARM_UP : -bookings]
    t = time.process_time()
    timed_items = list(intakes(world, rows))
    car_ms = 1000 * (time.process_time() - t) / len(rows)
    warm_items = list(intakes(world, warm_rows))
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    spawn = mp.get_context("spawn")
    fed, usage = spawn.Event(), spawn.Queue()
    config = WorkerConfig(url, str(root), batch_size=batch, warm_runs=("bench",))
    processes = start_workers(config, workers, fed=fed, usage=usage)
    _enter(engine, channel, warm_items, registry)
    _drain(channel)
    cpu0, start = time.process_time(), time.perf_counter()
    _enter(engine, channel, timed_items, registry)
    enqueue_cpu = time.process_time() - cpu0
    fed.set()
    reports = [_drained(processes, usage)]
    wall = time.perf_counter() - start
    desk_cpu = time.process_time() - cpu0  # the enqueue and the wait for the end
    reports += [usage.get(timeout=60) for _ in processes[1:]]
    stages: dict[str, StageUsage] = {}
    waited = held = held_cpu = ran = 0.0
    turns = 0
    for _, used, writer, seconds in reports:
        for stage, u in used.items():
            stages[stage] = stages.get(stage, StageUsage()).add(u.messages, u.cpu_s)
        waited, held, ran = waited + writer.waited_s, held + writer.held_s, ran + seconds
        held_cpu += writer.held_cpu_s
        turns += writer.turns
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode]
    if failed:
        raise RuntimeError(f"worker processes exited with codes {failed}")
    dead = sum(d["dead"] for d in channel.depths().values())
    if dead:
        raise RuntimeError(f"dead letters: {channel.dead_letters(limit=3)}")
    answered = _answered(engine, [item.booking.tcn.value for item in timed_items])
    ledger = Ledger(engine, root / "keys", migrate=False)
    report = ledger.verify()
    handled = len(rows) + len(warm_rows)
    stage_ms = {stage: 1000 * u.cpu_s / handled for stage, u in stages.items()}
    cpu_ms = sum(stage_ms.values()) + 1000 * desk_cpu / len(rows)
    return {
        "bookings": len(rows),
        "answered": answered,
        "wall_s": wall,
        "bookings_per_s": answered / wall,
        "car_ms_per_booking": car_ms,
        "enqueue_ms_per_booking": 1000 * enqueue_cpu / len(rows),
        "desk_ms_per_booking": 1000 * desk_cpu / len(rows),
        "stage_ms_per_booking": stage_ms,
        "messages_per_booking": {s: u.messages / handled for s, u in stages.items()},
        "cpu_ms_per_booking": cpu_ms,
        "cpu_bookings_per_s": workers * 1000 / cpu_ms,
        "system_cpu_ms_per_booking": cpu_ms + car_ms,
        "ledger_entries": ledger.size(),
        "ledger_ok": report.ok,
        "dead_letters": dead,
        "writer_wait_share": waited / ran,
        "writer_held_share": held / ran,
        "writer_held_ms_per_booking": 1000 * held / handled,
        "writer_held_cpu_ms_per_booking": 1000 * held_cpu / handled,
        "writer_turns_per_1000": 1000 * turns / handled,
    }


def _enter(engine: Engine, channel: WorkChannel, items: list[Intake], registry: Registry) -> None:
    for i in range(0, len(items), CHUNK):
        with transaction(engine) as session:
            enter_bookings(session, channel, "bench", items[i : i + CHUNK], registry)


def _drained(processes: list[Any], usage: Any) -> Any:
    """Until the first worker reports its usage (returned): with the desk done (``fed``), a
    worker reports when it finds no message left on any queue (every one acked: all its
    effects committed) — known the moment its last commit is, where polling the queues from
    here cost CPU and up to a poll interval of wall clock (and a process's end comes later: the
    interpreter's teardown). A worker that crashed instead is an error."""
    while True:
        try:
            return usage.get(timeout=0.5)
        except queue.Empty:
            failed = [p.exitcode for p in processes if p.exitcode]
            if failed:
                raise RuntimeError(f"worker processes exited with codes {failed}") from None


def _drain(channel: WorkChannel, poll_s: float = 0.1) -> None:
    """Until every queue is empty (every message acked: all its effects committed). Cheap
    queries only: this process shares the cores with the workers."""
    while channel.pending():
        if channel.dead_letters(limit=1):
            raise RuntimeError(f"dead letters: {channel.dead_letters(limit=3)}")
        time.sleep(poll_s)


def _answered(engine: Engine, tcns: list[str]) -> int:
    """Bookings whose agency took delivery of the FBI's answer (SRE or ERRT); with the queues
    empty and nothing dead, every later step of theirs (IAQ, IAR, detainer) is done too."""
    keys = [f"bench|{tcn}|{tot}" for tcn in tcns for tot in ("SRE", "ERRT")]
    found = 0
    with engine.connect() as conn:
        for i in range(0, len(keys), 500):
            found += conn.execute(
                select(func.count())
                .select_from(PROCESSED)
                .where(PROCESSED.c.stage == LEA_INBOX, PROCESSED.c.key.in_(keys[i : i + 500]))
            ).scalar_one()
    return int(found)


def full(bookings: int, gallery_subjects: int, root: Path) -> dict[str, Any]:
    """The demo's full-mode part as it runs: its booked people's WSQ CARs and its FBI and IDENT
    galleries of ``gallery_subjects`` (made once, cached under ``root``, with the phase
    breakdown of making them), then ``bookings`` bookings end to end through 2 worker processes
    (worker start-up included); then, in this process, what one booking's searches cost."""
    from rich.console import Console

    from scomm.agencies.full import FullSearch
    from scomm.agencies.identification import Probe
    from scomm.biometrics.gallery import Gallery
    from scomm.cli.demo import DEMO_SPEC, FULL_RUN_ID, answered_count, fresh_database, full_part
    from scomm.domain import INDEX_FINGERS
    from scomm.ebts import finger_images, parse

    world = build_world(DEMO_SPEC)
    url, engine = fresh_database(root)
    run = full_part(Console(quiet=True), root, url, engine, world, bookings, gallery_subjects)
    done = answered_count(engine, FULL_RUN_ID)
    assert done == len(run.rows), f"only {done} of {len(run.rows)} full-mode bookings answered"
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


def oracle_table(result: dict[str, Any], workers: int) -> dict[str, Any]:
    """Print the oracle run's table; return its figures for the JSON line."""
    load = os.getloadavg()
    print(f"pipeline, oracle mode, SQLite, {workers} worker processes, {os.cpu_count()} CPUs")
    print(f"{'bookings (timed)':<40}{result['bookings']:>12,}")
    print(f"{'answered (SRE/ERRT delivered)':<40}{result['answered']:>12,}")
    print(f"{'wall time, enqueue to drained (s)':<40}{result['wall_s']:>12.2f}")
    print(f"{'bookings per second':<40}{result['bookings_per_s']:>12.1f}  (target 2,000)")
    entries, verified = result["ledger_entries"], result["ledger_ok"]
    print(f"{'ledger entries / verifies':<40}{entries:>12,}  {verified}")
    print(f"{'dead letters':<40}{result['dead_letters']:>12,}")
    waiting, holding = result["writer_wait_share"], result["writer_held_share"]
    print(f"{'workers waiting for / holding the writer':<40}{waiting:>11.0%} {holding:>6.0%}")
    print(
        f"{'writer held, ms per booking (wall)':<40}{result['writer_held_ms_per_booking']:>12.3f}"
    )
    held_cpu = result["writer_held_cpu_ms_per_booking"]
    print(f"{'writer held, CPU-ms per booking':<40}{held_cpu:>12.3f}  (the serial part)")
    print(f"{'writer turns per 1,000 bookings':<40}{result['writer_turns_per_1000']:>12.1f}")
    print(f"{'CPU ms per booking, by stage':<40}{'ms':>12}{'messages':>10}")
    print(f"{'  booking desk: make the CARs (untimed)':<40}{result['car_ms_per_booking']:>12.3f}")
    print(f"{'  booking desk: enqueue':<40}{result['enqueue_ms_per_booking']:>12.3f}")
    polling = result["desk_ms_per_booking"] - result["enqueue_ms_per_booking"]
    print(f"{'  benchmark: waiting for the end':<40}{polling:>12.3f}")
    for stage, ms in sorted(result["stage_ms_per_booking"].items(), key=lambda kv: -kv[1]):
        per = result["messages_per_booking"][stage]
        print(f"{'  ' + stage:<40}{ms:>12.3f}{per:>10.2f}")
    print(f"{'  total (this process + stages)':<40}{result['cpu_ms_per_booking']:>12.3f}")
    system = result["system_cpu_ms_per_booking"]
    print(f"{'  total with the CARs made':<40}{system:>12.3f}  (a replay's desk makes them live)")
    print(
        f"{'CPU-based: ' + str(workers) + ' cores / CPU per booking':<40}"
        f"{result['cpu_bookings_per_s']:>12.1f}  (what {workers} idle cores would give if"
        " nothing waited; for a loaded machine)"
    )
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return {
        "oracle_bookings_per_s": round(result["bookings_per_s"], 1),
        "oracle_bookings": result["bookings"],
        "oracle_wall_s": round(result["wall_s"], 2),
        "oracle_cpu_ms_per_booking": round(result["cpu_ms_per_booking"], 3),
        "oracle_cpu_bookings_per_s": round(result["cpu_bookings_per_s"], 1),
        "oracle_stage_cpu_ms": {k: round(v, 3) for k, v in result["stage_ms_per_booking"].items()},
        "oracle_car_ms_per_booking": round(result["car_ms_per_booking"], 3),
        "oracle_system_cpu_ms_per_booking": round(result["system_cpu_ms_per_booking"], 3),
        "oracle_writer_wait_share": round(result["writer_wait_share"], 3),
        "oracle_writer_held_ms_per_booking": round(result["writer_held_ms_per_booking"], 3),
        "oracle_writer_held_cpu_ms_per_booking": round(held_cpu, 3),
        "workers": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full-gallery", type=int, default=10_000, help="subjects per gallery")
    parser.add_argument("--full-bookings", type=int, default=200)
    parser.add_argument(
        "--full-cache", type=Path, default=Path("build/pipeline-full"),
        help="where the full-mode prints and galleries are kept between runs",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=BATCH, help="messages a worker leases")
    parser.add_argument("--oracle-only", action="store_true", help="skip the full-mode part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = oracle(args.bookings, args.workers, Path(tmp), args.batch)
    figures = oracle_table(result, args.workers)
    if not args.oracle_only:
        args.full_cache.mkdir(parents=True, exist_ok=True)
        searched = full(args.full_bookings, args.full_gallery, args.full_cache)
        print(full_report(searched))
        figures.update(
            {
                "full_bookings_per_s": round(searched["bookings_per_s"], 3),
                "full_bookings": searched["bookings"],
                "full_gallery_subjects": args.full_gallery,
                "full_replay_s": round(searched["replay_s"], 1),
                "full_prepare_cpu_s": round(
                    sum(v["cpu_s"] for v in searched["prepare"].values()), 1
                ),
                "full_per_booking_ms": {k: round(v, 1) for k, v in searched["per_booking"].items()},
            }
        )
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
