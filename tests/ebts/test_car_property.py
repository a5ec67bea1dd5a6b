"""Property: every valid booking becomes a CAR that validates clean and reads back the same;
``encode_car`` writes exactly the bytes of ``build_car(...).to_bytes()`` for image records
already encoded (and refuses what it refuses), and an oracle CAR made that way is the one
built record by record."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.agencies.oracle import finger_token, oracle_car, oracle_cars, oracle_print
from scomm.domain import (
    STATES,
    Booking,
    Charge,
    FingerPosition,
    NcicOffense,
    Ori,
    Person,
    Race,
    Sex,
    Tcn,
    offense_table,
)
from scomm.ebts import (
    BinaryRecord,
    CourtDisposition,
    EbtsError,
    EncodedImages,
    EncodedRecord,
    Transaction,
    build_car,
    encode_car,
    encode_cars,
    encode_wsq,
    parse,
    read_car_facts,
    validate,
)
from scomm.ebts.images import GCA_CODES
from scomm.ebts.transaction import encode_record

RIDGES = encode_wsq((np.sin(np.arange(64 * 64).reshape(64, 64) / 3.0) * 90 + 128).astype(np.uint8))

names = st.from_regex(r"[A-Za-z][A-Za-z ,.'\-]{0,49}", fullmatch=True)
oris = st.builds(
    lambda state, body: Ori(state.ncic + body),
    st.sampled_from(STATES),
    st.from_regex(r"[A-Z0-9]{7}", fullmatch=True),
)
codes = st.sampled_from(sorted(offense_table()))
literals = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=320)


@st.composite
def bookings(draw: st.DrawFn) -> Booking:
    born = draw(st.dates(dt.date(1920, 1, 1), dt.date(2005, 12, 31)))
    booked_day = draw(st.dates(max(born, dt.date(2008, 10, 27)), dt.date(2014, 12, 31)))
    minutes = draw(st.integers(0, 24 * 60 - 1))
    offset = dt.timezone(dt.timedelta(hours=draw(st.integers(-10, -4))))
    booked = dt.datetime.combine(booked_day, dt.time(minutes // 60, minutes % 60), offset)
    ori = draw(oris)
    person = Person(
        "p",
        draw(names),
        draw(names),
        born,
        draw(st.sampled_from(list(Sex))),
        draw(st.sampled_from(list(Race))),
        draw(st.from_regex(r"[A-Z]{2}", fullmatch=True)),
    )
    charges = draw(st.lists(st.builds(Charge.of, codes, literals), min_size=1, max_size=45))
    return Booking(
        Tcn.for_booking(ori, booked_day, draw(st.integers(0, 10**9))),
        ori,
        person,
        booked,
        tuple(charges),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bookings())
def test_every_booking_makes_a_valid_car(booking: Booking) -> None:
    tx = build_car(booking, {FingerPosition.RIGHT_INDEX: RIDGES, FingerPosition.LEFT_INDEX: RIDGES})
    assert [v.describe() for v in validate(tx)] == []
    facts = read_car_facts(parse(tx.to_bytes()))
    assert facts.booked_at == booking.booked_at
    assert facts.tcn == str(booking.tcn) and facts.booking_ori == str(booking.ori)
    assert [c.offense for c in facts.charges] == [c.offense for c in booking.charges[:40]]
    assert facts.subject.date_of_birth == booking.person.date_of_birth
    assert facts.booking("p").person.first_name  # the given name always survives the cut


_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def convictions(booking: Booking) -> st.SearchStrategy[tuple[CourtDisposition, dt.datetime]]:
    """A conviction of ``booking``'s charge, some days after the booking (or, rarely, before:
    which both writers must refuse)."""
    return st.builds(
        lambda days, minutes, code: (
            CourtDisposition(
                booking.booked_at.date() + dt.timedelta(days=days), NcicOffense.lookup(code)
            ),
            booking.booked_at + dt.timedelta(days=days, minutes=minutes),
        ),
        st.integers(0, 900),
        st.integers(-30, 24 * 60),
        codes,
    )


def reference_oracle_car(
    booking: Booking,
    token: str,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> bytes:
    """An oracle CAR as it was made before ``encode_car``: ``build_car`` with placeholder WSQ
    images, each Type-4 record then replaced by the oracle print's, CNT made consistent."""
    positions = [FingerPosition(i) for i in range(1, 11)]
    tx = build_car(
        booking, dict.fromkeys(positions, RIDGES), disposition=disposition,
        disposition_at=disposition_at,
    )  # fmt: skip
    records = list(tx.records)
    for index, record in enumerate(records):
        if isinstance(record, BinaryRecord) and record.type == 4:
            position = FingerPosition(record.finger_positions[0])
            pixels = oracle_print(token, position)
            records[index] = BinaryRecord.image(
                4, idc=record.idc, impression=1 if position.is_single_finger else 0,
                positions=(int(position),), isr=0, width=len(pixels), height=1,
                compression=GCA_CODES["NONE"], data=pixels,
            )  # fmt: skip
    return Transaction(tuple(records)).with_consistent_cnt().to_bytes()


