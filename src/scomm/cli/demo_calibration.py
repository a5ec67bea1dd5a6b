"""The demo galleries' decision thresholds, calibrated on what the searches will really see.

A threshold at FPIR 1 % is the score that at most 1 % of non-mated searches reach. Template-level
synthetic probes score lower against a gallery than templates extracted from images do (the
extractor's own spurious and displaced minutiae; see ``tests/agencies/test_full.py``), so a
threshold calibrated on them lets about a third of image strangers through. The demo's probes
are WSQ images, so its non-mated probes are images too: synthetic people who are in neither
gallery and never booked, each finger captured as at a booking station (``CAPTURE_PROFILE``),
WSQ-compressed, decoded and extracted as at CJIS (``captured_template``, which the demo's CARs
and ``benchmarks/match_rates.py`` share).

Rendering and extracting costs ~0.1 s a finger, and the threshold at FPIR 1 % rests on the
highest few of ``CALIBRATION_SEARCHES`` top scores, so which prints are rendered matters:
each search's two index fingers are its own stranger's (``CALIBRATION_PEOPLE`` of them, one
per search, only their index fingers rendered), so IDENT's two-finger probes are independent;
the other eight fingers of a tenprint probe come from ``FULL_STRANGERS`` people rendered with
all ten, eight of them at random per probe (a fused ten-finger score varies less, so reusing
those fingers costs the CJIS estimate less). Reusing 80 index-finger images over 200 IDENT
probes, as before, set a threshold that let 3.2 % of independent strangers through
(``benchmarks/match_rates.py``).

The strangers themselves (capture, extraction, tenprint probes) live in
``scomm.agencies.full_calibration``, which galleries enrolled from CAR files share; this module
spreads the demo's calibration over its pool and keeps its phase times.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from scomm.agencies.full_calibration import (
    CALIBRATION_PEOPLE,
    CALIBRATION_SEARCHES,
    CALIBRATION_SEED,
    CAPTURE_PROFILE,
    FULL_STRANGERS,
    PROBE_INDEX,
    Made,
    StrangerJobs,
    StrangerSet,
    TemplateProbe,
    captured_template,
    car_image,
    tenprint_probes,
)
from scomm.agencies.full_calibration import submit_strangers as stranger_jobs
from scomm.biometrics import DEFAULT_FPIR, Gallery, Searcher, Template
from scomm.biometrics.search import store_threshold, threshold_for_fpir, threshold_key
from scomm.cli.phase_times import PhaseTimes
from scomm.domain import INDEX_FINGERS, TEN_FINGERS, FingerPosition

__all__ = [  # the strangers' code lives in the library; the demo's callers find it here too
    "CALIBRATION_PEOPLE",
    "CALIBRATION_SEARCHES",
    "CALIBRATION_SEED",
    "CAPTURE_PROFILE",
    "FULL_STRANGERS",
    "PROBE_INDEX",
    "Made",
    "StrangerJobs",
    "TemplateProbe",
    "captured_template",
    "car_image",
    "tenprint_probes",
]

SEARCH_CHUNK = 10
SHIPPED = "shipped"
RUN_TIME = "calibrated at run time"


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """A full-mode run's thresholds at FPIR 1 % (``cjis``: ten fingers, ``ident``: the two
    index fingers), whether they were ``shipped`` or calibrated at run time, and from where."""

    cjis: float
    ident: float
    origin: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Thresholds:
        return Thresholds(
            float(data["cjis"]), float(data["ident"]), str(data["origin"]), str(data["source"])
        )

    def describe(self) -> str:
        """One line for the summary and the report: the values and where they came from."""
        return (
            f"thresholds at FPIR {DEFAULT_FPIR:.0%}: CJIS {self.cjis:.6f}, IDENT "
            f"{self.ident:.6f}, {self.origin} ({self.source})"
        )


def submit_strangers(pool: ProcessPoolExecutor) -> StrangerJobs:
    """Queue the rendering and extraction of every calibration stranger's prints (this
    module's counts, which a test may make smaller)."""
    return stranger_jobs(pool, StrangerSet(CALIBRATION_PEOPLE, FULL_STRANGERS))


def calibrate_galleries(
    pool: ProcessPoolExecutor,
    galleries: Mapping[str, Gallery],
    strangers: StrangerJobs,
    tick: Callable[[str, int], None],
    times: PhaseTimes,
) -> None:
    """Both galleries' thresholds (``"ident"``: two index fingers, ``"cjis"``: ten) from the
    strangers' prints, once their jobs are done."""
    prints: list[dict[int, Template]] = []
    for job in strangers:
        made = job.result()
        times.worker("calibration: strangers' prints, extracted (workers)", made.cpu_s)
        prints += made.value
    probes = tenprint_probes(prints, CALIBRATION_SEARCHES)
    for name, positions in (("ident", INDEX_FINGERS), ("cjis", TEN_FINGERS)):
        calibrate(pool, galleries[name], positions, probes, tick, times)


def calibrate(
    pool: ProcessPoolExecutor,
    gallery: Gallery,
    positions: Sequence[FingerPosition],
    tenprints: Sequence[TemplateProbe],
    tick: Callable[[str, int], None],
    times: PhaseTimes,
) -> None:
    """The gallery's threshold at the default FPIR from the non-mated searches of
    ``tenprints`` (their ``positions``), spread over the pool, stored before workers read it."""
    probes = [{f: probe[f] for f in positions} for probe in tenprints]
    name = "cjis" if len(positions) == len(TEN_FINGERS) else "ident"
    with times.phase(f"{name}: calibration (main)"):
        jobs = [
            pool.submit(nonmated_tops, gallery.path, probes[i : i + SEARCH_CHUNK])
            for i in range(0, len(probes), SEARCH_CHUNK)
        ]
        tops: list[float] = []
        for job in jobs:
            made = job.result()
            times.worker(f"{name}: calibration searches (workers)", made.cpu_s)
            tops += made.value
            tick("calibration", len(made.value))
        threshold = threshold_for_fpir(tops, DEFAULT_FPIR)
        store_threshold(gallery, len(positions), DEFAULT_FPIR, threshold)
        gallery.flush()


GALLERY_FINGERS = {"cjis": len(TEN_FINGERS), "ident": len(INDEX_FINGERS)}


def store_thresholds(galleries: Mapping[str, Gallery], thresholds: Thresholds) -> None:
    """Operate both galleries at ``thresholds`` (valid for their present size)."""
    for name, value in (("cjis", thresholds.cjis), ("ident", thresholds.ident)):
        store_threshold(galleries[name], GALLERY_FINGERS[name], DEFAULT_FPIR, value)
        galleries[name].flush()


def calibrated_thresholds(galleries: Mapping[str, Gallery]) -> Thresholds:
    """The thresholds ``calibrate_galleries`` stored in both galleries."""
    values = {
        name: galleries[name].thresholds[threshold_key(GALLERY_FINGERS[name], DEFAULT_FPIR)][0]
        for name in GALLERY_FINGERS
    }
    source = f"{CALIBRATION_SEARCHES} non-mated searches of each gallery with strangers' prints"
    return Thresholds(values["cjis"], values["ident"], RUN_TIME, source)


def nonmated_tops(path: Path, probes: Sequence[TemplateProbe]) -> Made[list[float]]:
    """The best candidate's score of each probe's search (0 when none)."""
    clock = time.process_time()
    searcher = Searcher(Gallery.open(path))
    tops = [(found[0].score if (found := searcher.search(p, 1)) else 0.0) for p in probes]
    return Made(tops, time.process_time() - clock)
