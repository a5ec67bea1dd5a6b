"""CPU per full-mode booking's searches (CJIS ten fingers, IDENT the two index fingers) against
the galleries that ``benchmarks/pipeline.py --full-cache DIR`` made, with a digest of every
candidate list, so that two trees can be compared.

Run: .venv/bin/python benchmarks/full_search.py [--cache build/pipeline-full] [--bookings 30]

The CARs' templates are extracted first (not timed); the last line is one JSON object:
``cpu_ms_per_booking`` (both searches, top 5 each) and ``digest``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402

from scomm.biometrics import FingerprintImage, extract  # noqa: E402
from scomm.biometrics.gallery import Gallery  # noqa: E402
from scomm.biometrics.search import Searcher  # noqa: E402
from scomm.domain import INDEX_FINGERS  # noqa: E402
from scomm.ebts import finger_images, parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path("build/pipeline-full"))
    parser.add_argument("--bookings", type=int, default=30)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    run = next((args.cache / "galleries").iterdir())
    probes = []
    for car in sorted((run / "cars").glob("*.an2"))[: args.bookings]:
        images = finger_images(parse(car.read_bytes()))
        probes.append(
            {p: extract(FingerprintImage(i.pixels(isolated=False), 500)) for p, i in images.items()}
        )
    cjis, ident = (Searcher(Gallery.open(run / f"{name}-full")) for name in ("cjis", "ident"))
    digest = hashlib.sha256()
    cpu = time.process_time()
    for probe in probes:
        index = {p: t for p, t in probe.items() if p in INDEX_FINGERS}
        for searcher, fingers in ((cjis, probe), (ident, index)):
            for found in searcher.search(fingers, 5):
                scores = sorted((int(p), s) for p, s in found.finger_scores.items())
                digest.update(repr((found.subject_id, found.score, scores)).encode())
    cpu = time.process_time() - cpu
    figures = {
        "bookings": len(probes),
        "cpu_ms_per_booking": round(1000 * cpu / max(len(probes), 1), 1),
        "digest": digest.hexdigest()[:24],
    }
    print(f"{len(probes)} bookings' searches: {figures['cpu_ms_per_booking']} CPU-ms each")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
