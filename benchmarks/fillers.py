"""CPU of the demo's gallery fillers, both halves: synthesis (the pool's ``_filler_chunk``) and
enrolment (the main process: results unpickled, ``Gallery.enrol`` into the CJIS and IDENT
galleries); plus a digest of the gallery files, so that two trees can be compared.

Run: .venv/bin/python benchmarks/fillers.py [--people 1000] [--profile FILE]

The people are filler numbers 0 .. people-1, in the demo's chunks, each with ten fingers for
the FBI and the two index fingers for IDENT; the chunks are pickled and unpickled as the pool
hands them over. The last line is one JSON object: ``synthesis_ms_per_template``,
``enrol_ms_per_template`` (CPU) and ``digest`` (SHA-256 of both galleries' files after the
index build).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from pathlib import Path  # noqa: E402

import scomm.cli.demo_full as demo_full  # noqa: E402
from scomm.biometrics import Gallery  # noqa: E402
from scomm.biometrics.index import IndexParams  # noqa: E402
from scomm.sim.replay import fbi_number, filler_subjects, ident_fin  # noqa: E402


def gallery_digest(folders: list[Path]) -> str:
    """SHA-256 over every file of the galleries, by name."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.iterdir()):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--profile", help="write a cProfile of the enrolment (CPU time) here")
    args = parser.parse_args()
    people, chunk = args.people, demo_full.CHUNK
    params = (IndexParams(), IndexParams())  # what the scratch galleries index with
    demo_full._filler_chunk(10**6, 2, 10**7, 10**7, params)  # compile or load before the clock
    starts = range(0, people, chunk)
    clock = time.process_time()
    payloads = [
        pickle.dumps(demo_full._filler_chunk(s, min(chunk, people - s), people, people, params))
        for s in starts
    ]
    synthesis = time.process_time() - clock
    templates = 12 * people
    record = {"cjis": fbi_number, "ident": ident_fin}
    tokens = {name: filler_subjects(f"{name}-full", people) for name in record}
    with tempfile.TemporaryDirectory() as scratch:
        folders = [Path(scratch) / name for name in record]
        galleries = {
            name: Gallery.open(folder) for name, folder in zip(record, folders, strict=True)
        }
        with ExitStack() as bulk:
            for gallery in galleries.values():
                bulk.enter_context(gallery.bulk_enrolment())
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            clock = time.process_time()
            if profiler:
                profiler.enable()
            for start, payload in zip(starts, payloads, strict=True):
                made = pickle.loads(payload)
                for name, filled in zip(record, made.value, strict=True):
                    for offset, fingers in enumerate(filled):
                        subject = record[name](tokens[name][start + offset])
                        galleries[name].enrol(subject, demo_full._as_positions(fingers))
            enrol = time.process_time() - clock
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
        for gallery in galleries.values():
            gallery.close()
        digest = gallery_digest(folders)
    figures = {
        "people": people,
        "templates": templates,
        "synthesis_ms_per_template": round(1000 * synthesis / templates, 4),
        "enrol_ms_per_template": round(1000 * enrol / templates, 4),
        "transfer_bytes_per_template": round(sum(map(len, payloads)) / templates, 1),
        "digest": digest,
    }
    print(
        f"{templates} filler templates: synthesis {figures['synthesis_ms_per_template']} "
        f"CPU-ms each, enrolment {figures['enrol_ms_per_template']} CPU-ms each"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
