"""The booking stream: deterministic, proportioned as the scenario says, pretext where set."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest

from scomm.sim.bookings import BookingStream, activation_from_mapping
from scomm.sim.geography import national_geography
from scomm.sim.population import STATUSES, day_number
from scomm.sim.scenario import ImmigrationStatus, Scenario, builtin_scenario
from scomm.sim.world import World

HARRIS, LA, ARLINGTON = 48201, 6037, 51013
ACTIVATED = {HARRIS: dt.date(2008, 10, 27), LA: dt.date(2009, 8, 25), ARLINGTON: None}


@cache
def scenario() -> Scenario:
    # a tenth of the volume keeps the test fast; a year of bookings
    return (
        builtin_scenario("national-2008-2011")
        .with_values({"population.sample_fraction": 0.1}, "test: a tenth of the volume")
        .with_overrides(start=dt.date(2009, 1, 1), end=dt.date(2009, 12, 31))
    )


def _stream(s: Scenario | None = None, only_activated: bool = False) -> BookingStream:
    geo = national_geography().restricted_to([HARRIS, LA, ARLINGTON])
    return BookingStream(
        s or scenario(), geo, activation_from_mapping(ACTIVATED), only_activated=only_activated
    )


@cache
def world() -> World:
    stream = _stream()
    (chunk,) = list(stream.chunks(max_bookings=10**9))
    return World.from_chunk(stream, chunk)


def test_same_seed_same_world_other_seed_other_world() -> None:
    a = world().bookings
    (b,) = [c.bookings for c in _stream().chunks(max_bookings=10**9)]
    assert np.array_equal(a.person, b.person) and np.array_equal(a.offense_code, b.offense_code)
    (c,) = [c.bookings for c in _stream(scenario().with_overrides(seed=1)).chunks(10**9)]
    assert len(c) != len(a) or not np.array_equal(c.day, a.day)


def test_chunking_does_not_change_the_bookings() -> None:
    whole = world().bookings
    parts = list(_stream().chunks(max_bookings=1))
    assert len(parts) == 3  # one per county
    assert np.array_equal(np.concatenate([p.bookings.person for p in parts]), whole.person)
    assert np.array_equal(np.concatenate([p.people.status for p in parts]), world().people.status)


def test_volume_follows_the_weights() -> None:
    w, s = world(), scenario()
    geo = w.geography
    days = (s.end - s.start).days + 1
    for i, county in enumerate(geo.counties):
        per_year = s.parameters.population.bookings_per_year.value
        expected = geo.weights[i] * per_year * 0.1 * days / 365.25
        got = int(np.count_nonzero(w.bookings.county == i))
        assert abs(got - expected) < 0.05 * expected + 50, county.fips
    assert np.all(w.bookings.weight == pytest.approx(10.0))


def test_bookings_fall_in_the_window_and_only_activated_counties_when_asked() -> None:
    w = world()
    assert w.bookings.day.min() >= day_number(dt.date(2009, 1, 1))
    assert w.bookings.day.max() <= day_number(dt.date(2009, 12, 31))
    stream = _stream(only_activated=True)
    chunk = next(stream.chunks(10**9))
    fips = {stream.geography.counties[i].fips for i in np.unique(chunk.bookings.county)}
    assert fips == {HARRIS, LA}  # Arlington never activated here
    la = stream.geography.index_of(LA)
    assert chunk.bookings.day[chunk.bookings.county == la].min() >= day_number(ACTIVATED[LA])


def test_population_mix_follows_the_parameters() -> None:
    w = world()
    p = w.people
    la = w.geography.index_of(LA)
    in_la = p.county == la
    foreign = p.status[in_la] != STATUSES.index(ImmigrationStatus.CITIZEN)
    ratio = scenario().parameters.population.foreign_born_arrest_ratio.value
    assert abs(foreign.mean() - 0.272 * ratio) < 0.02  # state share x arrest ratio
    assert abs(p.male.mean() - 0.747) < 0.01
    removed = p.status == STATUSES.index(ImmigrationStatus.PREVIOUSLY_REMOVED)
    assert np.all(p.ident_day[removed] < day_number(dt.date(2009, 1, 1)))  # always in IDENT
    # prior convictions only for people with a prior FBI record, and before the run
    has_conv = np.diff(p.conv_start) > 0
    assert np.all(p.iafis_day[has_conv] < day_number(dt.date(2009, 1, 1)))
    assert np.all(p.conv_day < day_number(dt.date(2009, 1, 1)))
    groups = np.bincount(w.bookings.offense_group, minlength=len(w.catalog.groups))
    shares = dict(zip(w.catalog.groups, groups / groups.sum(), strict=True))
    assert abs(shares["drugs"] - 0.122) < 0.01 and abs(shares["traffic"] - 0.10) < 0.01


def test_pretext_arrests_come_after_activation_for_the_chosen_group_only() -> None:
    s = scenario().with_values(
        {
            "population.pretext": {
                "enabled": True,
                "group": "hispanic",
                "offense_group": "traffic",
                "extra_share": 0.5,
                "counties": [LA],
            }
        },
        "test: profiling study",
    )
    stream = _stream(s)
    w = World.from_chunk(stream, next(stream.chunks(10**9)))
    b = w.bookings
    extra = b.pretext
    assert extra.sum() > 30
    rows = b.person[extra] - w.people.person[0]
    assert np.all(w.people.hispanic[rows])
    assert np.all(b.day[extra] >= day_number(ACTIVATED[LA]))
    assert set(np.unique(b.county[extra])) == {w.geography.index_of(LA)}
    traffic = w.catalog.group_index("traffic")
    assert np.all(b.offense_group[extra] == traffic)
    # the rest of the stream is the same world as without pretext
    assert np.array_equal(np.sort(b.person[~extra]), np.sort(world().bookings.person))
