"""A bulk enrolment whose new templates are sketched elsewhere (``bulk_enrolment(sketcher)``,
as the demo's pool does while the main process builds the tables) leaves the same gallery,
file for file, as one that sketches them itself."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import scomm.biometrics.gallery as gallery_module
from scomm.biometrics import Gallery, Template
from scomm.biometrics.gallery import SketchWork, sketch_work
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.sketch import Sketches
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition as F

FINGERS = (F.RIGHT_THUMB, F.RIGHT_INDEX, F.LEFT_INDEX)


def impression(identity: int, finger: F) -> Template:
    return minutiae_template(
        template_impression(synthesize_master_template(3, identity, finger), 0)
    )


def enrol(folder: Path, people: Iterable[int], sketcher: gallery_module.Sketcher | None) -> None:
    """Enrol ``people`` in bulk into the gallery in ``folder`` (made or opened)."""
    gallery = Gallery.open(folder)
    with gallery.bulk_enrolment(sketcher):
        for person in people:
            gallery.enrol(
                f"P{person}", {f: impression(person, f) for f in FINGERS[: person % 3 + 1]}
            )
    gallery.close()


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


GIVEN: list[int] = []
"""How many pieces of work ``in_process`` was given, call by call."""


def in_process(work: list[SketchWork]) -> Iterable[Sketches]:
    GIVEN.append(len(work))
    return map(sketch_work, work)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketched_elsewhere_the_gallery_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(gallery_module, "SKETCH_CHUNK", 7)  # several pieces of work
    rng = np.random.default_rng(seed)
    first, second = (int(n) for n in rng.integers(1, 30, size=2))
    batches = [range(first), range(100, 100 + second)]  # the second onto an indexed gallery
    for batch in batches:
        enrol(tmp_path / "plain", batch, None)
        GIVEN.clear()
        enrol(tmp_path / "elsewhere", batch, in_process)
        templates = sum(p % 3 + 1 for p in batch)
        assert [-(-templates // 7)] == GIVEN  # all the new templates, in pieces of 7
        assert files(tmp_path / "elsewhere") == files(tmp_path / "plain")
    gallery = Gallery.open(tmp_path / "elsewhere")
    assert gallery.indexed == len(gallery.sketches.offsets) - 1 > 0


def test_a_pool_sketches_as_the_gallery_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gallery_module, "SKETCH_CHUNK", 5)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        enrol(tmp_path / "pool", range(40), partial(pool.map, sketch_work))
    enrol(tmp_path / "plain", range(40), None)
    assert files(tmp_path / "pool") == files(tmp_path / "plain")
    found = Gallery.open(tmp_path / "pool").search({F.RIGHT_THUMB: impression(17, F.RIGHT_THUMB)})
    assert found[0].subject_id == "P17"
