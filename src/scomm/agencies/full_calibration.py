"""Full-mode thresholds calibrated on strangers' prints as CJIS sees them: images, not templates.

A threshold at FPIR 1 % is the fused score that at most 1 % of non-mated searches reach. Real
probes are WSQ images that CJIS decodes and extracts; template-level synthetic probes
(``search.synthetic_probes``) score lower against a gallery than extracted ones do (the
extractor's own spurious and displaced minutiae), so a threshold calibrated on them lets most
image strangers through (a gallery enrolled from CAR files identified 10 of 11). The non-mated
probes here are therefore images too: synthetic people in no gallery (``CALIBRATION_SEED``),
each finger captured as at a booking station (``CAPTURE_PROFILE``), WSQ-compressed, decoded and
extracted (``captured_template``).

Each search's index fingers are its own stranger's (``CALIBRATION_PEOPLE``: one per search), so
two-finger probes are independent; a tenprint probe's other eight fingers come from
``FULL_STRANGERS`` people rendered with all ten, eight at random per probe (``tenprint_probes``).
The demo (``scomm.cli.demo_calibration``) uses these; galleries enrolled from files use all
200 strangers with ten fingers (``STRANGERS``), each tenprint search one stranger's own
(``calibrate_counts``), and keep their extracted templates in a cache folder
(``cached_strangers``) so that only the first calibration pays for rendering them (2,000 prints,
about 150 CPU-s).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from scomm.biometrics import DEFAULT_FPIR, FingerprintImage, Gallery, Searcher, Template, extract
from scomm.biometrics.search import (
    store_threshold,
    stored_thresholds,
    threshold_for_fpir,
)
from scomm.biometrics.synthetic import (
    BOOKING_LIVE_SCAN,
    CaptureProfile,
    MasterPrint,
    generate_master,
    render_impression,
)
from scomm.domain import INDEX_FINGERS, TEN_FINGERS, FingerPosition
from scomm.ebts.images import decode_wsq, encode_wsq

CALIBRATION_SEARCHES = 200  # as ``calibrate_threshold``: resolves an FPIR of 1 % twice over
CALIBRATION_PEOPLE = 200  # one per search: each search's own index fingers
FULL_STRANGERS = 20  # rendered with all ten fingers: the tenprint probes' other eight
CALIBRATION_SEED = 11  # the demo's booked people's prints use seed 9, template-level fillers 5
CAPTURE_PROFILE: CaptureProfile = BOOKING_LIVE_SCAN
"""How the prints are taken: the demo's CARs and booked people's gallery prints, calibration
strangers (a supervised booking live scan; docs/synthetic-fingerprints.md, "Capture profiles")."""
PROBE_INDEX = 1  # the impression a CAR carries; the demo's galleries hold impression 0
PEOPLE_CHUNK = 10
CALIBRATED_FINGERS: dict[int, tuple[FingerPosition, ...]] = {
    len(TEN_FINGERS): TEN_FINGERS,
    len(INDEX_FINGERS): INDEX_FINGERS,
    1: (FingerPosition.RIGHT_INDEX,),
}
"""The finger counts a gallery enrolled from files is calibrated for, and the fingers each
count's probes carry: a tenprint CAR at CJIS, the two index fingers at IDENT, and one finger so
that every probe has a calibrated count at or below its own (``threshold_for_count``)."""

TemplateProbe = dict[FingerPosition, Template]
People = list[dict[int, Template]]
T = TypeVar("T")
Tick = Callable[[int], None]


@dataclass(frozen=True)
class Made(Generic[T]):
    """What a pool job made, with the CPU seconds it took there (for the phase breakdown)."""

    value: T
    cpu_s: float


def car_image(master: MasterPrint) -> np.ndarray:
    """The impression of ``master`` a CAR carries, captured at a booking station."""
    return render_impression(master, PROBE_INDEX, profile=CAPTURE_PROFILE).image


def captured_template(master: MasterPrint) -> Template:
    """What CJIS extracts from the CAR's print of ``master``: the image through WSQ and back."""
    pixels = decode_wsq(encode_wsq(car_image(master)), isolated=False)
    return extract(FingerprintImage(pixels, 500))


def stranger_prints(start: int, count: int, full: int = FULL_STRANGERS) -> Made[People]:
    """Extracted templates of calibration people ``start`` .. + ``count``: all ten fingers of
    the first ``full``, the two index fingers of the others."""
    clock = time.process_time()
    people = [
        {
            int(finger): captured_template(generate_master(CALIBRATION_SEED, identity, finger))
            for finger in (TEN_FINGERS if identity < full else INDEX_FINGERS)
        }
        for identity in range(start, start + count)
    ]
    return Made(people, time.process_time() - clock)


