"""CPU per finger of what a full-mode CJIS search does before searching: decode a CAR's WSQ
images and extract their templates, on the CARs that ``benchmarks/pipeline.py --full-cache DIR``
made, with a digest of the templates' stored bytes, so that two trees can be compared.

Run: .venv/bin/python benchmarks/full_extract.py [--cache build/pipeline-full] [--cars 20]
[--skip 0]

Decoding runs in this process (``isolated=False``: the CARs are scomm's own); the replay's
workers decode in the isolated WSQ helper, which costs its own CPU besides (about the same per
image, plus the helper's start). The first image is extracted once before the clock starts
(compiled code loaded). The last line is one JSON object: ``decode_ms`` and ``extract_ms`` per
finger, ``digest``.
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
from scomm.biometrics.stored import encode  # noqa: E402
from scomm.ebts import finger_images, parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path("build/pipeline-full"))
    parser.add_argument("--cars", type=int, default=20)
    parser.add_argument("--skip", type=int, default=0, help="CARs passed over first")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    run = next((args.cache / "galleries").iterdir())
    cars = sorted((run / "cars").glob("*.an2"))[args.skip : args.skip + args.cars]
    images = [
        (int(position), info)
        for car in cars
        for position, info in finger_images(parse(car.read_bytes())).items()
    ]
    if not images:
        raise SystemExit(f"no CARs under {run / 'cars'}")
    extract(FingerprintImage(images[0][1].pixels(isolated=False), 500))
    digest = hashlib.sha256()
    decoding = extracting = 0.0
    for position, info in images:
        cpu = time.process_time()
        pixels = info.pixels(isolated=False)
        decoded = time.process_time()
        template = extract(FingerprintImage(pixels, 500))
        extracting += time.process_time() - decoded
        decoding += decoded - cpu
        digest.update(position.to_bytes(1, "big") + encode(template))
    figures = {
        "fingers": len(images),
        "decode_ms": round(1000 * decoding / len(images), 2),
        "extract_ms": round(1000 * extracting / len(images), 2),
        "digest": digest.hexdigest()[:24],
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(
        f"{len(images)} CAR fingers: decode {figures['decode_ms']} CPU-ms, extract"
        f" {figures['extract_ms']} CPU-ms each"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
