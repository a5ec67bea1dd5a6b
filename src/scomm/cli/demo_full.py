"""The demo's ``full``-mode part: real synthetic prints, WSQ CARs, 1:N searches of real galleries.

What is generated, and why it is affordable on two cores:

* the booked people's fingers: one master print per finger (``generate_master``); the CAR
  carries a rendered 400 x 400 impression of each (a booking live scan,
  ``demo_calibration.CAPTURE_PROFILE``), WSQ-encoded (``build_car``), which CJIS and
  IDENT decode and extract at run time; the gallery holds a *different* impression of the same
  master, at template level (``template_impression`` -> ``to_engine_template``), enrolled only
  where the person was in that database before the booking (a prior arrest for CJIS, an
  immigration encounter for IDENT), under the record number the LESC resolves;
* the rest of each gallery, up to ``GALLERY_SUBJECTS``: template-level synthetic people
  (``synthesize_master_template``), the same people in both files: ten fingers at CJIS, the
  same captures of the two index fingers at IDENT; both galleries index once, at the end
  (``Gallery.bulk_enrolment``);
* the thresholds, calibrated on rendered and extracted prints of strangers
  (``scomm.cli.demo_calibration``).

Everything is made in two worker processes and cached under
``<data>/demo/galleries/demo-full-<seed>-<fraction>/``: the CARs (one file per booking) and the
two galleries, marked complete only once written, so the next run reuses them; ``times.json``
there says what each phase cost.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

import scomm.cli.demo_calibration as calibration
from scomm.agencies.intake import Intake
from scomm.agencies.oracle import finger_token
from scomm.agencies.services import CJIS_FULL, IDENT_FULL
from scomm.biometrics import Gallery, Searcher, Template
from scomm.biometrics.enrolment import StoredTemplate, stored_template
from scomm.biometrics.gallery import Sketcher, SketchWork, sketch_work
from scomm.biometrics.index import IndexParams
from scomm.biometrics.sketch import Sketches
from scomm.biometrics.synthetic import (
    generate_master,
    template_impression,
    template_of_new_finger,
    to_engine_template,
)
from scomm.cli.demo_calibration import RUN_TIME, Made, Thresholds
from scomm.cli.phase_times import PhaseTimes
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
THRESHOLDS = "thresholds.json"
WARM_UP_PEOPLE = 12

Fingers = dict[int, Template]
Filler = tuple[list[dict[int, StoredTemplate]], list[dict[int, StoredTemplate]]]
"""Synthetic people's fingers for the FBI gallery and for IDENT's, as they store them."""
T = TypeVar("T")
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
        images[finger] = calibration.car_image(master)
        gallery_print = template_impression(master, 0, profile=calibration.CAPTURE_PROFILE)
        templates[int(finger)] = to_engine_template(gallery_print)
    return BookedPrints(row, build_car(booking, images).to_bytes(), templates)


def one_thread_per_process() -> None:
    """OpenCV in this process and in the processes it starts runs on one thread: the demo keeps
    two processes busy on two cores, where OpenCV's own threads only contend with them (a
    booked person's prints cost 9 % less CPU; the output is the same)."""
    os.environ["OPENCV_FOR_THREADS_NUM"] = "1"  # read by spawned processes when they import cv2
    cv2.setNumThreads(1)


_WORLD: World | None = None
_INHERITED: tuple[dict[str, Any], World] | None = None
"""The main process's world and its spec, which forked pool workers find here."""


def _init_worker(spec_json: dict[str, Any]) -> None:
    global _WORLD
    from scomm.sim.replay import WorldSpec, build_world

    one_thread_per_process()
    if _INHERITED is not None and _INHERITED[0] == spec_json:
        _WORLD = _INHERITED[1]
    else:
        _WORLD = build_world(WorldSpec.from_json(spec_json))


