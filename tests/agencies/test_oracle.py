"""Oracle prints and searches: tokens survive EBTS, errors are drawn once per (TCN, gallery)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scomm.agencies import ErrorRates, OracleGallery, OracleSearch, finger_token, oracle_car
from scomm.agencies.identification import Probe, SearchOutcome
from scomm.agencies.oracle import oracle_print, token_of
from scomm.domain import (
    INDEX_FINGERS,
    Booking,
    Charge,
    FingerPosition,
    Ori,
    Person,
    Race,
    Sex,
    Tcn,
)
from scomm.ebts import EbtsError, finger_images, parse, validate

AT = dt.datetime(2010, 5, 1, 12, tzinfo=dt.UTC)


def booking(n: int) -> Booking:
    person = Person(f"P{n:010d}", "GARCIA", "ANA", dt.date(1985, 3, 4), Sex.FEMALE, Race.WHITE)
    ori = Ori("CA0190000")
    return Booking(Tcn.for_booking(ori, AT.date(), n), ori, person, AT, (Charge.of("5404"),))


def probe(n: int, token: str, at: dt.datetime = AT) -> Probe:
    b = booking(n)
    tx = parse(oracle_car(b, token))
    return Probe(b.tcn.value, at, finger_images(tx))


def test_an_oracle_car_is_a_valid_car_whose_prints_carry_the_token() -> None:
    token = finger_token("P0000000001")
    tx = parse(oracle_car(booking(1), token))
    assert validate(tx) == []
    images = finger_images(tx)
    assert len(images) == 10 and token_of(images) == token
    assert "P0000000001" not in oracle_car(booking(1), token).decode("latin-1")


def test_prints_of_two_people_in_one_car_are_refused() -> None:
    b = booking(2)
    tx = parse(oracle_car(b, finger_token("A")))
    images = dict(finger_images(tx))
    other = parse(oracle_car(b, finger_token("B")))
    images[FingerPosition(3)] = finger_images(other)[FingerPosition(3)]
    with pytest.raises(EbtsError, match="more than one person"):
        token_of(images)


def test_a_print_filed_under_another_finger_is_refused() -> None:
    assert oracle_print("abc", FingerPosition(2)) != oracle_print("abc", FingerPosition(3))


def gallery(n: int) -> OracleGallery:
    tokens = [finger_token(f"P{i}") for i in range(n)]
    return OracleGallery(
        "test", tokens, [dt.date(2005, 1, 1).toordinal()] * n, [f"R{i}" for i in range(n)]
    )


def test_mated_and_non_mated_searches_follow_the_error_rates() -> None:
    search = OracleSearch(gallery(50), ErrorRates(fnir=0.2, fpir=0.1), seed=3)
    mated = [search.search(probe(i, finger_token(f"P{i % 50}"))) for i in range(400)]
    misses = sum(not o.hit for o in mated) / len(mated)
    assert 0.13 < misses < 0.27
    assert all(o.candidate.record_id == f"R{i % 50}" for i, o in enumerate(mated) if o.hit)
    strangers = [search.search(probe(i, finger_token(f"X{i}"))) for i in range(400)]
    false_hits = sum(o.hit for o in strangers) / len(strangers)
    assert 0.05 < false_hits < 0.16
    assert all(o.mated is False for o in strangers)


def test_the_same_tcn_gets_the_same_answer() -> None:
    search = OracleSearch(gallery(10), ErrorRates(fnir=0.5, fpir=0.5), seed=1)
    for i in range(30):
        p = probe(i, finger_token(f"P{i % 20}"))
        assert search.search(p) == search.search(p)


def test_tenprint_searches_err_at_the_tenprint_rates() -> None:
    """IDENT's ten-finger searches (``ident_tenprint_from``) err as the engine's ten-finger
    search does, its usual two-finger ones at the two-finger rates."""
    two, ten = ErrorRates(fnir=0.5, fpir=0.5), ErrorRates(fnir=0.0, fpir=0.0)
    search = OracleSearch(gallery(20), two, seed=4, tenprint_rates=ten)
    tenprints = [probe(i, finger_token(f"P{i % 20}")) for i in range(100)]
    index_only = [
        dataclasses.replace(p, images={f: p.images[f] for f in INDEX_FINGERS}) for p in tenprints
    ]
    assert all(search.search(p).hit for p in tenprints)
    assert 30 < sum(not search.search(p).hit for p in index_only) < 70
    strangers = [probe(i, finger_token(f"X{i}")) for i in range(100)]
    assert not any(search.search(p).hit for p in strangers)
    assert search.rates_for(10) == ten and search.rates_for(2) == two
    assert OracleSearch(gallery(3), two, seed=4).rates_for(10) == two


def test_a_subject_enrolled_after_the_booking_is_not_found() -> None:
    g = OracleGallery("late", [finger_token("P1")], [dt.date(2012, 1, 1).toordinal()], ["R1"])
    search = OracleSearch(g, ErrorRates(0.0, 0.0), seed=0)
    assert not search.search(probe(1, finger_token("P1"))).hit
    later = dt.datetime(2013, 1, 1, tzinfo=dt.UTC)
    assert search.search(probe(1, finger_token("P1"), later)).hit


def test_galleries_round_trip_through_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    g = gallery(25)
    g.save(tmp_path / "g.npz")
    back = OracleGallery.load(tmp_path / "g.npz")
    assert back.tokens == g.tokens and back.days == g.days and back.ids == g.ids


class _Recorder:
    """An identification service that remembers which fingers it was asked to search."""

    name = "recorder"

    def __init__(self) -> None:
        self.fingers: list[int] = []

    def search(self, probe: Probe) -> SearchOutcome:
        self.fingers.append(len(probe.images))
        return SearchOutcome(None)


def test_ident_searches_two_fingers_then_ten_from_the_switch_date() -> None:
    from scomm.agencies import Agencies, BookingRecord, NoRecordsStatusCheck, PriorityDetainerRule
    from scomm.policy import Registry

    recorder = _Recorder()
    agencies = Agencies(
        Registry.shipped(), recorder, recorder, NoRecordsStatusCheck(), PriorityDetainerRule(),
        ident_tenprint_from=dt.date(2011, 1, 1),
    )  # fmt: skip
    for year in (2010, 2012):
        at = dt.datetime(year, 5, 1, 12, tzinfo=dt.UTC)
        b = dataclasses.replace(booking(year), booked_at=at)
        record = BookingRecord(b.tcn.value, "CA0190000", "06037", at, "5404", False, False)
        agencies.ident("CAR", oracle_car(b, finger_token("P9")), record)
    assert recorder.fingers == [2, 10]
