"""The booking stream: who is booked, where, when and for what, county by county.

A county books ``weight x bookings_per_year x years x sample_fraction`` people-bookings over
its window; each person is booked once plus a Poisson number of re-bookings. With a pretext
setting, after the county's activation the chosen group gets extra arrests for the chosen minor
offense group (ground truth flag ``pretext``), so a report can test whether its profiling
monitor sees them. Generation is deterministic per (seed, county) whatever the chunking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from scomm.sim.geography import ActivationDate, Geography
from scomm.sim.population import (
    I8,
    I32,
    I64,
    RACES,
    B,
    OffenseCatalog,
    People,
    day_number,
    generate_people,
)
from scomm.sim.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Bookings:
    """Column arrays, one row per booking, sorted by county then time within a chunk."""

    person: I64
    county: I32
    agency: I32  # 0: the county jail; k: the county's k-th other agency
    day: I32
    second: I32  # seconds after midnight, local booking time
    offense_group: I8
    offense_code: I32  # index into the catalog's codes
    convicted: B
    conviction_day: I32  # NEVER when not convicted
    victim: B
    domestic_violence_victim: B
    witness: B
    pretext: B
    weight: npt.NDArray[np.float32]  # bookings represented by this row (1 / sample_fraction)

    def __len__(self) -> int:
        return len(self.person)


@dataclass(frozen=True, slots=True)
class Chunk:
    """The people of some counties and all their bookings in the run's window."""

    people: People
    bookings: Bookings


def _group_mask(people: People, group: str) -> B:
    if group == "hispanic":
        return people.hispanic
    mask: B = people.race == RACES.index(group.removeprefix("race:"))
    return mask


