"""The demo's ``full``-mode part: real synthetic prints, WSQ CARs, 1:N searches of real galleries.

What is generated, and why it is affordable on two cores:

* the booked people's fingers: one master print per finger (``generate_master``); the CAR
  carries a rendered 400 x 400 impression of each, WSQ-encoded (``build_car``), which CJIS and
  IDENT decode and extract at run time; the gallery holds a *different* impression of the same
  master, at template level (``template_impression`` -> ``to_engine_template``), enrolled only
  where the person was in that database before the booking (a prior arrest for CJIS, an
  immigration encounter for IDENT), under the record number the LESC resolves;
* the rest of each gallery, up to ``GALLERY_SUBJECTS``: template-level synthetic subjects
  (``synthesize_master_template``), ten fingers at CJIS, the two index fingers at IDENT.

Everything is made in two worker processes and cached under ``<data>/demo/full/``: the CARs
(one file per booking) and the two galleries, marked complete only once written, so the next
run reuses them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scomm.agencies.intake import Intake
from scomm.agencies.oracle import finger_token
from scomm.agencies.services import CJIS_FULL, IDENT_FULL
from scomm.biometrics import DEFAULT_FPIR, Gallery, Searcher, Template
from scomm.biometrics.search import synthetic_probes, threshold_for_fpir, threshold_key
from scomm.biometrics.synthetic import (
    generate_master,
    render_impression,
    synthesize_master_template,
    template_impression,
    to_engine_template,
)
from scomm.domain import INDEX_FINGERS, TEN_FINGERS, FingerPosition
from scomm.ebts import build_car
from scomm.sim.population import NEVER
from scomm.sim.replay import fbi_number, filler_subjects, ident_fin, time_order, truth_of
from scomm.sim.world import World, person_id

PRINT_SEED = 9
FILLER_SEED = 5
GALLERY_SUBJECTS = 10_000
PROCESSES = 2
CHUNK = 100
COMPLETE = "complete.json"
CALIBRATION_SEARCHES = 200  # as ``calibrate_threshold``: resolves an FPIR of 1 % twice over
CALIBRATION_CHUNK = 10

Fingers = dict[int, Template]
Tick = Callable[[str, int], None]


def choose_rows(world: World, count: int) -> list[int]:
    """``count`` bookings of distinct people, spread evenly over the run (all years, counties)."""
    order = time_order(world)
    persons = world.bookings.person
    candidates = order[np.linspace(0, len(order) - 1, min(len(order), 4 * count)).astype(np.int64)]
    chosen: list[int] = []
    seen: set[int] = set()
    for row in candidates.tolist():
        if int(persons[row]) not in seen:
            seen.add(int(persons[row]))
            chosen.append(int(row))
    picks = np.linspace(0, len(chosen) - 1, min(count, len(chosen))).astype(np.int64)
    return sorted(
        (chosen[i] for i in picks.tolist()),
        key=lambda r: (int(world.bookings.day[r]), int(world.bookings.second[r])),
    )


def on_file(world: World, row: int) -> tuple[bool, bool]:
    """Whether booking ``row``'s person is in the FBI's and in DHS's files before that day."""
    people = world.people
    person = int(world.bookings.person[row]) - int(people.person[0])
    day = min(int(world.bookings.day[row]), int(NEVER))
    return int(people.iafis_day[person]) < day, int(people.ident_day[person]) < day


@dataclass(frozen=True)
class BookedPrints:
    """One booked person's CAR (images, WSQ) and their gallery templates (other impressions)."""

    row: int
    car: bytes
    templates: Fingers


def _booked_prints(world: World, row: int) -> BookedPrints:
    booking = world.booking(row)
    identity = int(world.bookings.person[row])
    images = {}
    templates: Fingers = {}
    for finger in TEN_FINGERS:
        master = generate_master(PRINT_SEED, identity, finger)
        images[finger] = render_impression(master, 1).image
        templates[int(finger)] = to_engine_template(template_impression(master, 0))
    return BookedPrints(row, build_car(booking, images).to_bytes(), templates)


_WORLD: World | None = None


def _init_worker(spec_json: dict[str, Any]) -> None:
    global _WORLD
    from scomm.sim.replay import WorldSpec, build_world

    _WORLD = build_world(WorldSpec.from_json(spec_json))


def _prints_in_worker(row: int) -> BookedPrints:
    assert _WORLD is not None, "worker not initialised with the world"
    return _booked_prints(_WORLD, row)


