"""The ``full`` biometric fidelity: the CAR's images, extracted templates, a 1:N gallery search.

A probe's WSQ images are decoded and each finger's template extracted
(``scomm.biometrics.extract``); the gallery (``scomm.biometrics.Gallery``, a folder in the data
directory) is searched with the fused score of all the probe's fingers, and the best candidate
is a hit when it reaches the gallery's threshold for the target FPIR (calibrated once per
finger count with non-mated searches of strangers' extracted prints, stored in the gallery:
``full_calibration``). A worker process remembers the
templates of the last images it extracted (``RecentTemplates``), so IDENT does not extract
again the index fingers that CJIS just extracted in the same process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping

from scomm.agencies.full_calibration import operating_threshold
from scomm.agencies.identification import Candidate, Probe, SearchOutcome
from scomm.agencies.oracle import MARKER
from scomm.biometrics import FingerprintImage, Template, extract
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.search import DEFAULT_FPIR, Searcher
from scomm.domain import TEN_FINGERS, FingerPosition
from scomm.ebts import EbtsError, ImageInfo, finger_images, parse

FULL_PPI = 500


def probe_images(
    images: Mapping[FingerPosition, ImageInfo],
) -> dict[FingerPosition, FingerprintImage]:
    """Each finger's decoded image (WSQ in an isolated helper process, or raw)."""
    decoded = {}
    for position, info in images.items():
        if info.compression == "NONE" and info.data.startswith(MARKER):
            raise EbtsError("oracle prints cannot be searched in full mode", record=info.record)
        ppi = round(info.ppi) if info.ppi else FULL_PPI
        decoded[position] = FingerprintImage(info.pixels(), ppi)
    return decoded


def probe_templates(images: Mapping[FingerPosition, ImageInfo]) -> dict[FingerPosition, Template]:
    """One extracted template per finger image (decoded from WSQ or raw)."""
    return {position: extract(image) for position, image in probe_images(images).items()}


class RecentTemplates:
    """The templates of the last images this process extracted, by their encoded bytes.

    CJIS extracts a booking's ten prints; when the same worker process then handles IDENT's
    search of that booking, the two index fingers arrive as the same bytes (inside IDENT's own
    EBTS transaction) and give the same templates: decoding and extracting them again would
    only repeat the work.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[bytes, float | None], Template] = OrderedDict()

    def get(self, info: ImageInfo) -> Template | None:
        key = (info.data, info.ppi)
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def remember(self, info: ImageInfo, template: Template) -> None:
        self._kept[(info.data, info.ppi)] = template
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


RECENT = RecentTemplates()


class FullSearch:
    """1:N search of a template gallery with the probe's extracted templates."""

    def __init__(self, gallery: Gallery, fpir: float = DEFAULT_FPIR) -> None:
        # an uncalibrated gallery is refused when a run starts, not at its first booking
        operating_threshold(gallery, len(TEN_FINGERS), fpir)
        self.gallery = gallery
        self.fpir = fpir
        self._searcher = Searcher(gallery)
        self.spent = {"decode": 0.0, "extract": 0.0, "search": 0.0}
        """Seconds this process spent on each step of its searches (decoding waits on the
        isolated WSQ helper: wall time; the rest is CPU time), for the benchmark's breakdown."""

    @property
    def name(self) -> str:
        return self.gallery.path.name

    def search(self, probe: Probe) -> SearchOutcome:
        templates = {p: t for p, info in probe.images.items() if (t := RECENT.get(info))}
        todo = {p: info for p, info in probe.images.items() if p not in templates}
        wall = time.perf_counter()
        images = probe_images(todo)
        cpu = time.process_time()
        self.spent["decode"] += time.perf_counter() - wall
        for position, image in images.items():
            templates[position] = extract(image)
            RECENT.remember(todo[position], templates[position])
        if not templates:
            raise EbtsError("the transaction carries no fingerprint images", record=4)
        self.spent["extract"] += time.process_time() - cpu
        cpu = time.process_time()
        found = self._searcher.search(templates, top_k=1)
        threshold = operating_threshold(self.gallery, len(templates), self.fpir)
        self.spent["search"] += time.process_time() - cpu
        if found and found[0].score >= threshold:
            return SearchOutcome(Candidate(found[0].subject_id, found[0].score))
        return SearchOutcome(None)


def enrol_car(gallery: Gallery, record_id: str, car: bytes) -> int:
    """Enrol the fingers of a CAR's images under ``record_id``; returns how many."""
    templates = probe_templates(finger_images(parse(car)))
    gallery.enrol(record_id, templates)
    return len(templates)