def _same(make_bytes: object, make_reference: object) -> bytes | None:
    """Both give the same bytes (returned), or both refuse with the same message."""
    assert callable(make_bytes) and callable(make_reference)
    try:
        expected = make_reference()
    except EbtsError as error:
        with pytest.raises(EbtsError) as caught:
            make_bytes()
        assert str(caught.value) == str(error)
        return None
    got = make_bytes()
    assert got == expected
    assert isinstance(got, bytes)
    return got


@_SETTINGS
@given(st.data(), bookings(), st.booleans(), st.integers(1, 12))
def test_encode_car_is_build_cars_bytes(
    data: st.DataObject, booking: Booking, convicted: bool, fingers: int
) -> None:
    court, at = data.draw(convictions(booking)) if convicted else (None, None)
    positions = [FingerPosition(i) for i in range(1, fingers + 1)]
    records = [
        BinaryRecord.image(
            4,
            idc=idc,
            impression=1 if p.is_single_finger else 0,
            positions=(int(p),),
            isr=0,
            width=64,
            height=64,
            compression=GCA_CODES["WSQ"],
            data=RIDGES,
        )
        for idc, p in enumerate(positions, start=1)
    ]
    _same(
        lambda: encode_car(
            booking,
            [EncodedRecord(4, r.idc or 0, encode_record(r)) for r in records],
            disposition=court,
            disposition_at=at,
        ),
        lambda: build_car(
            booking, dict.fromkeys(positions, RIDGES), disposition=court, disposition_at=at
        ).to_bytes(),
    )


@_SETTINGS
@given(st.data(), bookings(), st.booleans(), st.text("0123456789abcdef", min_size=20, max_size=20))
def test_oracle_car_is_the_car_built_record_by_record(
    data: st.DataObject, booking: Booking, convicted: bool, token: str
) -> None:
    court, at = data.draw(convictions(booking)) if convicted else (None, None)
    made = _same(
        lambda: oracle_car(booking, token, court, at),
        lambda: reference_oracle_car(booking, token, court, at),
    )
    if made is not None:
        assert [v.describe() for v in validate(parse(made))] == []


@_SETTINGS
@given(st.data(), bookings(), st.booleans(), st.text("0123456789abcdef", min_size=20, max_size=20))
def test_a_booking_and_its_disposition_written_together_are_each_written_alone(
    data: st.DataObject, booking: Booking, convicted: bool, token: str
) -> None:
    court, at = data.draw(convictions(booking)) if convicted else (None, None)
    try:
        alone = (
            oracle_car(booking, token),
            oracle_car(booking, token, court, at) if court is not None else None,
        )
    except EbtsError as error:
        with pytest.raises(EbtsError) as caught:
            oracle_cars(booking, token, court, at)
        assert str(caught.value) == str(error)
        return
    assert oracle_cars(booking, token, court, at) == alone


@settings(max_examples=5, deadline=None)
@given(bookings())
def test_a_car_needs_an_image(booking: Booking) -> None:
    with pytest.raises(EbtsError, match="at least one fingerprint image"):
        encode_car(booking, [])
    with pytest.raises(EbtsError, match="at least one fingerprint image"):
        encode_cars(booking, EncodedImages.of([]))
    token = finger_token("x")
    assert oracle_car(booking, token) == reference_oracle_car(booking, token)