def _filler_chunk(name: str, tokens: Sequence[str], start: int) -> list[tuple[str, Fingers]]:
    """Template-level subjects who are never booked (ten fingers at CJIS, two at IDENT)."""
    fingers = TEN_FINGERS if name == "cjis" else INDEX_FINGERS
    record = fbi_number if name == "cjis" else ident_fin
    made = []
    for offset, token in enumerate(tokens):
        identity = 10_000_000 + start + offset  # never a world person's number
        made.append((
            record(token),
            {int(f): to_engine_template(
                template_impression(synthesize_master_template(FILLER_SEED, identity, f), 0)
            ) for f in fingers},
        ))  # fmt: skip
    return made


def _complete(path: Path, key: dict[str, Any]) -> bool:
    marker = path / COMPLETE
    return marker.exists() and json.loads(marker.read_text()) == key


def prepared(directory: Path, key: dict[str, Any]) -> bool:
    """Whether the CARs and both galleries of ``key`` are cached in ``directory``."""
    return _complete(directory, key)


def prepare(
    world: World, spec_json: dict[str, Any], rows: Sequence[int], directory: Path,
    gallery_subjects: int, tick: Tick, processes: int = PROCESSES,
) -> None:  # fmt: skip
    """Make (or keep) the CARs of ``rows`` and the CJIS and IDENT full galleries."""
    key = {"rows": list(rows), "subjects": gallery_subjects, "world": spec_json}
    if _complete(directory, key):
        return
    cars = directory / "cars"
    cars.mkdir(parents=True, exist_ok=True)
    galleries = {
        "cjis": Gallery.open(_fresh(directory / CJIS_FULL)),
        "ident": Gallery.open(_fresh(directory / IDENT_FULL)),
    }
    with ProcessPoolExecutor(processes, initializer=_init_worker, initargs=(spec_json,)) as pool:
        for made in pool.map(_prints_in_worker, rows, chunksize=4):
            (cars / f"{made.row}.an2").write_bytes(made.car)
            token = finger_token(person_id(int(world.bookings.person[made.row])))
            in_cjis, in_ident = on_file(world, made.row)
            if in_cjis:
                galleries["cjis"].enrol(fbi_number(token), _as_positions(made.templates))
            if in_ident:
                index = {f: t for f, t in made.templates.items() if f in INDEX_FINGERS}
                galleries["ident"].enrol(ident_fin(token), _as_positions(index))
            tick("prints", 1)
        for name, gallery in galleries.items():
            missing = max(0, gallery_subjects - len(gallery))
            tokens = filler_subjects(f"{name}-full", missing)
            jobs = [
                pool.submit(_filler_chunk, name, tokens[i : i + CHUNK], i)
                for i in range(0, missing, CHUNK)
            ]
            for job in jobs:
                for subject, fingers in job.result():
                    gallery.enrol(subject, _as_positions(fingers))
                tick(name, CHUNK)
        for positions, gallery in (
            (TEN_FINGERS, galleries["cjis"]),
            (INDEX_FINGERS, galleries["ident"]),
        ):
            gallery.flush()  # writes the templates and builds the search index
            _calibrate(pool, gallery, positions, tick)
            gallery.close()
    (directory / COMPLETE).write_text(json.dumps(key))


def _calibrate(
    pool: ProcessPoolExecutor, gallery: Gallery, positions: Sequence[FingerPosition], tick: Tick
) -> None:
    """The gallery's threshold at the default FPIR from ``CALIBRATION_SEARCHES`` non-mated
    searches (what ``calibrate_threshold`` does), spread over the pool, before workers read it."""
    probes = synthetic_probes(CALIBRATION_SEARCHES, positions)
    jobs = [
        pool.submit(_nonmated_tops, gallery.path, probes[i : i + CALIBRATION_CHUNK])
        for i in range(0, len(probes), CALIBRATION_CHUNK)
    ]
    tops: list[float] = []
    for job in jobs:
        tops += job.result()
        tick("calibration", CALIBRATION_CHUNK)
    key = threshold_key(len(positions), DEFAULT_FPIR)
    gallery.thresholds[key] = (threshold_for_fpir(tops, DEFAULT_FPIR), gallery.template_count)
    gallery.mark_changed()
    gallery.flush()


def _nonmated_tops(path: Path, probes: Sequence[dict[FingerPosition, Template]]) -> list[float]:
    searcher = Searcher(Gallery.open(path))
    return [(found[0].score if (found := searcher.search(p, 1)) else 0.0) for p in probes]


def _fresh(path: Path) -> Path:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    return path


def _as_positions(fingers: Fingers) -> dict[FingerPosition, Template]:
    return {FingerPosition(f): t for f, t in fingers.items()}


def full_intakes(world: World, rows: Sequence[int], directory: Path) -> Iterator[Intake]:
    """The booking desk's input: the cached CARs with images, and the ground truth."""
    for row in rows:
        yield Intake(
            world.booking(row),
            (directory / "cars" / f"{row}.an2").read_bytes(),
            float(world.bookings.weight[row]),
            truth_of(world, row),
        )