def tenprint_probes(people: Sequence[dict[int, Template]], count: int) -> list[TemplateProbe]:
    """``count`` non-mated tenprint probes: probe ``i`` has the index fingers of ``people[i]``
    and its other fingers from eight different people who have all ten, drawn at random."""
    full = [i for i, fingers in enumerate(people) if len(fingers) == len(TEN_FINGERS)]
    others = [f for f in TEN_FINGERS if f not in INDEX_FINGERS]
    if count > len(people):
        raise ValueError(f"need a calibration person per search: {count} > {len(people)}")
    if len(full) <= len(others):
        raise ValueError(f"need more than {len(others)} people with ten fingers, got {len(full)}")
    rng = np.random.default_rng(CALIBRATION_SEED)
    probes = []
    for i in range(count):
        pool = [d for d in full if d != i]
        donors = rng.choice(len(pool), size=len(others), replace=False)
        donor = {f: pool[int(d)] for f, d in zip(others, donors, strict=True)}
        probes.append({f: people[donor.get(f, i)][int(f)] for f in TEN_FINGERS})
    return probes


@dataclass(frozen=True)
class StrangerSet:
    """Which calibration strangers: ``people`` (one per search), the first ``full`` with ten."""

    people: int = CALIBRATION_PEOPLE
    full: int = FULL_STRANGERS

    def __post_init__(self) -> None:
        if not len(TEN_FINGERS) - len(INDEX_FINGERS) < self.full <= self.people:
            raise ValueError(
                f"strangers: need 8 < full <= people, got full={self.full}, people={self.people}"
            )

    @property
    def fingers(self) -> int:
        return self.full * len(TEN_FINGERS) + (self.people - self.full) * len(INDEX_FINGERS)

    def key(self) -> dict[str, object]:
        """What the cached templates depend on besides the engine's code."""
        return {
            "seed": CALIBRATION_SEED,
            "people": self.people,
            "full": self.full,
            "capture_profile": CAPTURE_PROFILE.to_json(),
            "probe_impression": PROBE_INDEX,
        }


STRANGERS = StrangerSet(full=CALIBRATION_PEOPLE)
"""The strangers galleries enrolled from files are calibrated with: the demo's 200 (seed 11),
all with ten fingers, so that each tenprint search is one person's (``calibrate_counts``)."""


StrangerJobs = list[Future[Made[People]]]
"""Pool jobs making strangers' prints, ``PEOPLE_CHUNK`` people each."""


def submit_strangers(pool: ProcessPoolExecutor, strangers: StrangerSet) -> StrangerJobs:
    """Queue the rendering and extraction of every stranger's prints, ``PEOPLE_CHUNK`` a job."""
    return [
        pool.submit(stranger_prints, i, min(PEOPLE_CHUNK, strangers.people - i), strangers.full)
        for i in range(0, strangers.people, PEOPLE_CHUNK)
    ]


