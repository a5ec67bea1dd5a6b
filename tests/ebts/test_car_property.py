"""Property: every valid booking becomes a CAR that validates clean and reads back the same."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.domain import (
    STATES,
    Booking,
    Charge,
    FingerPosition,
    Ori,
    Person,
    Race,
    Sex,
    Tcn,
    offense_table,
)
from scomm.ebts import build_car, encode_wsq, parse, read_car_facts, validate

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
