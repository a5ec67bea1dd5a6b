"""The national run's world (1 in K, weight K, activated counties only), and hand-built worlds
registered for in-process runs (the level at removal: tests/reports/test_known_worlds.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from scomm.policy import Registry
from scomm.sim.national import NationalSpec, activation_dates, national_world
from scomm.sim.population import day_number
from scomm.sim.registered import registered_services

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


def test_an_unregistered_world_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no world registered as 'nowhere'"):
        registered_services({"registered_world": "nowhere"}, tmp_path, Registry.shipped())
