"""``full`` mode: synthetic fingerprint images in a CAR, extracted and searched 1:N."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scomm.agencies.full import FullSearch, enrol_car
from scomm.agencies.full_calibration import Uncalibrated
from scomm.agencies.identification import Probe
from scomm.agencies.oracle import finger_token, oracle_car
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.search import DEFAULT_FPIR, calibrate_threshold, threshold_key
from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.domain import Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import EbtsError, build_car, finger_images, parse

FINGERS = (FingerPosition.RIGHT_INDEX, FingerPosition.LEFT_INDEX)
AT = dt.datetime(2012, 6, 1, 9, tzinfo=dt.UTC)
SEED = 8


def booking(n: int) -> Booking:
    person = Person(f"P{n:010d}", "LEE", "SAM", dt.date(1979, 2, 3), Sex.MALE, Race.ASIAN)
    ori = Ori("WA0170000")
    return Booking(Tcn.for_booking(ori, AT.date(), n), ori, person, AT, (Charge.of("2299"),))


def car(identity: int, impression: int) -> bytes:
    images = {
        f: render_impression(generate_master(SEED, identity, f), impression).image for f in FINGERS
    }
    return build_car(booking(identity * 10 + impression), images).to_bytes()


@pytest.mark.slow
def test_a_booked_person_is_found_and_a_stranger_is_not(tmp_path: Path) -> None:
    gallery = Gallery.open(tmp_path / "cjis-full")
    for identity in (1, 2, 3):
        assert enrol_car(gallery, f"F{identity}", car(identity, 0)) == 2
    calibrate_threshold(gallery, FINGERS, 0.01, searches=200)
    gallery.flush()
    search = FullSearch(Gallery.open(tmp_path / "cjis-full"), fpir=0.01)

    def probe(data: bytes) -> Probe:
        return Probe("T", AT, finger_images(parse(data)))

    found = search.search(probe(car(2, 1)))
    assert found.candidate is not None and found.candidate.record_id == "F2"
    assert search.search(probe(car(9, 1))).candidate is None


def test_an_uncalibrated_gallery_is_refused_when_the_run_starts(tmp_path: Path) -> None:
    with pytest.raises(Uncalibrated, match="scomm enroll"):
        FullSearch(Gallery.open(tmp_path / "g"))


def test_oracle_prints_are_refused_in_full_mode(tmp_path: Path) -> None:
    gallery = Gallery.open(tmp_path / "g")
    gallery.thresholds[threshold_key(10, DEFAULT_FPIR)] = (0.5, gallery.template_count)
    search = FullSearch(gallery)
    data = oracle_car(booking(1), finger_token("P1"))
    with pytest.raises(EbtsError, match="oracle prints"):
        search.search(Probe("T", AT, finger_images(parse(data))))


def test_a_second_search_of_the_same_images_reuses_their_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scomm.agencies.full as full

    gallery = Gallery.open(tmp_path / "ident-full")
    enrol_car(gallery, "F1", car(1, 0))
    calibrate_threshold(gallery, FINGERS, 0.01, searches=100)
    gallery.flush()
    extracted: list[int] = []
    real = full.extract
    monkeypatch.setattr(full, "extract", lambda image: extracted.append(1) or real(image))
    monkeypatch.setattr(full, "RECENT", full.RecentTemplates(size=4))
    cjis, ident = FullSearch(gallery, fpir=0.01), FullSearch(gallery, fpir=0.01)
    images = finger_images(parse(car(1, 1)))
    first = cjis.search(Probe("T1", AT, images))
    # IDENT gets the same prints in its own transaction: same bytes, so no second extraction
    again = ident.search(Probe("T2", AT, finger_images(parse(car(1, 1)))))
    assert len(extracted) == 2 and first == again
    assert again.candidate is not None and again.candidate.record_id == "F1"
    # Another person's prints are extracted; the memory keeps only the latest ``size``.
    ident.search(Probe("T3", AT, finger_images(parse(car(2, 1)))))
    ident.search(Probe("T4", AT, finger_images(parse(car(3, 1)))))
    assert len(extracted) == 6
    cjis.search(Probe("T5", AT, images))
    assert len(extracted) == 8
