"""The ``full`` biometric fidelity: the CAR's images, extracted templates, a 1:N gallery search.

A probe's WSQ images are decoded and each finger's template extracted
(``scomm.biometrics.extract``); the gallery (``scomm.biometrics.Gallery``, a folder in the data
directory) is searched with the fused score of all the probe's fingers, and the best candidate
is a hit when it reaches the gallery's threshold for the target FPIR (calibrated once per
finger count with non-mated searches, stored in the gallery).
"""

from __future__ import annotations

from collections.abc import Mapping

from scomm.agencies.identification import Candidate, Probe, SearchOutcome
from scomm.agencies.oracle import MARKER
from scomm.biometrics import FingerprintImage, Template, extract
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.search import DEFAULT_FPIR, Searcher
from scomm.domain import FingerPosition
from scomm.ebts import EbtsError, ImageInfo, finger_images, parse

FULL_PPI = 500


def probe_templates(images: Mapping[FingerPosition, ImageInfo]) -> dict[FingerPosition, Template]:
    """One extracted template per finger image (decoded from WSQ or raw)."""
    templates = {}
    for position, info in images.items():
        if info.compression == "NONE" and info.data.startswith(MARKER):
            raise EbtsError("oracle prints cannot be searched in full mode", record=info.record)
        ppi = round(info.ppi) if info.ppi else FULL_PPI
        templates[position] = extract(FingerprintImage(info.pixels(), ppi))
    return templates


class FullSearch:
    """1:N search of a template gallery with the probe's extracted templates."""

    def __init__(self, gallery: Gallery, fpir: float = DEFAULT_FPIR) -> None:
        self.gallery = gallery
        self.fpir = fpir
        self._searcher = Searcher(gallery)

    @property
    def name(self) -> str:
        return self.gallery.path.name

    def search(self, probe: Probe) -> SearchOutcome:
        templates = probe_templates(probe.images)
        if not templates:
            raise EbtsError("the transaction carries no fingerprint images", record=4)
        found = self._searcher.search(templates, top_k=1)
        threshold = self.gallery.threshold(templates, self.fpir)
        if found and found[0].score >= threshold:
            return SearchOutcome(Candidate(found[0].subject_id, found[0].score))
        return SearchOutcome(None)


def enrol_car(gallery: Gallery, record_id: str, car: bytes) -> int:
    """Enrol the fingers of a CAR's images under ``record_id``; returns how many."""
    templates = probe_templates(finger_images(parse(car)))
    gallery.enrol(record_id, templates)
    return len(templates)
