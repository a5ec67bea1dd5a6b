"""CPU per booked finger as the demo makes it: master print, CAR impression (WSQ-encoded) and
gallery template; plus a digest of every output, so that two trees can be compared.

Run: .venv/bin/python benchmarks/booked.py [--fingers 40] [--profile FILE]

Fingers come from varied people (identities 0, 1, ...) cycling through the ten positions. The
last line is one JSON object: ``cpu_ms_per_finger`` and ``digest`` (SHA-256 of the ridges,
the WSQ bytes and the template bytes of every finger, in order).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402

import scomm.cli.demo_calibration as calibration  # noqa: E402
from scomm.biometrics.synthetic import (  # noqa: E402
    generate_master,
    template_impression,
    to_engine_template,
)
from scomm.domain import TEN_FINGERS  # noqa: E402
from scomm.ebts.images import encode_wsq  # noqa: E402

PRINT_SEED = 9  # the demo's booked people


def booked_finger(identity: int, finger: int) -> list[bytes]:
    """What the demo makes of one booked finger, as bytes."""
    master = generate_master(PRINT_SEED, identity, finger)
    wsq = encode_wsq(calibration.car_image(master))
    gallery = template_impression(master, 0, profile=calibration.CAPTURE_PROFILE)
    template = to_engine_template(gallery)
    return [master.ridges.tobytes(), wsq, template.to_bytes()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fingers", type=int, default=40)
    parser.add_argument("--first", type=int, default=0, help="first identity")
    parser.add_argument("--profile", help="write a cProfile of the timed part here")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    booked_finger(10**6, 2)  # compile or load the compiled code before the clock runs
    jobs = [
        (args.first + i // 3, int(TEN_FINGERS[(7 * i) % len(TEN_FINGERS)]))
        for i in range(args.fingers)
    ]
    digest = hashlib.sha256()
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for identity, finger in jobs:
        for part in booked_finger(identity, finger):
            digest.update(part)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    figures = {
        "fingers": args.fingers,
        "cpu_ms_per_finger": round(1000 * cpu / args.fingers, 2),
        "wall_ms_per_finger": round(1000 * wall / args.fingers, 2),
        "digest": digest.hexdigest()[:24],
    }
    print(f"{args.fingers} booked fingers: {figures['cpu_ms_per_finger']} CPU-ms each")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
