"""End-to-end throughput of the pipeline: bookings from the booking desk to the last answer.

``oracle`` mode: a synthetic world's bookings (oracle CARs built by the booking desk, EBTS bytes
between every pair of agencies, policy decision and ledger entry for every hand-over) drained
by 2 worker processes on SQLite, the desk feeding while the workers run. ``full`` mode: the
CJIS (tenprint) and IDENT (two index fingers) searches of rendered synthetic images, extracted
and searched 1:N in template galleries (``--full-gallery`` subjects each; the target names
10,000, which takes ~30 minutes to enrol here); the rest of a booking's path costs what it
costs in oracle mode, negligible beside them.
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


def full(gallery_subjects: int, bookings: int, root: Path) -> dict[str, float]:
    """Seconds per booking of the full-mode searches: CJIS (ten fingers) and IDENT (two),
    images extracted and searched 1:N in template galleries of ``gallery_subjects``."""
    from scomm.agencies.full import FullSearch
    from scomm.agencies.identification import Probe
    from scomm.biometrics.gallery import Gallery
    from scomm.biometrics.search import minutiae_template
    from scomm.biometrics.synthetic import generate_master, render_impression
    from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
    from scomm.domain import INDEX_FINGERS, TEN_FINGERS
    from scomm.ebts import build_car, finger_images, parse, validate

    world = build_world(SPEC)
    t = time.perf_counter()
    galleries = {}
    for name, fingers in (("cjis", TEN_FINGERS), ("ident", INDEX_FINGERS)):
        gallery = Gallery.open(root / f"{name}-full")
        for identity in range(gallery_subjects):
            gallery.enrol(
                f"S{identity}",
                {
                    f: minutiae_template(
                        template_impression(synthesize_master_template(5, identity, f), 0)
                    )
                    for f in fingers
                },
            )
        gallery.flush()
        galleries[name] = FullSearch(gallery)
    enrol_s = time.perf_counter() - t
    cars = []
    t = time.perf_counter()
    for row in [int(r) for r in time_order(world)[:bookings]]:
        booking = world.booking(row)
        images = {f: render_impression(generate_master(9, row, f), 1).image for f in TEN_FINGERS}
        cars.append((booking, build_car(booking, images).to_bytes()))
    render_s = (time.perf_counter() - t) / bookings
    for search in galleries.values():  # calibrate the thresholds once, outside the timing
        tenprint = search.name.startswith("cjis")
        positions = TEN_FINGERS if tenprint else INDEX_FINGERS
        search.gallery.threshold(positions, search.fpir)
    t = time.perf_counter()
    for booking, data in cars:
        tx = parse(data)
        validate(tx)
        images = finger_images(tx)
        at = booking.booked_at
        galleries["cjis"].search(Probe(booking.tcn.value, at, images))
        index = {p: i for p, i in images.items() if p in INDEX_FINGERS}
        galleries["ident"].search(Probe(booking.tcn.value, at, index))
    per_booking = (time.perf_counter() - t) / bookings
    return {
        "gallery_subjects": gallery_subjects,
        "bookings": bookings,
        "seconds_per_booking": per_booking,
        "enrol_s_per_subject": enrol_s / (2 * gallery_subjects),
        "render_s_per_booking": render_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full-gallery", type=int, default=500, help="subjects per gallery")
    parser.add_argument("--full-bookings", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = oracle(args.bookings, args.workers, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        searched = full(args.full_gallery, args.full_bookings, Path(tmp))
    # Two workers search two bookings at once: the per-booking CPU is the searches' time.
    full_per_s = args.workers / searched["seconds_per_booking"]
    full_note = (
        f"full mode: CJIS tenprint + IDENT two-finger searches of {args.full_gallery:,}-subject"
        f" galleries, {searched['seconds_per_booking']:.1f} s per booking in one process"
        f" (extraction dominates; gallery size matters little), x{args.workers} workers"
    )
    print(f"pipeline, oracle mode, SQLite, {args.workers} worker processes, {os.cpu_count()} CPUs")
    print(f"{'bookings':<34}{result['bookings']:>12,}")
    print(f"{'wall time (s)':<34}{result['wall_s']:>12.1f}")
    print(f"{'bookings per second':<34}{result['bookings_per_s']:>12.1f}  (target 2,000)")
    print(f"{'booking desk, ms per booking':<34}{result['desk_ms_per_booking']:>12.2f}")
    print(f"{'ledger entries':<34}{result['ledger_entries']:>12,}")
    print(f"{'dead letters':<34}{result['dead_letters']:>12,}")
    print(f"{'full: s per booking (1 process)':<34}{searched['seconds_per_booking']:>12.2f}")
    print(f"{'full: enrol s per subject':<34}{searched['enrol_s_per_subject']:>12.3f}")
    print(f"{'full: render s per tenprint':<34}{searched['render_s_per_booking']:>12.2f}")
    print(full_note)
    print(
        json.dumps(
            {
                "oracle_bookings_per_s": round(result["bookings_per_s"], 1),
                "oracle_bookings": result["bookings"],
                "oracle_wall_s": round(result["wall_s"], 2),
                "oracle_desk_ms_per_booking": round(result["desk_ms_per_booking"], 3),
                "workers": args.workers,
                "full_bookings_per_s": round(full_per_s, 3),
                "full_gallery_subjects": args.full_gallery,
                "full_seconds_per_booking_one_process": round(searched["seconds_per_booking"], 2),
                "full_note": full_note,
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
