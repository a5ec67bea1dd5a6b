"""Booking facts: built from a domain Booking plus the registry, validated, packed."""

from __future__ import annotations

import datetime as dt

import pytest

from scomm.domain import Booking, Charge, Ori, Person, Race, Sex, Tcn
from scomm.policy import BookingFacts, Registry, Transfer, preset

UTC = dt.UTC


def a_booking(dob: dt.date = dt.date(1980, 5, 17), **changes: object) -> Booking:
    ori = Ori("CA0190000")
    at = dt.datetime(2010, 11, 1, 14, 30, tzinfo=UTC)
    person = Person("P1", "DOE", "JANE", dob, Sex.FEMALE, Race.WHITE, "MX")
    fields: dict[str, object] = {
        "tcn": Tcn.for_booking(ori, at.date(), 1),
        "ori": ori,
        "person": person,
        "booked_at": at,
        "charges": (Charge.of("5404"), Charge.of("1313")),
    }
    fields.update(changes)
    return Booking(**fields)  # type: ignore[arg-type]


def test_from_booking_takes_the_county_activation_and_the_booking_flags() -> None:
    facts = BookingFacts.from_booking(a_booking(domestic_violence_victim=True))
    assert facts.ori == "CA0190000" and facts.state == "CA"
    assert facts.county_fips == "06037"
    assert facts.activation_date == Registry.shipped().county("06037").activation
    assert facts.offenses == frozenset({"5404", "1313"})
    assert facts.domestic_violence_victim and not facts.juvenile and not facts.conviction_known
    assert facts.event_time == dt.datetime(2010, 11, 1, 14, 30, tzinfo=UTC)
    young = BookingFacts.from_booking(a_booking(dob=dt.date(1995, 1, 1)), conviction_known=True)
    assert young.juvenile and young.conviction_known


def test_a_booking_decides_end_to_end() -> None:
    facts = BookingFacts.from_booking(a_booking())
    assert preset("historical").decide(Transfer.IAQ_TO_LESC, facts).allowed
    gated = preset("conviction-gated").decide(Transfer.PRINTS_TO_IDENT, facts)
    assert not gated.allowed and gated.rule_ids[-1] == "not-at-arrest"


def test_facts_compare_by_value_and_hash() -> None:
    at = dt.datetime(2011, 1, 1, tzinfo=UTC)
    a = BookingFacts.for_ori("TX1010000", at, offenses=["5404"])
    b = BookingFacts.for_ori("TX1010000", at, offenses=("5404",))
    assert a == b and hash(a) == hash(b)
    assert a != BookingFacts.for_ori("TX1010000", at, offenses=["5404"], victim=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ori": "CA01900"}, "exactly 9 characters"),
        ({"state": "TX"}, "does not match ORI"),
        ({"county_fips": "6037"}, "5 digits"),
        ({"event_time": dt.datetime(2011, 1, 1)}, "timezone-aware"),
        ({"offenses": frozenset({"54"})}, "4-digit NCIC code"),
        ({"offenses": ["5404"]}, "frozenset"),
    ],
)
def test_bad_facts_are_refused(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "ori": "CA0190000",
        "state": "CA",
        "county_fips": "06037",
        "event_time": dt.datetime(2011, 1, 1, tzinfo=UTC),
    }
    fields.update(changes)
    with pytest.raises(ValueError, match=message):
        BookingFacts(**fields)  # type: ignore[arg-type]
