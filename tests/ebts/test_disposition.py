"""The court's disposition: the booking's CAR re-submitted with 2.051 CSL, and the conviction
carried on in the IAQ, IAR and detainer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import Booking, Charge, CriminalLevel, NcicOffense, Ori, Person, Race, Sex, Tcn
from scomm.ebts import (
    FBI_CJIS_ORI,
    LESC_ORI,
    CourtDisposition,
    Detainer,
    EbtsError,
    Envelope,
    ImmigrationQuery,
    ImmigrationResponse,
    ImmigrationStatus,
    build_car,
    build_detainer,
    build_iaq,
    build_iar,
    encode_wsq,
    parse,
    read_car_facts,
    read_conviction,
    read_detainer,
    read_iaq,
    read_iar,
    validate,
)
from scomm.ebts.car import CONVICTED, conviction_in

BOOKED = dt.datetime(2010, 3, 4, 22, 30, tzinfo=dt.UTC)
CONVICTED_AT = dt.datetime(2010, 6, 1, 12, 0, tzinfo=dt.UTC)
WSQ = encode_wsq((np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 37 % 251).astype(np.uint8))


def booking() -> Booking:
    ori = Ori("CA0190000")
    person = Person("p-1", "Garcia", "Ana", dt.date(1980, 5, 17), Sex.FEMALE, Race.WHITE, "MX")
    return Booking(
        Tcn.for_booking(ori, BOOKED.date(), 17), ori, person, BOOKED, (Charge.of("2299"),)
    )


def disposition() -> CourtDisposition:
    return CourtDisposition(CONVICTED_AT.date(), NcicOffense.lookup("2299"))


def test_the_disposition_is_a_valid_car_that_refers_to_the_booking() -> None:
    b = booking()
    tx = build_car(b, {1: WSQ, 2: WSQ}, disposition=disposition(), disposition_at=CONVICTED_AT)
    assert validate(tx) == [], [v.describe() for v in validate(tx)]
    facts = read_car_facts(parse(tx.to_bytes()))
    assert facts.disposition == disposition()
    assert facts.envelope.tcr == b.tcn.value and facts.tcn != b.tcn.value
    assert facts.booked_at == CONVICTED_AT  # 1.014 GMT: the disposition's event time
    assert facts.arrested_on == BOOKED.date()  # the arrest fields stay the booking's
    record = tx.tagged(2)
    assert record is not None
    ((cdd, col, cpl),) = record.subfields(51)
    assert (cdd, cpl) == ("20100601", CONVICTED) and col.startswith("2299 ")
    plain = read_car_facts(build_car(b, {1: WSQ}))
    assert plain.disposition is None and plain.envelope.tcr == ""


def test_the_conviction_is_read_from_the_text_records_alone() -> None:
    """What the hops that forward a disposition read: the same conviction as the whole
    parse, without the images (a broken image record further on is left to CJIS)."""
    b = booking()
    data = build_car(b, {1: WSQ}, disposition=disposition(), disposition_at=CONVICTED_AT).to_bytes()
    assert read_conviction(data) == read_car_facts(parse(data)).disposition == disposition()
    assert read_conviction(build_car(b, {1: WSQ}).to_bytes()) is None
    cut = data[: len(data) - 40]  # the Type-4 record's bytes end early
    with pytest.raises(EbtsError):
        parse(cut)
    assert read_conviction(cut) == disposition()
    with pytest.raises(EbtsError, match="expected a CAR or CNA"):
        read_conviction(data.replace(b"1.004:CAR", b"1.004:SRE", 1))
    with pytest.raises(EbtsError, match="LEN"):
        read_conviction(data[:30])


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except EbtsError as error:
        return ("refused", str(error))


@settings(max_examples=200)
@given(data=st.data())
def test_the_conviction_of_a_parsed_file_is_that_of_its_text_records(data: st.DataObject) -> None:
    """``conviction_in`` of a file that parses whole (how the agencies read a disposition
    they forward, CJIS parsing it next) answers or refuses as ``read_conviction`` does, on
    dispositions, CARs and files with edited text records."""
    b = booking()
    convicted = data.draw(st.booleans())
    car = build_car(
        b, {1: WSQ}, disposition=disposition() if convicted else None,
        disposition_at=CONVICTED_AT if convicted else None,
    )  # fmt: skip
    text = car.to_bytes()
    edits = [
        (b"1.004:CAR", b"1.004:" + data.draw(st.sampled_from([b"CAR", b"CNA", b"SRE"]))),
        (b"2.051:", data.draw(st.sampled_from([b"2.051:", b"2.052:"]))),
        (b"2.045:", data.draw(st.sampled_from([b"2.045:", b"2.046:"]))),
    ]
    for old, new in edits:
        text = text.replace(old, new, 1)
    try:
        tx = parse(text)
    except EbtsError:
        return  # the agencies read such a file with ``read_conviction`` itself
    second = tx.records[1] if len(tx.records) > 1 else None
    assert _outcome(lambda: conviction_in(tx.header, second)) == _outcome(
        lambda: read_conviction(text)
    )


def test_a_file_without_a_type2_right_after_its_type1_has_no_conviction() -> None:
    tx = build_car(booking(), {1: WSQ}, disposition=disposition(), disposition_at=CONVICTED_AT)
    with pytest.raises(EbtsError, match="no Type-2 record"):
        conviction_in(tx.header, tx.records[2])
    with pytest.raises(EbtsError, match="no Type-2 record"):
        conviction_in(tx.header, None)


def test_a_disposition_needs_its_time_after_the_booking() -> None:
    with pytest.raises(EbtsError, match="event time"):
        build_car(booking(), {1: WSQ}, disposition=disposition())
    with pytest.raises(EbtsError, match="event time"):
        build_car(
            booking(), {1: WSQ}, disposition=disposition(), disposition_at=BOOKED.replace(year=2009)
        )


def test_a_bad_court_date_is_named() -> None:
    from scomm.ebts.records import TaggedRecord

    record = TaggedRecord.new(2, {51: [("2010XX01", "2299 BURGLARY", CONVICTED)]}, idc=0)
    with pytest.raises(EbtsError, match=r"2\.051"):
        CourtDisposition.read(record)
    other = TaggedRecord.new(2, {51: [("20100601", "THEFT", "DISMISSED")]}, idc=0)
    assert CourtDisposition.read(other) is None


def test_iaq_iar_detainer_carry_the_conviction() -> None:
    subject = read_car_facts(build_car(booking(), {1: WSQ})).subject
    court = disposition()
    envelope = Envelope("WVIAFIS0Z-IAQ-0001", FBI_CJIS_ORI, LESC_ORI, CONVICTED_AT, "CA0190000-1")
    query = ImmigrationQuery(
        envelope, subject, "CA0190000", BOOKED.date(), ("2299",), conviction=court
    )
    response = ImmigrationResponse(
        envelope, subject, "CA0190000", ImmigrationStatus.ENTERED_WITHOUT_INSPECTION, True,
        CriminalLevel.LEVEL_2, "Los Angeles", conviction=court,
    )  # fmt: skip
    detainer = Detainer(
        Envelope("CAICE0000-DTN-0001", "CAICE0000", "CA0190000", CONVICTED_AT, "CA0190000-1"),
        subject, "CA0190000", "Los Angeles", CONVICTED_AT.date(), conviction=court,
    )  # fmt: skip
    for tx, read, value in (
        (build_iaq(query), read_iaq, query),
        (build_iar(response), read_iar, response),
        (build_detainer(detainer), read_detainer, detainer),
    ):
        assert validate(tx) == [], [v.describe() for v in validate(tx)]
        assert read(parse(tx.to_bytes())) == value  # type: ignore[operator]
    arrest = read_iaq(build_iaq(replace(query, conviction=None)))
    assert arrest.conviction is None


CODES = sorted({"0911", "1313", "2299", "3599", "5404", "5499", "2399", "1399"})


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=BOOKED.date(), max_value=dt.date(2030, 12, 31)),
    code=st.sampled_from(CODES),
)
def test_any_conviction_survives_the_court_segment(day: dt.date, code: str) -> None:
    court = CourtDisposition(day, NcicOffense.lookup(code))
    at = max(dt.datetime.combine(day, dt.time(12), dt.UTC), BOOKED)
    tx = build_car(booking(), {1: WSQ}, disposition=court, disposition_at=at)
    assert validate(tx) == []
    assert read_car_facts(parse(tx.to_bytes())).disposition == court
