"""The jurisdiction registry: every county with its activation date, its ORIs and its ICE office.

Built from the real data shipped in ``data/`` (see ``data/SOURCES.md``). Loading takes a
fraction of a second and is done once per process (``Registry.shipped()``).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from scomm.domain import Ori, State, state_by_fips, state_by_postal

LESC_ORI = Ori("VTICE0900")  # ICE Law Enforcement Support Center, Williston VT: one for the nation

# The ICE file spells two territories differently from scomm.domain.states.
_AOR_STATE_ALIASES = {
    "United States Virgin Islands": "U.S. Virgin Islands",
    "Commonwealth of the Northern Mariana Islands": "Northern Mariana Islands",
}


@dataclass(frozen=True, slots=True)
class County:
    """A county or county-equivalent (borough, parish, independent city) as scomm sees it.

    ``activation_source`` is ``"data"`` when the date is the county's own, or ``"state"`` when
    the data has none and the state's completion date stands in for it.
    """

    fips: str
    state: State
    name: str
    kind: str
    activation: dt.date
    activation_source: str
    statewide: dt.date | None
    ori: Ori
    ori_derived: bool
    field_office: str

    def __str__(self) -> str:
        return f"{self.name} {self.kind} {self.state.postal} ({self.fips})"


@dataclass(frozen=True, slots=True)
class Agency:
    """A law-enforcement agency: its ORI, name, kind and the counties it serves."""

    ori: Ori
    name: str
    kind: str
    counties: tuple[str, ...]
    derived: bool = False


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("scomm.policy").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), skipinitialspace=True))


def name_key(name: str) -> str:
    """A county name reduced to letters, so ``St. Lawrence`` meets ``ST LAWRENCE``."""
    return "".join(ch for ch in name.upper().replace("SAINT", "ST") if ch.isalpha())


def _kind(row: Mapping[str, str]) -> str:
    for kind in ("borough", "parish", "city"):
        if row.get(kind) == "1.0":
            return kind
    return "county"


def _field_offices(rows: Iterable[dict[str, str]]) -> dict[tuple[str, str], str]:
    """(state name, county name key or "") -> field office."""
    table: dict[tuple[str, str], str] = {}
    for row in rows:
        state = _AOR_STATE_ALIASES.get(row["state_name"], row["state_name"])
        table[(state, name_key(row["county_name"]))] = row["office_name"]
    return table


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


class Registry:
    """Counties by FIPS, agencies by ORI; immutable, extended with ``with_agency``."""

    def __init__(self, counties: Iterable[County], agencies: Iterable[Agency]) -> None:
        self._counties: dict[str, County] = {c.fips: c for c in counties}
        self._agencies: dict[str, Agency] = {a.ori.value: a for a in agencies}
        in_county: dict[str, list[Agency]] = {}
        prefix_votes: dict[str, Counter[str]] = {}
        for agency in self._agencies.values():
            for fips in agency.counties:
                in_county.setdefault(fips, []).append(agency)
            if agency.counties and agency.ori.county_number is not None:
                prefix_votes.setdefault(agency.ori.value[:5], Counter())[agency.counties[0]] += 1
        self._in_county = {f: tuple(sorted(a, key=lambda x: x.ori)) for f, a in in_county.items()}
        self._by_prefix = {p: votes.most_common(1)[0][0] for p, votes in prefix_votes.items()}

    @staticmethod
    @cache
    def shipped() -> Registry:
        """The registry of the data shipped with scomm (loaded once per process)."""
        return _load_shipped()

    @property
    def counties(self) -> Mapping[str, County]:
        return MappingProxyType(self._counties)

    @property
    def agencies(self) -> Mapping[str, Agency]:
        return MappingProxyType(self._agencies)

    def county(self, fips: str | int) -> County:
        """The county for a 5-digit FIPS code (``"06037"`` or ``6037``)."""
        key = f"{fips:05d}" if isinstance(fips, int) else fips.strip().zfill(5)
        try:
            return self._counties[key]
        except KeyError:
            raise ValueError(f"unknown county FIPS code {key!r}") from None

    def agency(self, ori: Ori | str) -> Agency:
        key = str(ori)
        try:
            return self._agencies[key]
        except KeyError:
            raise ValueError(f"ORI {key!r} is not in the registry") from None

    def agencies_in(self, fips: str | int) -> tuple[Agency, ...]:
        return self._in_county.get(self.county(fips).fips, ())

    def county_for_ori(self, ori: Ori | str) -> County | None:
        """The county an ORI books in: its own record, else the county its numeric prefix names.

        A jail or city ORI that the registry does not list (``CA0190199``) still belongs to the
        county that the other ORIs starting ``CA019`` are in.
        """
        key = str(ori)
        agency = self._agencies.get(key)
        fips = agency.counties[0] if agency and agency.counties else self._by_prefix.get(key[:5])
        return self._counties.get(fips) if fips else None

    def activation_date(self, fips: str | int) -> dt.date:
        return self.county(fips).activation

    def field_office(self, fips: str | int) -> str:
        return self.county(fips).field_office

    def with_agency(
        self, ori: Ori | str, name: str, county_fips: str, kind: str = "Other"
    ) -> Registry:
        """A registry that also knows ``ori`` (a city police department, a single jail)."""
        county = self.county(county_fips)
        agency = Agency(Ori(str(ori)), name, kind, (county.fips,))
        if agency.ori.state != county.state:
            raise ValueError(f"ORI {agency.ori} is not in {county.state.name}, where {county} is")
        return Registry(self._counties.values(), [*self._agencies.values(), agency])


def _load_shipped() -> Registry:
    names = {row["county_fips"]: row for row in _read_csv("county_names.csv")}
    offices = _field_offices(_read_csv("ice_areas_of_responsibility.csv"))
    agencies = [
        Agency(
            ori=Ori(row["ori"]),
            name=row["name"],
            kind=row["type"],
            counties=tuple(filter(None, row["county_fips"].split(";"))),
            derived=row["derived"] == "1",
        )
        for row in _read_csv("agencies.csv")
    ]
    county_ori = {
        fips: agency
        for agency, row in zip(agencies, _read_csv("agencies.csv"), strict=True)
        for fips in filter(None, row["county_ori_for"].split(";"))
    }
    rows = _read_csv("county_activation.csv")
    state_complete: dict[str, dt.date] = {}
    for row in rows:
        day = _date(row["date_secure"])
        if day and day > state_complete.get(row["statefips"], dt.date.min):
            state_complete[row["statefips"]] = day
    counties = []
    for row in rows:
        fips = row["county_fips"]
        state = state_by_fips(int(row["statefips"]))
        named = names[fips]
        if state_by_postal(named["state"]) != state:
            raise ValueError(f"county {fips}: names file says {named['state']}, FIPS says {state}")
        own = _date(row["date_secure"])
        office = offices.get((state.name, name_key(named["name"]))) or offices.get((state.name, ""))
        agency = county_ori[fips]
        counties.append(
            County(
                fips=fips,
                state=state,
                name=named["name"].title(),
                kind=_kind(row),
                activation=own or state_complete[row["statefips"]],
                activation_source="data" if own else "state",
                statewide=_date(row["date_statewide"]),
                ori=agency.ori,
                ori_derived=agency.derived,
                field_office=office or "",
            )
        )
    return Registry(counties, agencies)
