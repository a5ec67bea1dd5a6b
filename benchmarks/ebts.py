"""EBTS throughput: parse and build a typical CAR (ten 500 ppi WSQ prints, 640x480 each).

Run ``.venv/bin/python benchmarks/ebts.py``. Prints a table, then one JSON line of figures.
"Build" is ``build_car`` + ``to_bytes`` from already-encoded WSQ (what the pipeline does);
"build + WSQ encode" includes compressing the ten images.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from scomm.domain import TEN_FINGERS, Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import build_car, encode_wsq, finger_images, parse, read_car_facts, validate

SHARED = Path(__file__).parents[1].parent / "shared" / "data"
TARGET_SECONDS = 1.5


def booking(sequence: int) -> Booking:
    ori = Ori("CA0190000")
    person = Person("p", "Garcia", "Jose", dt.date(1985, 2, 3), Sex.MALE, Race.WHITE, "MX")
    booked = dt.datetime(2011, 6, 1, 14, 5, tzinfo=dt.UTC)
    tcn = Tcn.for_booking(ori, booked.date(), sequence)
    return Booking(tcn, ori, person, booked, (Charge.of("3599"), Charge.of("5404")))


def prints() -> dict[FingerPosition, np.ndarray]:
    files = sorted((SHARED / "fingerprints" / "fvc2004_db1_b").glob("*_1.tif"))
    return {
        p: np.asarray(Image.open(f).convert("L")) for p, f in zip(TEN_FINGERS, files, strict=True)
    }


def rate(work: Callable[[int], object]) -> tuple[float, int]:
    """Calls per second of ``work(i)``, timed over about TARGET_SECONDS."""
    work(0)
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < TARGET_SECONDS:
        work(count)
        count += 1
    return count / elapsed, count


def main() -> None:
    pixels = prints()
    wsq = {p: encode_wsq(a) for p, a in pixels.items()}
    two = {p: wsq[p] for p in (FingerPosition.RIGHT_INDEX, FingerPosition.LEFT_INDEX)}
    car = build_car(booking(0), wsq).to_bytes()
    megabytes = len(car) / 1e6

    parse_rate, _ = rate(lambda i: parse(car))
    facts_rate, _ = rate(lambda i: read_car_facts(parse(car)))
    build_rate, _ = rate(lambda i: build_car(booking(i), wsq).to_bytes())
    build_two_rate, _ = rate(lambda i: build_car(booking(i), two).to_bytes())
    encode_rate, _ = rate(lambda i: build_car(booking(i), pixels).to_bytes())
    tx = parse(car)
    validate_rate, _ = rate(lambda i: validate(tx))
    infos = list(finger_images(tx).values())
    decode_rate, _ = rate(lambda i: [info.pixels() for info in infos])
    decode_here_rate, _ = rate(lambda i: [info.pixels(isolated=False) for info in infos])

    rows = [
        ("parse (10-print CAR)", parse_rate, parse_rate * megabytes),
        ("parse + read booking facts", facts_rate, facts_rate * megabytes),
        ("build 10-print CAR (WSQ given)", build_rate, build_rate * megabytes),
        ("build 2-print CAR (WSQ given)", build_two_rate, None),
        ("build 10-print CAR + WSQ encode", encode_rate, encode_rate * megabytes),
        ("validate against EBTS 9.1", validate_rate, None),
        ("decode 10 WSQ (helper process)", decode_rate, None),
        ("decode 10 WSQ (in process)", decode_here_rate, None),
    ]
    print(f"CAR with ten WSQ prints: {len(car):,} bytes")
    print(f"{'operation':34} {'tx/s':>10} {'MB/s':>10}")
    for name, per_second, mb in rows:
        shown = f"{mb:10.1f}" if mb is not None else f"{'':>10}"
        print(f"{name:34} {per_second:10.1f} {shown}")
    print(
        json.dumps(
            {
                "car_bytes": len(car),
                "parse_tx_per_s": round(parse_rate, 1),
                "parse_mb_per_s": round(parse_rate * megabytes, 1),
                "read_facts_tx_per_s": round(facts_rate, 1),
                "build_tx_per_s": round(build_rate, 1),
                "build_2print_tx_per_s": round(build_two_rate, 1),
                "build_with_wsq_encode_tx_per_s": round(encode_rate, 1),
                "validate_tx_per_s": round(validate_rate, 1),
                "decode_10_wsq_per_s": round(decode_rate, 2),
                "decode_10_wsq_in_process_per_s": round(decode_here_rate, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
