"""People, charges and bookings: what a local agency records when it books an arrestee."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from scomm.domain.codes import Race, Sex
from scomm.domain.offense import NcicOffense
from scomm.domain.ori import Ori
from scomm.domain.tcn import Tcn

EARLIEST_BIRTH = dt.date(1880, 1, 1)
MAX_AGE_YEARS = 120
ADULT_AGE_YEARS = 18

_NAME = re.compile(r"[A-Za-z][A-Za-z ,.'\-]{0,49}")
_PLACE = re.compile(r"[A-Z]{2}")


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} must be 1-50 characters: letters, spaces and , . ' -,"
            " starting with a letter"
        )


@dataclass(frozen=True, slots=True)
class Person:
    """The identity facts that travel in an EBTS Type-2 record.

    ``person_id`` is scomm's own key for the individual (a simulation's ground truth); it is
    never sent to another agency.
    """

    person_id: str
    last_name: str
    first_name: str
    date_of_birth: dt.date
    sex: Sex
    race: Race
    place_of_birth: str = "XX"

    def __post_init__(self) -> None:
        if not self.person_id:
            raise ValueError("person_id must not be empty")
        _check_name("last name", self.last_name)
        _check_name("first name", self.first_name)
        dob = self.date_of_birth
        if not isinstance(dob, dt.date) or isinstance(dob, dt.datetime):
            raise ValueError(f"date of birth must be a date, got {dob!r}")
        if dob < EARLIEST_BIRTH:
            raise ValueError(f"date of birth {dob} is before {EARLIEST_BIRTH}")
        if dob > dt.date.today():
            raise ValueError(f"date of birth {dob} is in the future")
        if not isinstance(self.sex, Sex):
            raise ValueError(f"sex must be a Sex code, got {self.sex!r}")
        if not isinstance(self.race, Race):
            raise ValueError(f"race must be a Race code, got {self.race!r}")
        if not isinstance(self.place_of_birth, str) or not _PLACE.fullmatch(self.place_of_birth):
            raise ValueError(
                f"place of birth {self.place_of_birth!r} must be a 2-letter state or country"
                " code (XX when unknown)"
            )


@dataclass(frozen=True, slots=True)
class Charge:
    """One arrest charge: an NCIC offense and, optionally, the charge as written locally."""

    offense: NcicOffense
    literal: str = ""

    @classmethod
    def of(cls, code: str | int, literal: str = "") -> Charge:
        return cls(NcicOffense.lookup(code), literal)


@dataclass(frozen=True, slots=True)
class Booking:
    """One booking: who was booked, by which agency, when (the event time), for what.

    ``booked_at`` must be timezone-aware: every decision downstream is taken as of this
    instant, never as of the wall clock.
    """

    tcn: Tcn
    ori: Ori
    person: Person
    booked_at: dt.datetime
    charges: tuple[Charge, ...]
    victim: bool = False
    witness: bool = False
    domestic_violence_victim: bool = False
    facts: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        at = self.booked_at
        if not isinstance(at, dt.datetime):
            raise ValueError(f"booked_at must be a datetime, got {at!r}")
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"booked_at {at.isoformat()} must be timezone-aware")
        dob = self.person.date_of_birth
        day = at.date()
        if day < dob:
            raise ValueError(f"booking on {day} is before the date of birth {dob}")
        age = age_on(dob, day)
        if age > MAX_AGE_YEARS:
            raise ValueError(f"booking on {day}: age {age} is over {MAX_AGE_YEARS}")
        if not self.charges:
            raise ValueError("a booking needs at least one arrest charge")
        if not all(isinstance(c, Charge) for c in self.charges):
            raise ValueError("charges must be Charge values")

    @property
    def age(self) -> int:
        return age_on(self.person.date_of_birth, self.booked_at.date())

    @property
    def juvenile(self) -> bool:
        return self.age < ADULT_AGE_YEARS
