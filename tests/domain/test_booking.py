import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scomm.domain import Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn

UTC = dt.UTC


def person(**changes: object) -> Person:
    fields: dict[str, object] = {
        "person_id": "P1",
        "last_name": "DOE",
        "first_name": "JANE",
        "date_of_birth": dt.date(1980, 5, 17),
        "sex": Sex.FEMALE,
        "race": Race.WHITE,
        "place_of_birth": "MX",
    }
    fields.update(changes)
    return Person(**fields)  # type: ignore[arg-type]


def booking(**changes: object) -> Booking:
    ori = Ori("CA0190000")
    at = dt.datetime(2010, 11, 1, 14, 30, tzinfo=UTC)
    fields: dict[str, object] = {
        "tcn": Tcn.for_booking(ori, at.date(), 1),
        "ori": ori,
        "person": person(),
        "booked_at": at,
        "charges": (Charge.of("5404"),),
    }
    fields.update(changes)
    return Booking(**fields)  # type: ignore[arg-type]


def test_a_valid_booking() -> None:
    b = booking()
    assert b.age == 30
    assert not b.juvenile
    assert b.tcn.value == "CA0190000-20101101-0000000001"
    assert b.charges[0].offense.description == "DRIVING UNDER INFLUENCE ALCOHOL"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"booked_at": dt.datetime(2010, 11, 1, 14, 30)}, "must be timezone-aware"),
        ({"booked_at": dt.datetime(1970, 1, 1, tzinfo=UTC)}, "before the date of birth"),
        ({"charges": ()}, "at least one arrest charge"),
        ({"booked_at": dt.date(2010, 1, 1)}, "must be a datetime"),
    ],
)
def test_impossible_bookings_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        booking(**changes)


def test_booking_of_a_120_plus_year_old_is_rejected() -> None:
    old = person(date_of_birth=dt.date(1881, 1, 1))
    with pytest.raises(ValueError, match="age 129 is over 120"):
        booking(person=old)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_name": ""}, "last name ''"),
        ({"first_name": "J4NE"}, "first name 'J4NE'"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "before 1880-01-01"),
        ({"date_of_birth": dt.date.today() + dt.timedelta(days=1)}, "in the future"),
        ({"place_of_birth": "Mexico"}, "2-letter"),
        ({"sex": "F"}, "must be a Sex code"),
        ({"person_id": ""}, "person_id"),
    ],
)
def test_bad_people_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        person(**changes)


def test_unknown_charge_code_is_named() -> None:
    with pytest.raises(ValueError, match="unknown NCIC offense code '5400'"):
        Charge.of("5400")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 1, 1)))
def test_juvenile_means_under_eighteen_on_the_booking_day(dob: dt.date) -> None:
    b = booking(
        person=person(date_of_birth=dob),
        booked_at=dt.datetime(2010, 1, 1, tzinfo=UTC),
        tcn=Tcn("CA0190000-20100101-0000000001"),
    )
    assert b.juvenile == (b.age < 18)
    assert 0 <= b.age <= 110


def test_codes_parse_and_reject() -> None:
    assert Sex.parse("M") is Sex.MALE
    assert Race.parse("B") is Race.BLACK
    assert FingerPosition.parse("07") is FingerPosition.LEFT_INDEX
    with pytest.raises(ValueError, match="sex code must be one of"):
        Sex.parse("Q")
    with pytest.raises(ValueError, match="race code must be one of"):
        Race.parse("H")
    with pytest.raises(ValueError, match="0-15, got 16"):
        FingerPosition.parse(16)
    with pytest.raises(ValueError, match="a number 0-15"):
        FingerPosition.parse("x")


@given(st.text(max_size=50))
def test_tcn_validation_is_total(value: str) -> None:
    try:
        tcn = Tcn(value)
    except ValueError as error:
        assert "TCN" in str(error)
    else:
        assert 10 <= len(tcn.value) <= 40