def _made_before_forking(world: World, row: int, extraction: bool) -> Made[BookedPrints]:
    """The first booked person's prints, made in the main process before the pool forks: that
    compiles the generator's and the cylinders' code here and once; the forked workers inherit
    it instead of both compiling the same functions at the same moment (about 8 CPU-s each on a
    first run). With ``extraction``, one extraction compiles the extractor's code too (when no
    job in the pool will: see ``prepare``'s ``vet``)."""
    clock = time.process_time()
    made = _booked_prints(world, row)
    if extraction:
        identity = int(world.bookings.person[row])
        calibration.captured_template(generate_master(PRINT_SEED, identity, INDEX_FINGERS[0]))
    return Made(made, time.process_time() - clock)


def _prints_in_worker(row: int) -> Made[BookedPrints]:
    assert _WORLD is not None, "worker not initialised with the world"
    clock = time.process_time()
    made = _booked_prints(_WORLD, row)
    return Made(made, time.process_time() - clock)


def _filler_chunk(
    start: int, count: int, cjis: int, ident: int, params: tuple[IndexParams, IndexParams]
) -> Made[Filler]:
    """Synthetic people ``start`` .. ``start + count`` who are never booked, at template level:
    ten fingers for the FBI (those numbered below ``cjis``) and the two index fingers for
    IDENT (below ``ident``): the same people in both files, as many are, and the same capture
    in both (DHS holds the prints the FBI shared with it), so each template is made once.

    They come in their stored forms for the galleries' index ``params`` (CJIS's, IDENT's):
    encoded and keyed here, the main process only appends them, and they cross the pipe as
    bytes (a quarter of the pickling the templates cost)."""
    clock = time.process_time()
    made: Filler = ([], [])
    for number in range(start, start + count):
        fingers = TEN_FINGERS if number < cjis else INDEX_FINGERS if number < ident else ()
        templates = {int(f): filler_template(number, f) for f in fingers}
        if number < cjis:
            made[0].append(_stored_forms(templates, TEN_FINGERS, params[0]))
        if number < ident:  # (the same objects as CJIS's where the parameters agree)
            made[1].append(_stored_forms(templates, INDEX_FINGERS, params[1]))
    return Made(made, time.process_time() - clock)


def _stored_forms(
    templates: Fingers, fingers: Sequence[FingerPosition], params: IndexParams
) -> dict[int, StoredTemplate]:
    return {int(f): stored_template(templates[int(f)], int(f), params) for f in fingers}


def filler_template(number: int, finger: FingerPosition) -> Template:
    """Filler person ``number``'s finger, at template level (impression 0)."""
    identity = 10_000_000 + number  # never a world person's number
    return template_of_new_finger(FILLER_SEED, identity, finger)


def _complete(path: Path, key: dict[str, Any]) -> bool:
    marker = path / COMPLETE
    return marker.exists() and json.loads(marker.read_text()) == _with_capture(key)


def _with_capture(key: dict[str, Any]) -> dict[str, Any]:
    """The cache key with the capture profile the prints were taken with."""
    return {**key, "capture": calibration.CAPTURE_PROFILE.to_json()}


def _threshold_marks(shipped: Thresholds | None) -> list[Any]:
    """What a cache key says of its thresholds: calibrated at run time, or these shipped ones."""
    return [RUN_TIME] if shipped is None else [shipped.to_json(), RUN_TIME]


def prepared(directory: Path, key: dict[str, Any], shipped: Thresholds | None = None) -> bool:
    """Whether the CARs and both galleries of ``key`` are cached in ``directory``, with
    thresholds calibrated at run time or at the ``shipped`` ones (a cache made at other
    shipped thresholds is made again)."""
    marks = _threshold_marks(shipped)
    return any(_complete(directory, {**key, "thresholds": mark}) for mark in marks)


def thresholds_used(directory: Path) -> Thresholds:
    """The thresholds the cached galleries in ``directory`` operate at, and their origin."""
    return Thresholds.from_json(json.loads((directory / THRESHOLDS).read_text()))


