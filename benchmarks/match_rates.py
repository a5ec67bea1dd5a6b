"""The full engine's 1:N error rates at the demo's operating threshold: what oracle mode draws.

Builds a CJIS gallery (ten fingers) and an IDENT gallery (two index fingers) of ``--subjects``
people each the way ``scomm demo`` builds its full-mode galleries (``scomm.cli.demo_full``: the
same template-level fillers, the same bulk index build; the thresholds at FPIR 1 % calibrated by
``scomm.cli.demo_calibration`` on the same booking-captured strangers), then searches them with
probes made like a CAR's prints: a booking live-scan impression (``demo_calibration``'s capture
profile), WSQ-compressed, decoded and extracted. The people searched:

* ``--tenprint-people`` people with all ten fingers, enrolled in both galleries (their other
  impression, template level, as the demo enrols a booked person on file): each gives one
  mated CJIS search (ten fingers) and one mated IDENT search (its two index fingers);
* ``--two-finger-people`` people with only the index fingers, enrolled in IDENT: one mated
  IDENT search each (two-finger probes are cheap, and IDENT's FNIR is the larger);
* then every one of them is deleted from the galleries (``Gallery.delete`` masks a subject) and
  the same probes are searched again: non-mated searches of people in neither file.

A mated search is a hit when its best candidate is the person and reaches the threshold (a
wrong candidate above it counts as a miss and is reported); a non-mated search is a false
positive when its best candidate reaches it. 95 % intervals are Clopper-Pearson (exact).

Writes the figures to ``src/scomm/agencies/data/match_rates.json`` (``--out``; ``--no-write``
to leave it), which ``scomm.agencies.services.DEFAULT_RATES`` loads for oracle mode, with what
the thresholds were calibrated for (``calibrated_for``: gallery size, capture profile, FPIR,
seeds, the engine's fingerprint; ``scomm.cli.demo_thresholds``): where that is what the demo
is about to build, its full mode operates at these thresholds instead of calibrating its own.
Prints a table first and one JSON object last.

Run: nice -n 10 .venv/bin/python benchmarks/match_rates.py [--tenprint-people 80]
     [--two-finger-people 200] [--subjects 10000] [--processes 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import beta

import scomm.cli.demo_calibration as calibration
from scomm.biometrics import DEFAULT_FPIR, Gallery, Searcher, Template
from scomm.biometrics.synthetic import generate_master, template_impression, to_engine_template
from scomm.cli import demo_full
from scomm.cli.demo_calibration import Made, TemplateProbe
from scomm.cli.demo_thresholds import calibrated_for
from scomm.cli.phase_times import PhaseTimes
from scomm.domain import INDEX_FINGERS, TEN_FINGERS, FingerPosition

ROOT = Path(__file__).parents[1]
OUT = ROOT / "src" / "scomm" / "agencies" / "data" / "match_rates.json"
SEED = 21  # the demo uses 9 (booked people), 5 (fillers) and 11 (calibration strangers)
PEOPLE_CHUNK = 4
SEARCH_CHUNK = 20
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Person:
    """One searched person: their gallery templates (impression 0) and probe (the CAR's)."""

    subject: str
    gallery: dict[FingerPosition, Template]
    probe: TemplateProbe


def people_prints(start: int, count: int, fingers: Sequence[int]) -> Made[list[Person]]:
    """People ``start`` .. + ``count`` of the benchmark's seed, made as the demo makes a booked
    person's prints (``demo_full._booked_prints``): the probe as CJIS extracts it from the CAR."""
    clock = time.process_time()
    people = []
    for identity in range(start, start + count):
        gallery, probe = {}, {}
        for finger in fingers:
            master = generate_master(SEED, identity, finger)
            minutiae = template_impression(master, 0, profile=calibration.CAPTURE_PROFILE)
            gallery[FingerPosition(finger)] = to_engine_template(minutiae)
            probe[FingerPosition(finger)] = calibration.captured_template(master)
        people.append(Person(f"BENCH-{identity}", gallery, probe))
    return Made(people, time.process_time() - clock)


def best_candidates(path: Path, probes: Sequence[TemplateProbe]) -> Made[list[tuple[str, float]]]:
    """Each probe's best candidate and fused score (``""`` and 0 when none), as ``FullSearch``."""
    clock = time.process_time()
    searcher = Searcher(Gallery.open(path))
    best = []
    for probe in probes:
        found = searcher.search(probe, top_k=1)
        best.append((found[0].subject_id, found[0].score) if found else ("", 0.0))
    return Made(best, time.process_time() - clock)


def interval(events: int, trials: int) -> tuple[float, float]:
    """Clopper-Pearson interval of a binomial proportion at ``CONFIDENCE``."""
    tail = (1 - CONFIDENCE) / 2
    low = 0.0 if events == 0 else float(beta.ppf(tail, events, trials - events + 1))
    high = 1.0 if events == trials else float(beta.ppf(1 - tail, events + 1, trials - events))
    return low, high


@dataclass(frozen=True)
class Rates:
    """One gallery's measured error rates at its operating threshold."""

    threshold: float
    mated: int
    misses: int
    wrong: int  # mated searches whose best candidate, above the threshold, was someone else
    nonmated: int
    false_hits: int
    mated_scores: list[float]
    nonmated_scores: list[float]

    @property
    def fnir(self) -> float:
        return self.misses / self.mated

    @property
    def fpir(self) -> float:
        return self.false_hits / self.nonmated

    def to_json(self) -> dict[str, Any]:
        return {
            "fnir": round(self.fnir, 5),
            "fnir_95": [round(v, 5) for v in interval(self.misses, self.mated)],
            "mated_searches": self.mated,
            "misses": self.misses,
            "wrong_candidate_above_threshold": self.wrong,
            "fpir": round(self.fpir, 5),
            "fpir_95": [round(v, 5) for v in interval(self.false_hits, self.nonmated)],
            "nonmated_searches": self.nonmated,
            "false_hits": self.false_hits,
            "threshold": round(self.threshold, 6),
        }


def rates_of(
    threshold: float,
    subjects: Sequence[str],
    mated: Sequence[tuple[str, float]],
    nonmated: Sequence[tuple[str, float]],
) -> Rates:
    hits = [
        who == s and score >= threshold for s, (who, score) in zip(subjects, mated, strict=True)
    ]
    wrong = sum(
        who != s and score >= threshold for s, (who, score) in zip(subjects, mated, strict=True)
    )
    return Rates(
        threshold=threshold,
        mated=len(mated),
        misses=len(hits) - sum(hits),
        wrong=wrong,
        nonmated=len(nonmated),
        false_hits=sum(score >= threshold for _, score in nonmated),
        mated_scores=[score for _, score in mated],
        nonmated_scores=[score for _, score in nonmated],
    )


def _ignore(_what: str, _count: int) -> None:
    """The demo's progress ticks: this benchmark prints its phases instead."""


def search_all(
    pool: ProcessPoolExecutor,
    path: Path,
    probes: Sequence[TemplateProbe],
    times: PhaseTimes,
    name: str,
) -> list[tuple[str, float]]:
    jobs = [
        pool.submit(best_candidates, path, probes[i : i + SEARCH_CHUNK])
        for i in range(0, len(probes), SEARCH_CHUNK)
    ]
    found: list[tuple[str, float]] = []
    for job in jobs:
        made = job.result()
        times.worker(f"{name} (workers)", made.cpu_s)
        found += made.value
    return found


def make_people(
    pool: ProcessPoolExecutor, tenprint: int, two_finger: int
) -> list[Future[Made[list[Person]]]]:
    jobs = [
        pool.submit(people_prints, i, min(PEOPLE_CHUNK, tenprint - i), TEN_FINGERS)
        for i in range(0, tenprint, PEOPLE_CHUNK)
    ]
    chunk = 5 * PEOPLE_CHUNK  # two fingers a person: five times as many people a job
    return jobs + [
        pool.submit(people_prints, tenprint + i, min(chunk, two_finger - i), INDEX_FINGERS)
        for i in range(0, two_finger, chunk)
    ]


def measure(
    args: argparse.Namespace, directory: Path, times: PhaseTimes
) -> tuple[dict[str, Rates], int, dict[str, list[dict[str, Any]]]]:
    """Build both galleries as the demo does, calibrate, search; each gallery's rates, the
    number of calibration searches and each search's best candidate (for ``--details``)."""
    galleries = {
        "cjis": Gallery.open(directory / "cjis-full"),
        "ident": Gallery.open(directory / "ident-full"),
    }
    positions = {"cjis": TEN_FINGERS, "ident": INDEX_FINGERS}
    with ProcessPoolExecutor(args.processes) as pool:
        jobs = make_people(pool, args.tenprint_people, args.two_finger_people)
        bulk = ExitStack()  # one index build per gallery, as the demo's
        for gallery in galleries.values():
            bulk.enter_context(gallery.bulk_enrolment())
        people: list[Person] = []
        with times.phase("searched people: enrol (main)"):
            for job in jobs:
                made = job.result()
                times.worker(
                    "searched people: masters, CAR prints, extraction (workers)", made.cpu_s
                )
                for person in made.value:
                    people.append(person)
                    for name, gallery in galleries.items():
                        fingers = {f: t for f, t in person.gallery.items() if f in positions[name]}
                        if len(fingers) == len(positions[name]):
                            gallery.enrol(person.subject, fingers)
        strangers: calibration.StrangerJobs = []

        def submit_strangers() -> None:
            strangers.extend(calibration.submit_strangers(pool))

        demo_full.fill_galleries(
            pool, galleries, args.subjects, _ignore, times, then=submit_strangers
        )
        with times.phase("index builds and writes (main)"):
            bulk.close()
        calibration.calibrate_galleries(pool, galleries, strangers, _ignore, times)
        searched = {
            name: [p for p in people if set(positions[name]) <= set(p.gallery)]
            for name in galleries
        }
        probes = {
            name: [{f: p.probe[f] for f in positions[name]} for p in searched[name]]
            for name in galleries
        }
        mated = {
            name: search_all(
                pool, galleries[name].path, probes[name], times, f"{name}: mated searches"
            )
            for name in galleries
        }
        with times.phase("searched people deleted from both galleries (main)"):
            for name, gallery in galleries.items():
                for person in searched[name]:
                    gallery.delete(person.subject)
                gallery.flush()
        nonmated = {
            name: search_all(
                pool, galleries[name].path, probes[name], times, f"{name}: non-mated searches"
            )
            for name in galleries
        }
    rates, details = {}, {}
    for name, gallery in galleries.items():
        threshold = gallery.threshold(positions[name], DEFAULT_FPIR)
        subjects = [p.subject for p in searched[name]]
        if any(who == s for s, (who, _) in zip(subjects, nonmated[name], strict=True)):
            raise RuntimeError(
                f"{name}: a deleted subject was found: the non-mated searches are not"
            )
        rates[name] = rates_of(threshold, subjects, mated[name], nonmated[name])
        rows = zip(subjects, probes[name], mated[name], nonmated[name], strict=True)
        details[name] = [
            {"subject": s, "probe_minutiae": [len(t) for t in probe.values()],
             "mated": list(m), "nonmated": list(n)}
            for s, probe, m, n in rows
        ]  # fmt: skip
        gallery.close()
    return rates, calibration.CALIBRATION_SEARCHES, details


def _commit() -> str:
    """The commit measured, ``+changes`` when the code (src/, benchmarks/) differs from it."""

    def git(*words: str) -> str:
        done = subprocess.run(
            ["git", *words], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    code = git("status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks")
    return head + ("+changes" if code else "")


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def table(rates: dict[str, Rates]) -> list[str]:
    probe = {"cjis": "ten fingers", "ident": "two index fingers"}
    lines = [
        f"{'search':<7}{'probe':<19}{'threshold':>10}{'mated':>7}{'missed':>8}"
        f"{'FNIR (95% CI)':>27}{'wrong':>7}{'non-mated':>11}{'false':>7}{'FPIR (95% CI)':>27}"
    ]
    for name, r in rates.items():
        fnir_ci = " - ".join(_percent(v) for v in interval(r.misses, r.mated))
        fpir_ci = " - ".join(_percent(v) for v in interval(r.false_hits, r.nonmated))
        lines.append(
            f"{name:<7}{probe[name]:<19}{r.threshold:>10.4f}{r.mated:>7}{r.misses:>8}"
            f"{f'{_percent(r.fnir)} ({fnir_ci})':>27}{r.wrong:>7}{r.nonmated:>11}"
            f"{r.false_hits:>7}{f'{_percent(r.fpir)} ({fpir_ci})':>27}"
        )
    lines.append("")
    lines.append(
        f"{'scores':<7}{'mated: 5%':>12}{'median':>9}{'non-mated: median':>20}{'99%':>9}{'max':>9}"
    )
    for name, r in rates.items():
        m, n = np.array(r.mated_scores), np.array(r.nonmated_scores)
        lines.append(
            f"{name:<7}{np.percentile(m, 5):>12.4f}{np.median(m):>9.4f}{np.median(n):>20.4f}"
            f"{np.percentile(n, 99):>9.4f}{n.max():>9.4f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenprint-people", type=int, default=80)
    parser.add_argument("--two-finger-people", type=int, default=200)
    parser.add_argument("--subjects", type=int, default=demo_full.GALLERY_SUBJECTS)
    parser.add_argument("--processes", type=int, default=demo_full.PROCESSES)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-write", action="store_true", help="print only, leave --out alone")
    parser.add_argument("--details", type=Path, help="also write every search's best candidate")
    args = parser.parse_args()
    if args.tenprint_people < 1 or args.two_finger_people < 0:
        parser.error("need at least one tenprint person and no negative counts")
    if args.subjects < args.tenprint_people + args.two_finger_people:
        parser.error("--subjects must hold every searched person")
    wall, times, commit = time.perf_counter(), PhaseTimes(), _commit()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="scomm-match-rates-") as tmp:
        rates, calibration_searches, details = measure(args, Path(tmp), times)
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    load = (load_before, os.getloadavg()[0])
    print("\n".join(times.rows()))
    print()
    print("\n".join(table(rates)))
    date = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    command = "benchmarks/match_rates.py " + " ".join(sys.argv[1:])
    figures: dict[str, Any] = {
        "source": (
            f"measured by benchmarks/match_rates.py on {date[:10]} at {commit}: "
            f"{calibration.CAPTURE_PROFILE.name} probes through WSQ against "
            f"{args.subjects:,}-subject galleries built as scomm demo's, at its thresholds "
            f"for FPIR {DEFAULT_FPIR:.0%}"
        ),
        "command": command.strip(),
        "date": date,
        "commit": commit,
        "capture_profile": calibration.CAPTURE_PROFILE.name,
        "gallery_subjects": args.subjects,
        "target_fpir": DEFAULT_FPIR,
        "calibration_searches": calibration_searches,
        "calibrated_for": calibrated_for(args.subjects),
        "interval": f"Clopper-Pearson {CONFIDENCE:.0%}",
        "cjis": {"probe": "ten fingers", **rates["cjis"].to_json()},
        "ident": {"probe": "two index fingers", **rates["ident"].to_json()},
        "cpu_s": round(cpu, 1),
        "wall_s": round(time.perf_counter() - wall, 1),
        "load_average": [round(v, 1) for v in load],
    }
    if args.details:
        args.details.write_text(json.dumps(details, indent=1) + "\n")
        print(f"each search's best candidate written to {args.details}")
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"written to {args.out}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
