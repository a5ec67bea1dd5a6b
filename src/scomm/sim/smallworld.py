"""Hand-built worlds: name every person and booking, so every outcome is known in advance.

For tests and worked examples::

    b = WorldBuilder()
    harris = b.county(48201, jail_ori="TX1010000")
    alice = b.person(county=harris, status=ImmigrationStatus.NATURALIZED, ident_on=date(2005, 1, 1))
    row = b.booking(alice, datetime(2009, 3, 1, 10, tzinfo=UTC), offense="5499")
    world = b.build()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from scomm.domain import NcicOffense, Ori, state_by_postal
from scomm.sim.bookings import Bookings
from scomm.sim.geography import County, Geography, state_facts
from scomm.sim.population import NEVER, RACES, STATUSES, OffenseCatalog, People, day_number
from scomm.sim.scenario import ImmigrationStatus, Scenario, builtin_scenario
from scomm.sim.world import World, person_id

_NEVER = int(NEVER)


def _day(value: dt.date | None) -> int:
    return _NEVER if value is None else day_number(value)


class WorldBuilder:
    """Collects counties, people and bookings; :meth:`build` makes the :class:`World`."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.scenario = scenario or builtin_scenario("national-2008-2011")
        self._counties: list[County] = []
        self._people: list[dict[str, int]] = []
        self._convictions: list[list[tuple[int, str]]] = []
        self._bookings: list[dict[str, int]] = []
        self._places: list[str] = []
        self._codes: list[str] = list(
            OffenseCatalog.from_params(self.scenario.parameters.population).codes
        )

    def county(self, fips: int, jail_ori: str, other_oris: Sequence[str] = ()) -> int:
        """Add a county (5-digit FIPS) with its jail ORI; returns its index."""
        county = County(fips, fips // 1000, Ori(jail_ori), False, tuple(Ori(o) for o in other_oris))
        self._counties.append(county)
        return len(self._counties) - 1

    def _place(self, code: str) -> int:
        if code not in self._places:
            self._places.append(code)
        return self._places.index(code)

    def _code(self, code: str) -> int:
        NcicOffense.lookup(code)
        if code not in self._codes:
            self._codes.append(code)
        return self._codes.index(code)

    def person(
        self,
        *,
        county: int,
        status: ImmigrationStatus = ImmigrationStatus.CITIZEN,
        born: dt.date = dt.date(1980, 6, 15),
        male: bool = True,
        race: str = "W",
        hispanic: bool = False,
        birthplace: str | None = None,
        entered: dt.date | None = None,
        ident_on: dt.date | None = None,
        prior_arrest_on: dt.date | None = None,
        convictions: Sequence[tuple[str, dt.date]] = (),
    ) -> str:
        """Add a person; returns the person id. ``ident_on``: first IDENT encounter (None: not
        in IDENT); ``prior_arrest_on``: first FBI record (defaults to the first conviction)."""
        if not 0 <= county < len(self._counties):
            raise ValueError(f"county index {county} was not added")
        if birthplace is None:
            native = status is ImmigrationStatus.CITIZEN
            state = self._counties[county].state_fips
            birthplace = f"{state:02d}" if native else "MX"
        elif len(birthplace) == 2 and birthplace.isalpha() and status is ImmigrationStatus.CITIZEN:
            birthplace = f"{state_by_postal(birthplace).fips:02d}"
        if prior_arrest_on is None and convictions:
            prior_arrest_on = min(day for _, day in convictions)
        self._people.append(
            {
                "county": county,
                "status": STATUSES.index(status),
                "male": int(male),
                "race": RACES.index(race),
                "hispanic": int(hispanic),
                "birth_day": day_number(born),
                "birthplace": self._place(birthplace),
                "entry_day": _day(entered),
                "ident_day": _day(ident_on),
                "iafis_day": _day(prior_arrest_on),
            }
        )
        self._convictions.append([(day_number(day), code) for code, day in convictions])
        for code, _ in convictions:
            self._code(code)
        return person_id(len(self._people) - 1)

    def booking(
        self,
        person: str,
        at: dt.datetime,
        *,
        offense: str = "5499",
        agency: int | str = 0,
        convicted_on: dt.date | None = None,
        victim: bool = False,
        domestic_violence_victim: bool = False,
        witness: bool = False,
        pretext: bool = False,
    ) -> int:
        """Add a booking; returns its row. ``agency``: the booking ORI (``"TX1010100"``), or
        0 for the county jail and k for the county's k-th other ORI."""
        number = int(person[1:])
        if not 0 <= number < len(self._people):
            raise ValueError(f"person {person} was not added")
        county = self._counties[self._people[number]["county"]]
        oris = [county.jail_ori.value, *(o.value for o in county.other_oris)]
        if isinstance(agency, str):
            if agency not in oris:
                raise ValueError(f"ORI {agency} is not an agency of county {county.fips:05d}")
            agency = oris.index(agency)
        elif not 0 <= agency < len(oris):
            raise ValueError(f"county {county.fips:05d} has no agency number {agency}")
        if at.tzinfo is None:
            raise ValueError("booking time must be timezone-aware")
        utc = at.astimezone(dt.UTC)
        self._bookings.append(
            {
                "person": number,
                "county": self._people[number]["county"],
                "agency": agency,
                "day": day_number(utc.date()),
                "second": utc.hour * 3600 + utc.minute * 60 + utc.second,
                "offense_code": self._code(offense),
                "convicted": int(convicted_on is not None),
                "conviction_day": _day(convicted_on),
                "victim": int(victim or domestic_violence_victim),
                "domestic_violence_victim": int(domestic_violence_victim),
                "witness": int(witness),
                "pretext": int(pretext),
            }
        )
        return len(self._bookings) - 1

    def build(self) -> World:
        if not self._people:
            raise ValueError("a world needs at least one person")
        base = OffenseCatalog.from_params(self.scenario.parameters.population)
        catalog = replace(base, codes=tuple(self._codes))
        code_group = {
            self._codes.index(base.codes[int(c)]): g
            for g, codes in enumerate(base.group_codes)
            for c in codes
        }
        fallback = base.groups.index("other") if "other" in base.groups else 0
        people = {k: np.array([p[k] for p in self._people]) for k in self._people[0]}
        counts = [len(c) for c in self._convictions]
        start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        flat = [item for items in self._convictions for item in items]
        world_people = People(
            person=np.arange(len(self._people), dtype=np.int64),
            county=people["county"].astype(np.int32),
            status=people["status"].astype(np.int8),
            male=people["male"].astype(bool),
            race=people["race"].astype(np.int8),
            hispanic=people["hispanic"].astype(bool),
            birth_day=people["birth_day"].astype(np.int32),
            birthplace=people["birthplace"].astype(np.int16),
            entry_day=people["entry_day"].astype(np.int32),
            ident_day=people["ident_day"].astype(np.int32),
            iafis_day=people["iafis_day"].astype(np.int32),
            conv_start=start,
            conv_code=np.array([self._codes.index(c) for _, c in flat], dtype=np.int32),
            conv_day=np.array([d for d, _ in flat], dtype=np.int32),
        )
        rows = self._bookings
        col = {k: np.array([r[k] for r in rows], dtype=np.int64) for k in (rows[0] if rows else {})}
        empty = np.zeros(0, dtype=np.int64)

        def column(name: str) -> npt.NDArray[np.int64]:
            return col.get(name, empty)

        bookings = Bookings(
            person=column("person").astype(np.int64),
            county=column("county").astype(np.int32),
            agency=column("agency").astype(np.int32),
            day=column("day").astype(np.int32),
            second=column("second").astype(np.int32),
            offense_group=np.array(
                [code_group.get(int(c), fallback) for c in column("offense_code")], dtype=np.int8
            ),
            offense_code=column("offense_code").astype(np.int32),
            convicted=column("convicted").astype(bool),
            conviction_day=column("conviction_day").astype(np.int32),
            victim=column("victim").astype(bool),
            domestic_violence_victim=column("domestic_violence_victim").astype(bool),
            witness=column("witness").astype(bool),
            pretext=column("pretext").astype(bool),
            weight=np.ones(len(rows), dtype=np.float32),
        )
        states = state_facts()
        share = np.array([states.get(c.state_fips, (0, 0.0))[1] for c in self._counties])
        geography = Geography(tuple(self._counties), np.zeros(len(self._counties)), share)
        return World(self.scenario, geography, catalog, tuple(self._places), world_people, bookings)
