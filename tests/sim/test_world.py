"""The world's ground truth and the domain objects the pipeline replays."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from scomm.domain import CriminalLevel, Ori, Race, Sex
from scomm.sim.bookings import BookingStream, activation_from_mapping
from scomm.sim.detainers import historical_rules
from scomm.sim.geography import national_geography
from scomm.sim.scenario import ImmigrationStatus, builtin_scenario
from scomm.sim.smallworld import WorldBuilder
from scomm.sim.world import World, person_number

UTC = dt.UTC


def _small() -> tuple[World, dict[str, str], dict[str, int]]:
    b = WorldBuilder()
    harris = b.county(48201, jail_ori="TX1010000", other_oris=("TX1010100",))
    people = {
        "citizen_in_ident": b.person(
            county=harris,
            status=ImmigrationStatus.NATURALIZED,
            ident_on=dt.date(2003, 5, 1),
            birthplace="MX",
            hispanic=True,
        ),
        "repeat": b.person(county=harris, male=False, race="B"),
        "felon": b.person(
            county=harris,
            status=ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
            convictions=(("1299", dt.date(2004, 2, 1)), ("5404", dt.date(2006, 1, 1))),
        ),
    }
    rows = {
        "first": b.booking(people["repeat"], dt.datetime(2009, 1, 5, 8, tzinfo=UTC)),
        "citizen": b.booking(
            people["citizen_in_ident"],
            dt.datetime(2009, 1, 2, 23, 30, tzinfo=UTC),
            victim=True,
            agency="TX1010100",
        ),
        "second": b.booking(
            people["repeat"],
            dt.datetime(2009, 6, 1, 8, tzinfo=UTC),
            offense="2399",
            convicted_on=dt.date(2009, 9, 1),
        ),
        "felon": b.booking(people["felon"], dt.datetime(2009, 2, 1, 8, tzinfo=UTC), offense="3562"),
    }
    return b.build(), people, rows


def test_ground_truth_for_the_oracle() -> None:
    w, people, _ = _small()
    day = dt.date(2009, 1, 2)
    assert w.in_ident(people["citizen_in_ident"], day)
    assert not w.in_ident(people["citizen_in_ident"], dt.date(2003, 5, 1))  # only before `at`
    assert not w.in_ident(people["repeat"], day)
    assert not w.in_criminal_master_file(people["repeat"], dt.date(2009, 1, 5))
    assert w.in_criminal_master_file(people["repeat"], dt.date(2009, 6, 1))  # booked in January
    assert w.in_criminal_master_file(people["felon"], dt.date(2009, 2, 1))
    prior, ident = w.truth_arrays()
    assert prior.tolist() == [False, False, True, True]
    assert ident.tolist() == [False, True, False, False]


def test_levels_follow_convictions_over_time() -> None:
    w, people, _ = _small()
    assert w.level(people["felon"], dt.date(2009, 2, 1)) is CriminalLevel.LEVEL_1  # robbery
    assert w.level(people["repeat"], dt.date(2009, 8, 31)) is CriminalLevel.NON_CRIMINAL
    assert w.level(people["repeat"], dt.date(2009, 9, 1)) is CriminalLevel.LEVEL_3
    assert [c.offense.code for c in w.convictions(people["felon"])] == ["1299", "5404"]


def test_domain_objects_for_the_replay() -> None:
    w, people, rows = _small()
    booking = w.booking(rows["citizen"])
    assert booking.ori == Ori("TX1010100") and booking.victim
    assert booking.person.person_id == people["citizen_in_ident"]
    assert booking.person.place_of_birth == "MX" and booking.person.race is Race.WHITE
    assert booking.booked_at == dt.datetime(2009, 1, 2, 23, 30, tzinfo=UTC)
    assert booking.charges[0].offense.code == "5499"
    facts = dict(booking.facts)
    assert facts == {"offense_group": "traffic", "minor_offense": "1", "ethnicity": "hispanic"}
    repeat = w.booking(rows["first"]).person
    assert repeat.sex is Sex.FEMALE and repeat.race is Race.BLACK and repeat.place_of_birth == "TX"
    assert [b.booked_at.date() for b in w.iter_bookings()] == sorted(
        b.booked_at.date() for b in w.iter_bookings()
    )
    assert len({b.tcn for b in w.iter_bookings()}) == 4
    with pytest.raises(KeyError, match="not in this world"):
        w.person("P0000000099")
    with pytest.raises(ValueError, match="not a simulation person id"):
        person_number("X12")


def test_generated_world_truth_agrees_with_its_scalar_form() -> None:
    s = (
        builtin_scenario("national-2008-2011")
        .with_values({"population.sample_fraction": 0.05}, "test: small sample")
        .with_overrides(end=dt.date(2009, 6, 30))
    )
    geo = national_geography().restricted_to([48201])
    stream = BookingStream(s, geo, activation_from_mapping({48201: dt.date(2008, 10, 27)}))
    w = World.from_chunk(stream, next(stream.chunks()))
    prior, ident = w.truth_arrays()
    assert 0.05 < ident.mean() < 0.5 and 0.4 < prior.mean() < 0.95
    for row in np.random.default_rng(0).choice(len(w.bookings), 200, replace=False):
        pid = int(w.bookings.person[row])
        day = w.booked_at(int(row)).date()
        assert prior[row] == w.in_criminal_master_file(pid, day)
        assert ident[row] == w.in_ident(pid, day)
        booking = w.booking(int(row))  # every generated booking is a valid domain object
        assert booking.person.person_id == f"P{pid:010d}"


def test_ice_questions_accept_domain_objects() -> None:
    w, people, rows = _small()
    booking = w.booking(rows["felon"])
    rules = historical_rules()
    by_object = w.outcome(rules, booking.person, booking, booking.booked_at)
    by_number = w.outcome(rules, people["felon"], rows["felon"], booking.booked_at)
    assert by_object == by_number
    assert (
        w.detainer_decision(rules, booking.person, booking, booking.booked_at) == by_number.decision
    )
    assert w.in_ident(booking.person, dt.date(2009, 2, 1)) is False
    with pytest.raises(ValueError, match="is not a booking of"):
        w.outcome(rules, people["repeat"], booking, booking.booked_at)
    other = w.booking(rows["first"])
    forged = dataclasses.replace(booking, ori=other.ori, booked_at=other.booked_at)
    with pytest.raises(KeyError, match="does not match row"):
        w.row_of(forged)
    with pytest.raises(KeyError, match="not in this world"):
        w.row_of(99)


def test_bulk_names_equal_single_names() -> None:
    from scomm.sim.names import name_of, names_of

    persons = np.arange(0, 5000, 7, dtype=np.int64)
    male = persons % 3 == 0
    hispanic = persons % 5 == 0
    last, first = names_of(persons, male, hispanic)
    for i, p in enumerate(persons.tolist()):
        assert (last[i], first[i]) == name_of(p, bool(male[i]), bool(hispanic[i]))


def test_builder_refuses_unknown_agencies_and_people() -> None:
    b = WorldBuilder()
    harris = b.county(48201, jail_ori="TX1010000")
    pid = b.person(county=harris)
    at = dt.datetime(2009, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an agency of county 48201"):
        b.booking(pid, at, agency="TX1010100")
    with pytest.raises(ValueError, match="has no agency number 3"):
        b.booking(pid, at, agency=3)
    with pytest.raises(ValueError, match="was not added"):
        b.booking("P0000000009", at)
    with pytest.raises(ValueError, match="timezone-aware"):
        b.booking(pid, dt.datetime(2009, 1, 1))
    with pytest.raises(ValueError, match="county index 5"):
        b.person(county=5)
