"""The national run's world (1 in K, weight K, activated counties only), ICE's levels at
removal, and hand-built worlds registered for in-process runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from scomm.domain import CriminalLevel
from scomm.policy import Registry
from scomm.sim.national import NationalSpec, activation_dates, national_world
from scomm.sim.population import day_number
from scomm.sim.registered import registered_services
from scomm.sim.removals import record_levels_at_removal
from scomm.sim.scenario import ImmigrationStatus
from scomm.sim.smallworld import WorldBuilder
from scomm.store import make_engine, make_sessionmaker, upgrade_to_head
from scomm.store.outcome_tables import BookingOutcome, ReplayRun

UTC = dt.UTC


def test_spec_round_trips_and_refuses_a_bad_sample() -> None:
    spec = NationalSpec(sample=250, seed=3)
    assert NationalSpec.from_json(spec.to_json()) == spec
    with pytest.raises(ValueError, match="K >= 1"):
        NationalSpec(sample=0)


def test_activation_dates_are_ices_list_only() -> None:
    registry = Registry.shipped()
    dates = activation_dates(registry)
    assert dates[48201] == dt.date(2008, 10, 27)  # Harris County, the first
    borrowed = [f for f, c in registry.counties.items() if c.activation_source != "data"]
    assert borrowed and all(int(f) not in dates for f in borrowed)


def test_national_world_is_weighted_and_starts_at_each_activation() -> None:
    spec = NationalSpec(sample=20_000, end="2010-06-30")
    world = national_world(spec)
    assert len(world.bookings) > 50
    assert np.all(world.bookings.weight == 20_000)
    dates = activation_dates(Registry.shipped())
    fips = [world.geography.counties[int(c)].fips for c in world.bookings.county]
    activated = np.array([day_number(dates[f]) for f in fips])
    assert np.all(world.bookings.day >= activated)
    assert world.bookings.day.max() <= day_number(dt.date(2010, 6, 30))


def test_removal_records_carry_the_level_on_the_removal_day(tmp_path: Path) -> None:
    b = WorldBuilder()
    harris = b.county(48201, jail_ori="TX1010000")
    pid = b.person(county=harris, status=ImmigrationStatus.OVERSTAY, ident_on=dt.date(2006, 1, 1))
    booked = dt.datetime(2009, 3, 2, 10, tzinfo=UTC)
    row = b.booking(pid, booked, offense="1399", convicted_on=dt.date(2009, 5, 1))
    other = b.booking(pid, dt.datetime(2009, 4, 1, 10, tzinfo=UTC), offense="5404")
    world = b.build()
    assert world.level(pid, booked.date()) is CriminalLevel.NON_CRIMINAL
    at_removal = world.level(pid, dt.date(2009, 9, 1))
    assert at_removal is not CriminalLevel.NON_CRIMINAL
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade_to_head(engine)
    base = {
        "run_id": "r", "weight": 1.0, "ori": "TX1010000", "county_fips": "48201", "state": "TX",
        "arrest_offense": "1399", "race": "W", "sex": "M", "age": 28,
        "truth_person_id": pid, "criminal_level": "non_criminal",
    }  # fmt: skip
    with make_sessionmaker(engine).begin() as session:
        session.add(
            ReplayRun(
                run_id="r", policy="historical", scenario="t", seed=1, mode="oracle",
                started_at=dt.datetime(2026, 1, 1, tzinfo=UTC), parameters="{}",
            )
        )  # fmt: skip
        session.add(
            BookingOutcome(
                **base, tcn=world.booking(row).tcn.value, booked_at=booked, removed=True,
                removed_on=dt.date(2009, 9, 1),
            )
        )  # fmt: skip
        session.add(
            BookingOutcome(
                **base, tcn=world.booking(other).tcn.value, booked_at=booked, removed=False
            )
        )
    assert record_levels_at_removal(engine, "r", world) == 1
    with engine.connect() as conn:
        found = conn.execute(select(BookingOutcome.tcn, BookingOutcome.criminal_level)).all()
    levels = {tcn: level for tcn, level in found}
    assert levels[world.booking(row).tcn.value] == at_removal.value
    assert levels[world.booking(other).tcn.value] == "non_criminal"  # not removed: the LESC's


def test_an_unregistered_world_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no world registered as 'nowhere'"):
        registered_services({"registered_world": "nowhere"}, tmp_path, Registry.shipped())