def _concat_people(parts: list[People]) -> People:
    values: dict[str, npt.NDArray[Any]] = {}
    for f in fields(People):
        if f.name == "conv_start":
            starts, offset = [np.zeros(1, np.int64)], 0
            for p in parts:
                starts.append(p.conv_start[1:] + offset)
                offset += int(p.conv_start[-1])
            values[f.name] = np.concatenate(starts)
        else:
            values[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
    return People(**values)


def _concat_bookings(parts: list[Bookings]) -> Bookings:
    return Bookings(
        **{f.name: np.concatenate([getattr(b, f.name) for b in parts]) for f in fields(Bookings)}
    )


class BookingStream:
    """Generates a scenario's people and bookings over a geography, in chunks of counties."""

    def __init__(
        self,
        scenario: Scenario,
        geography: Geography,
        activation: ActivationDate,
        *,
        only_activated: bool = False,
    ) -> None:
        self.scenario = scenario
        self.geography = geography
        self.activation = activation
        self.only_activated = only_activated
        self.params = scenario.parameters.population
        self.catalog = OffenseCatalog.from_params(self.params)
        self.native_birthplaces = tuple(sorted({f"{c.state_fips:02d}" for c in geography.counties}))
        self.birthplaces = self.native_birthplaces + tuple(self.params.foreign_birthplace_mix.value)

    def chunks(self, max_bookings: int = 1_000_000) -> Iterator[Chunk]:
        """Chunks of whole counties, each with at most about ``max_bookings`` bookings."""
        people: list[People] = []
        bookings: list[Bookings] = []
        pending, next_person = 0, 0
        for index in range(len(self.geography.counties)):
            made = self.county(index, next_person)
            if made is None:
                continue
            next_person += len(made.people)
            people.append(made.people)
            bookings.append(made.bookings)
            pending += len(made.bookings)
            if pending >= max_bookings:
                yield Chunk(_concat_people(people), _concat_bookings(bookings))
                people, bookings, pending = [], [], 0
        if people:
            yield Chunk(_concat_people(people), _concat_bookings(bookings))

    def window(self, index: int) -> tuple[int, int] | None:
        """The county's simulated days [first, last], or None when it books nothing."""
        start, end = day_number(self.scenario.start), day_number(self.scenario.end)
        if self.only_activated:
            activated = self.activation(self.geography.counties[index].fips)
            if activated is None:
                return None
            start = max(start, day_number(activated))
        return (start, end) if start <= end else None

    def county(self, index: int, first_person: int) -> Chunk | None:
        """One county's people and bookings; depends only on (seed, county FIPS)."""
        window = self.window(index)
        if window is None:
            return None
        lo, hi = window
        county = self.geography.counties[index]
        rng = np.random.default_rng([self.scenario.seed, county.fips])
        p = self.params
        years = (hi - lo + 1) / 365.25
        per_person = 1.0 + p.rebooking_rate_per_year.value * years
        expected = (
            self.geography.weights[index]
            * p.bookings_per_year.value
            * years
            * p.sample_fraction.value
        )
        n = int(rng.poisson(expected / per_person))
        if n == 0:
            return None
        people = generate_people(
            rng,
            p,
            self.catalog,
            n=n,
            first_person=first_person,
            county=index,
            state_birthplace=self.native_birthplaces.index(f"{county.state_fips:02d}"),
            n_native_birthplaces=len(self.native_birthplaces),
            foreign_born_share=float(self.geography.foreign_born_share[index]),
            reference_day=day_number(self.scenario.start),
        )
        count = 1 + rng.poisson(p.rebooking_rate_per_year.value * years, n)
        owner = np.repeat(np.arange(n), count)
        days = rng.integers(lo, hi + 1, size=len(owner)).astype(np.int32)
        groups = self.catalog.draw_groups(rng, len(owner), self.catalog.group_share)
        pretext = np.zeros(len(owner), dtype=bool)
        extra = self._pretext(rng, people, owner, days, groups, county.fips, hi)
        if extra is not None:
            owner = np.concatenate([owner, extra[0]])
            days = np.concatenate([days, extra[1]])
            groups = np.concatenate([groups, extra[2]])
            pretext = np.concatenate([pretext, np.ones(len(extra[0]), dtype=bool)])
        order = np.lexsort((owner, days))
        owner, days, groups, pretext = owner[order], days[order], groups[order], pretext[order]
        return Chunk(
            people, self._bookings(rng, people, owner, days, groups, pretext, county.n_agencies)
        )

    def _pretext(
        self,
        rng: np.random.Generator,
        people: People,
        owner: I64,
        days: I32,
        groups: I8,
        fips: int,
        hi: int,
    ) -> tuple[I64, I32, I8] | None:
        setting = self.params.pretext.value
        if not setting.enabled or (setting.counties is not None and fips not in setting.counties):
            return None
        activated = self.activation(fips)
        if activated is None or day_number(activated) > hi:
            return None
        after = day_number(activated)
        group = self.catalog.group_index(setting.offense_group)
        targeted = _group_mask(people, setting.group)
        baseline = int(np.count_nonzero(targeted[owner] & (groups == group) & (days >= after)))
        members = np.flatnonzero(targeted)
        n_extra = int(rng.poisson(setting.extra_share * baseline)) if len(members) else 0
        if n_extra == 0:
            return None
        return (
            rng.choice(members, size=n_extra).astype(np.int64),
            rng.integers(after, hi + 1, size=n_extra).astype(np.int32),
            np.full(n_extra, group, dtype=np.int8),
        )

    def _bookings(
        self,
        rng: np.random.Generator,
        people: People,
        owner: npt.NDArray[np.int64],
        days: I32,
        groups: I8,
        pretext: B,
        n_agencies: int,
    ) -> Bookings:
        p, n = self.params, len(owner)
        other = rng.random(n) >= p.jail_share.value
        agency = np.where(other & (n_agencies > 1), rng.integers(1, max(n_agencies, 2), size=n), 0)
        convicted = rng.random(n) < self.catalog.group_conviction[groups]
        lag = 1 + rng.exponential(p.conviction_lag_days.value, size=n)
        dv_victim = rng.random(n) < p.domestic_violence_victim_share.value
        victim = dv_victim | (rng.random(n) < p.victim_share.value)
        return Bookings(
            person=people.person[owner],
            county=people.county[owner],
            agency=agency.astype(np.int32),
            day=days,
            second=rng.integers(0, 86_400, size=n).astype(np.int32),
            offense_group=groups,
            offense_code=self.catalog.draw_codes(rng, groups),
            convicted=convicted,
            conviction_day=np.where(convicted, days + lag, np.iinfo(np.int32).max).astype(np.int32),
            victim=victim,
            domestic_violence_victim=dv_victim,
            witness=rng.random(n) < p.witness_share.value,
            pretext=pretext,
            weight=np.full(n, 1.0 / p.sample_fraction.value, dtype=np.float32),
        )


def activation_from_mapping(dates: dict[int, dt.date | None]) -> ActivationDate:
    """An :data:`ActivationDate` from a plain mapping (counties not in it: never activated)."""
    return lambda fips: dates.get(fips)
