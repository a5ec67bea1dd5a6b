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
The demo (``scomm.cli.demo_calibration``) calibrates its galleries with these strangers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from scomm.biometrics import FingerprintImage, Template, extract
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
Probe = dict[FingerPosition, Template]
People = list[dict[int, Template]]
T = TypeVar("T")


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


def tenprint_probes(people: Sequence[dict[int, Template]], count: int) -> list[Probe]:
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