def make_strangers(strangers: StrangerSet, tick: Tick = lambda _: None) -> People:
    """Every stranger's extracted prints, made in worker processes (one per core, at most two:
    the rest of the machine is left to others); ``tick`` counts the fingers made."""
    people: People = []
    jobs_wanted = -(-strangers.people // PEOPLE_CHUNK)
    workers = max(1, min(2, os.cpu_count() or 1, jobs_wanted))
    with ProcessPoolExecutor(workers) as pool:
        for job in submit_strangers(pool, strangers):
            made = job.result()
            people += made.value
            tick(sum(len(p) for p in made.value))
    return people


CACHE_TEMPLATES = "templates.bin"
CACHE_KEY = "strangers.json"
STRANGERS_FOLDER = "strangers"
"""Where a gallery set (the folder of a run's galleries) caches its calibration strangers."""


def cached_strangers(folder: Path, strangers: StrangerSet, tick: Tick = lambda _: None) -> People:
    """The strangers' prints from ``folder`` when it holds those of ``strangers`` as this engine
    makes them (stranger 0's right index is made again and compared), else made and saved there
    (a damaged or stale cache is made again)."""
    people = read_strangers_cache(folder, strangers)
    if people is not None:
        tick(strangers.fingers)
        return people
    made = make_strangers(strangers, tick)
    folder.mkdir(parents=True, exist_ok=True)
    blobs = [[(f, t.to_bytes()) for f, t in sorted(p.items())] for p in made]
    layout = [[[f, len(b)] for f, b in person] for person in blobs]
    _write_atomically(folder / CACHE_TEMPLATES, b"".join(b for p in blobs for _, b in p))
    meta = {"key": strangers.key(), "layout": layout}
    _write_atomically(folder / CACHE_KEY, (json.dumps(meta) + "\n").encode())
    people = read_strangers_cache(folder, strangers)  # as a cached run reads them
    if people is None:
        raise RuntimeError(f"the strangers' cache in {folder} could not be read back")
    return people


def read_strangers_cache(folder: Path, strangers: StrangerSet) -> People | None:
    """The cached strangers (templates from their bytes: minutiae at the stored precision), or
    None when there are none, of another set or engine, or damaged."""
    try:
        meta = json.loads((folder / CACHE_KEY).read_text())
        if meta.get("key") != strangers.key():
            return None
        data = (folder / CACHE_TEMPLATES).read_bytes()
        people: People = []
        at = 0
        for person in meta["layout"]:
            people.append({})
            for finger, size in person:
                people[-1][int(finger)] = Template.from_bytes(data[at : at + size])
                at += size
    except (OSError, ValueError, KeyError, TypeError):  # (a damaged template: ValueError)
        return None
    first = int(FingerPosition.RIGHT_INDEX)
    if at != len(data) or len(people) != strangers.people or first not in people[0]:
        return None
    again = stranger_prints(0, 1, strangers.full).value[0][first]
    return people if people[0][first].to_bytes() == again.to_bytes() else None


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(path)


def calibrate_counts(
    gallery: Gallery,
    people: Sequence[dict[int, Template]],
    fpir: float = DEFAULT_FPIR,
    counts: Sequence[int] = tuple(CALIBRATED_FINGERS),
    tick: Tick = lambda _: None,
) -> dict[int, float]:
    """The gallery's thresholds at ``fpir`` for probes of these finger counts, from one
    non-mated search per stranger (``tick`` counts them), stored in the gallery (saved by its
    next ``flush``) with its template count.

    A tenprint search is one stranger's own ten fingers where enough strangers have all ten to
    resolve ``fpir``: a tenprint stitched from several people scores lower than a real one
    (its fingers' chance agreements are independent, a person's are not), and calibrated on
    those, a three-subject gallery identified 8 of 150 strangers (5.3 %) instead of 1 %.
    Fewer than that, and the stitched probes of ``tenprint_probes`` stand in."""
    if len(people) * fpir < 1:
        raise ValueError(f"{len(people)} non-mated searches cannot resolve an FPIR of {fpir}")
    whole = [p for p in people if len(p) == len(TEN_FINGERS)]
    if len(whole) * fpir >= 1:
        tenprints = [{FingerPosition(f): t for f, t in p.items()} for p in whole]
    else:
        tenprints = tenprint_probes(people, len(people))
    own = [{FingerPosition(f): t for f, t in p.items()} for p in people]  # index fingers each
    searcher = Searcher(gallery)
    found = {}
    for count in counts:
        if count not in CALIBRATED_FINGERS:
            known = sorted(CALIBRATED_FINGERS)
            raise ValueError(f"no calibration probes of {count} fingers (only of {known})")
        fingers = CALIBRATED_FINGERS[count]
        tops = []
        for probe in tenprints if count == len(TEN_FINGERS) else own:
            best = searcher.search({f: probe[f] for f in fingers}, top_k=1)
            tops.append(best[0].score if best else 0.0)
            tick(1)
        found[count] = store_threshold(gallery, count, fpir, threshold_for_fpir(tops, fpir))
    return found


class Uncalibrated(LookupError):
    """A full gallery with no threshold, valid at its present size, for a probe's count."""


def operating_threshold(gallery: Gallery, fingers: int, fpir: float = DEFAULT_FPIR) -> float:
    """The threshold for a probe of ``fingers`` fingers: the gallery's stored one for that count,
    else that of the largest calibrated count below it (higher: fewer fingers average less, so
    the FPIR stays under target at some cost in misses).

    A search never calibrates: that takes minutes and writes the gallery, which agency workers
    (daemon processes, several at once, with no pool of their own) must not do. A gallery with
    none valid for its present size is refused with ``Uncalibrated``, naming the remedy."""
    if fingers < 1:
        raise ValueError(f"a probe needs at least one finger, got {fingers}")
    stored = stored_thresholds(gallery, fpir)
    usable = [count for count in stored if count <= fingers]
    if not usable:
        raise Uncalibrated(
            f"gallery {gallery.path} has no threshold at FPIR {fpir:g} for probes of {fingers}"
            f" finger(s) calibrated at its present size ({len(gallery):,} subjects): enrol it"
            " again with `scomm enroll`, which calibrates it on strangers' extracted prints"
        )
    return stored[max(usable)]