Vet = Callable[[], list[str]]
"""A picklable check of the shipped thresholds, run in the pool: the conditions they were not
calibrated for (none: they apply)."""


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` cost, phase by phase, and why it did not use the shipped thresholds
    (``vetoed``: the conditions ``vet`` found different; empty when they applied)."""

    times: PhaseTimes
    vetoed: tuple[str, ...] = ()


def prepare(
    world: World, spec_json: dict[str, Any], rows: Sequence[int], directory: Path,
    gallery_subjects: int, tick: Tick, processes: int = PROCESSES,
    shipped: Thresholds | None = None, vet: Vet | None = None,
) -> Prepared:  # fmt: skip
    """Make (or keep) the CARs of ``rows`` and the CJIS and IDENT full galleries, operating at
    the ``shipped`` thresholds, else calibrated here; returns what each phase cost (also written
    to ``times.json`` beside them).

    ``vet``, when given, is the pool's first job: the shipped thresholds apply only if it finds
    no difference. It is known long before it matters (the calibration is queued after the
    fillers), and run there it costs no idle core: its compilation (the extractor and the
    matcher, ~14 CPU-s on a first run) used to run alone before the pool forked."""
    key = {"rows": list(rows), "subjects": gallery_subjects, "world": spec_json}
    times = PhaseTimes()
    if prepared(directory, key, shipped):
        return Prepared(times)
    cars = directory / "cars"
    cars.mkdir(parents=True, exist_ok=True)
    galleries = {
        "cjis": Gallery.open(_fresh(directory / CJIS_FULL)),
        "ident": Gallery.open(_fresh(directory / IDENT_FULL)),
    }
    global _INHERITED
    _INHERITED = (spec_json, world)
    one_thread_per_process()
    with times.phase("first booked person, code compiled before the workers fork (main)"):
        first = [_made_before_forking(world, rows[0], vet is None)] if rows else []
    fork = multiprocessing.get_context("fork")  # the workers inherit the world and compiled code
    with ProcessPoolExecutor(
        processes, mp_context=fork, initializer=_init_worker, initargs=(spec_json,)
    ) as pool:
        vetting = pool.submit(_vetted, vet) if vet is not None else None
        bulk = ExitStack()  # one index build per gallery, when all are enrolled
        for gallery in galleries.values():  # the pool sketches while this process builds tables
            bulk.enter_context(gallery.bulk_enrolment(_sketcher(pool, times)))
        searched: list[Fingers] = []  # a few booked people, to compile the search code with
        with times.phase("booked prints: enrol, write CARs (main)"):
            # one person a job: the fillers are queued once the last prints are in, and until
            # then the worker that is done first waits for the other's last job (4 people, ~3 s)
            for made in chain(first, pool.map(_prints_in_worker, rows[1:])):
                times.worker("booked prints: masters, impressions, WSQ (workers)", made.cpu_s)
                _enrol_booked(world, galleries, cars, made.value)
                if len(searched) < WARM_UP_PEOPLE:
                    searched.append(made.value.templates)
                tick("prints", 1)
        vetoed: list[str] = []
        if vetting is not None:
            made_vet = vetting.result()
            times.worker("shipped thresholds checked (workers)", made_vet.cpu_s)
            vetoed = made_vet.value
            shipped = None if vetoed else shipped
        strangers: calibration.StrangerJobs = []

        def while_fillers_are_made() -> None:
            if shipped is None:  # queued behind the fillers: they overlap the index builds
                strangers.extend(calibration.submit_strangers(pool))
            with times.phase("search code compiled, for the workers too (main)"):
                compile_search_code(searched, directory)

        fill_galleries(pool, galleries, gallery_subjects, tick, times, while_fillers_are_made)
        with times.phase("index builds and writes (main)"):
            bulk.close()
        if shipped is None:
            calibration.calibrate_galleries(pool, galleries, strangers, tick, times)
            used = calibration.calibrated_thresholds(galleries)
        else:
            calibration.store_thresholds(galleries, shipped)
            used = shipped
        for gallery in galleries.values():
            gallery.close()
    mark = RUN_TIME if shipped is None else shipped.to_json()
    (directory / "times.json").write_text(json.dumps(times.to_json(), indent=2))
    (directory / THRESHOLDS).write_text(json.dumps(used.to_json(), indent=2))
    (directory / COMPLETE).write_text(json.dumps(_with_capture({**key, "thresholds": mark})))
    return Prepared(times, tuple(vetoed))


def _sketcher(pool: ProcessPoolExecutor, times: PhaseTimes) -> Sketcher:
    """Sketch a gallery's new templates in the pool (queued at once, when the gallery asks),
    counting the workers' CPU in ``times``."""

    def sketch(work: list[SketchWork]) -> Iterator[Sketches]:
        jobs = pool.map(_sketched, work)  # submitted now, not when the results are read
        return _counted(jobs, times)

    return sketch


def _counted(jobs: Iterator[Made[Sketches]], times: PhaseTimes) -> Iterator[Sketches]:
    for made in jobs:
        times.worker("index builds: sketches (workers)", made.cpu_s)
        yield made.value


def _sketched(work: SketchWork) -> Made[Sketches]:
    clock = time.process_time()
    return Made(sketch_work(work), time.process_time() - clock)


def _vetted(vet: Vet) -> Made[list[str]]:
    clock = time.process_time()
    return Made(vet(), time.process_time() - clock)


def compile_search_code(people: Sequence[Fingers], directory: Path) -> None:
    """Search a scratch gallery of ``people`` (ten-finger and two-finger probes, small budgets
    so that every stage runs): the search code is then compiled in numba's cache, which the
    agency workers load instead of each compiling it again (several CPU-s each on a first run).
    Done in the main process while the pool makes the fillers, so it costs no core's idle time."""
    if not people:
        return
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        with Gallery.open(scratch) as gallery, gallery.bulk_enrolment():
            for number, fingers in enumerate(people):
                gallery.enrol(f"warm-up-{number}", _as_positions(fingers))
        searcher = Searcher(Gallery.open(scratch), comparisons=4, min_subjects=2, shortlist=20)
        probe = _as_positions(people[0])
        searcher.search(probe, 1)
        searcher.search({f: probe[f] for f in INDEX_FINGERS}, 1)


def fill_galleries(
    pool: ProcessPoolExecutor, galleries: dict[str, Gallery], subjects: int, tick: Tick,
    times: PhaseTimes, then: Callable[[], None],
) -> None:  # fmt: skip
    """Fill both galleries up to ``subjects`` with synthetic people made in the pool (``then``
    runs once their jobs are queued)."""
    missing = {name: max(0, subjects - len(g)) for name, g in galleries.items()}
    tokens = {name: filler_subjects(f"{name}-full", n) for name, n in missing.items()}
    record = {"cjis": fbi_number, "ident": ident_fin}
    starts = range(0, max(missing.values()), CHUNK)
    params = (galleries["cjis"].params, galleries["ident"].params)
    jobs = [
        pool.submit(_filler_chunk, i, CHUNK, missing["cjis"], missing["ident"], params)
        for i in starts
    ]
    then()
    with times.phase("fillers: enrol (main)"):
        for start, job in zip(starts, jobs, strict=True):
            chunk = job.result()
            times.worker("fillers: synthesis (workers)", chunk.cpu_s)
            for name, people in zip(("cjis", "ident"), chunk.value, strict=True):
                for offset, fingers in enumerate(people):
                    subject = record[name](tokens[name][start + offset])
                    galleries[name].enrol(subject, _as_positions(fingers))
                tick(name, len(people))


def _enrol_booked(
    world: World, galleries: dict[str, Gallery], cars: Path, made: BookedPrints
) -> None:
    """The booked person's CAR on disk; their gallery templates where they were on file."""
    (cars / f"{made.row}.an2").write_bytes(made.car)
    token = finger_token(person_id(int(world.bookings.person[made.row])))
    in_cjis, in_ident = on_file(world, made.row)
    if in_cjis:
        galleries["cjis"].enrol(fbi_number(token), _as_positions(made.templates))
    if in_ident:
        index = {f: t for f, t in made.templates.items() if f in INDEX_FINGERS}
        galleries["ident"].enrol(ident_fin(token), _as_positions(index))


def _fresh(path: Path) -> Path:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    return path


def _as_positions(fingers: Mapping[int, T]) -> dict[FingerPosition, T]:
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
