"""CPU the demo's first run spends compiling numba code, in its three compiling phases, and what
each compiled function cost: run it with an empty ``NUMBA_CACHE_DIR`` for a first run's figures
(with a filled one, what loading the cache costs).

Run: NUMBA_CACHE_DIR=$(mktemp -d) .venv/bin/python benchmarks/compile.py [--top 25]

The phases, in one process and in the demo's order:

* ``booked``: one booked person's ten fingers as ``demo_full`` makes them (master print, CAR
  impression WSQ-encoded, gallery template): the demo's "first booked person, code compiled
  before the workers fork";
* ``vet``: ``demo_thresholds.engine_fingerprint`` (extractor, template-level filler, matcher):
  "shipped thresholds checked";
* ``search``: ``demo_full.compile_search_code`` on the booked person and 11 filler people:
  "search code compiled, for the workers too".

Each compile is timed in CPU (numba's ``numba:compile`` events; a callee compiled while its
caller is typed counts to the callee, not to the caller). The last line is one JSON object:
each phase's CPU-s, the compile CPU-s in all, the number of compiles and loads from the cache,
and ``digest`` (SHA-256 of the templates and WSQ bytes made on the way and of the search
results), so that two trees can be compared.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import cv2  # noqa: E402
import numba.core.event as numba_event  # noqa: E402

import scomm.cli.demo_calibration as calibration  # noqa: E402
from scomm.biometrics import Gallery, Searcher, Template  # noqa: E402
from scomm.biometrics.synthetic import (  # noqa: E402
    generate_master,
    template_impression,
    to_engine_template,
)
from scomm.cli.demo_full import (  # noqa: E402
    PRINT_SEED,
    WARM_UP_PEOPLE,
    compile_search_code,
    filler_template,
)
from scomm.cli.demo_thresholds import engine_fingerprint  # noqa: E402
from scomm.domain import INDEX_FINGERS, TEN_FINGERS, FingerPosition  # noqa: E402
from scomm.ebts.images import encode_wsq  # noqa: E402

BOOKED_IDENTITY = 4_242  # any world person's number


@dataclass
class CompileTimes(numba_event.Listener):  # type: ignore[misc]
    """CPU of each compile, exclusive of the compiles nested in it."""

    own: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    count: Counter[str] = field(default_factory=Counter)
    _stack: list[list[Any]] = field(default_factory=list)

    signatures: bool = False

    def on_start(self, event: Any) -> None:
        name = _name(event.data)
        if self.signatures:
            name += str(tuple(event.data["args"]))
        self._stack.append([name, time.process_time(), 0.0])

    def on_end(self, event: Any) -> None:
        name, start, nested = self._stack.pop()
        spent = time.process_time() - start
        self.own[name] += spent - nested
        self.count[name] += 1
        if self._stack:
            self._stack[-1][2] += spent


def _name(data: dict[str, Any]) -> str:
    function = data["dispatcher"].py_func
    return f"{function.__module__.removeprefix('scomm.biometrics.')}.{function.__qualname__}"


def booked_person(digest: Any) -> dict[FingerPosition, Template]:
    """What the demo makes of a booked person's ten fingers; their gallery templates."""
    templates = {}
    for finger in TEN_FINGERS:
        master = generate_master(PRINT_SEED, BOOKED_IDENTITY, finger)
        digest.update(encode_wsq(calibration.car_image(master)))
        gallery = template_impression(master, 0, profile=calibration.CAPTURE_PROFILE)
        templates[finger] = to_engine_template(gallery)
        digest.update(templates[finger].to_bytes())
    return templates


def searched(people: list[dict[int, Template]], digest: Any) -> None:
    """``compile_search_code``'s searches again (compiled now), for the digest of the results."""
    with tempfile.TemporaryDirectory() as scratch:
        with Gallery.open(scratch) as gallery, gallery.bulk_enrolment():
            for number, fingers in enumerate(people):
                gallery.enrol(f"p{number}", {FingerPosition(f): t for f, t in fingers.items()})
        searcher = Searcher(Gallery.open(scratch), comparisons=4, min_subjects=2, shortlist=20)
        probe = {FingerPosition(f): t for f, t in people[0].items()}
        for fingers in (probe, {f: probe[f] for f in INDEX_FINGERS}):
            for found in searcher.search(fingers, 3):
                digest.update(repr((found.subject_id, found.score)).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=25, help="list the costliest compiles")
    parser.add_argument("--signatures", action="store_true", help="list each signature apart")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    digest = hashlib.sha256()
    listener = CompileTimes(signatures=args.signatures)
    phases: dict[str, float] = {}
    with numba_event.install_listener("numba:compile", listener):
        clock = time.process_time()
        booked = booked_person(digest)
        phases["booked"] = time.process_time() - clock
        clock = time.process_time()
        fingerprint = engine_fingerprint()
        phases["vet"] = time.process_time() - clock
        digest.update(json.dumps(fingerprint, sort_keys=True).encode())
        people = [{int(f): t for f, t in booked.items()}] + [
            {int(f): filler_template(n, f) for f in TEN_FINGERS} for n in range(WARM_UP_PEOPLE - 1)
        ]
        clock = time.process_time()
        with tempfile.TemporaryDirectory() as scratch:
            compile_search_code(people, Path(scratch))
        phases["search"] = time.process_time() - clock
    searched(people, digest)
    total = sum(listener.own.values())
    for name, cpu in sorted(listener.own.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{cpu:7.2f} CPU-s  {listener.count[name]:2d}x  {name}")
    figures = {
        **{f"{name}_cpu_s": round(cpu, 2) for name, cpu in phases.items()},
        "phases_cpu_s": round(sum(phases.values()), 2),
        "compile_cpu_s": round(total, 2),
        "compiles": sum(listener.count.values()),
        "functions": len(listener.count),
        "digest": digest.hexdigest()[:24],
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
