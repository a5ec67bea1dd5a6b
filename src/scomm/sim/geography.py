"""Where bookings happen: counties, their agencies, and how much each county books.

County populations are not in the reference data, so a county's share of its state's bookings
is taken proportional to the number of law-enforcement agencies the FBI lists in it (a rough
proxy for the size of its criminal-justice system), and the state's share of national bookings
proportional to its 2010 census population. Both tables ship in ``scomm/sim/data`` (see
``SOURCES.md``); :func:`derive_county_rows` rebuilds the county table from the reference data.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scomm.domain import Ori, sheriff_ori, state_by_fips

ActivationDate = Callable[[int], dt.date | None]
"""``activation_date(county_fips) -> date | None``: when S-Comm began for a county, if ever.

The simulation only needs this one question answered; ``scomm.policy`` owns the real rollout.
"""

COUNTY_COLUMNS = ("county_fips", "state_fips", "n_agencies", "jail_ori", "jail_ori_derived")


@dataclass(frozen=True, slots=True)
class County:
    """One county: its 5-digit FIPS code, state, jail ORI and other agencies' ORIs."""

    fips: int
    state_fips: int
    jail_ori: Ori
    jail_ori_derived: bool
    other_oris: tuple[Ori, ...]

    @property
    def n_agencies(self) -> int:
        return 1 + len(self.other_oris)


@dataclass(frozen=True, slots=True)
class Geography:
    """Counties with booking weights: each county's share of national bookings (a restricted
    geography keeps the national shares, so its weights sum to less than one)."""

    counties: tuple[County, ...]
    weights: npt.NDArray[np.float64]
    foreign_born_share: npt.NDArray[np.float64]  # of the county's state, 0..1

    def __post_init__(self) -> None:
        if len(self.counties) != len(self.weights) or len(self.counties) != len(
            self.foreign_born_share
        ):
            raise ValueError("geography: counties, weights and shares must have equal length")
        if np.any(self.weights < 0) or self.weights.sum() > 1.0 + 1e-9:
            raise ValueError(
                f"geography: weights must be >= 0 and sum to <= 1, got {self.weights.sum()}"
            )

    def index_of(self, county_fips: int) -> int:
        for i, county in enumerate(self.counties):
            if county.fips == county_fips:
                return i
        raise KeyError(f"county FIPS {county_fips:05d} is not in this geography")

    def restricted_to(self, fips: Iterable[int]) -> Geography:
        """The same geography limited to some counties, each keeping its national share."""
        wanted = set(fips)
        keep = [i for i, c in enumerate(self.counties) if c.fips in wanted]
        if not keep:
            raise ValueError("geography: none of the requested counties is known")
        return Geography(
            tuple(self.counties[i] for i in keep),
            self.weights[keep],
            self.foreign_born_share[keep],
        )


def _read_package_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("scomm.sim").joinpath(f"data/{name}").read_text()
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def state_facts() -> dict[int, tuple[int, float]]:
    """State FIPS -> (2010 census population, foreign-born share 0..1)."""
    return {
        int(r["state_fips"]): (int(r["population_2010"]), float(r["foreign_born_pct"]) / 100)
        for r in _read_package_csv("states.csv")
    }


@cache
def national_geography() -> Geography:
    """All counties of the shipped table, weighted as the module docstring explains."""
    agencies: dict[int, list[Ori]] = defaultdict(list)
    for row in _read_package_csv("agencies.csv"):
        agencies[int(row["county_fips"])].append(Ori(row["ori"]))
    counties: list[County] = []
    for row in _read_package_csv("counties.csv"):
        fips = int(row["county_fips"])
        jail = Ori(row["jail_ori"])
        others = tuple(o for o in agencies.get(fips, []) if o != jail)
        counties.append(
            County(fips, int(row["state_fips"]), jail, row["jail_ori_derived"] == "1", others)
        )
    return weigh_counties(counties, state_facts())


def weigh_counties(
    counties: Iterable[County], states: Mapping[int, tuple[int, float]]
) -> Geography:
    """Weight = state population x county agencies / state agencies; unknown states weigh 0."""
    counties = tuple(counties)
    per_state = Counter[int]()
    for county in counties:
        per_state[county.state_fips] += county.n_agencies
    raw = np.array(
        [
            states.get(c.state_fips, (0, 0.0))[0] * c.n_agencies / per_state[c.state_fips]
            for c in counties
        ],
        dtype=np.float64,
    )
    if not raw.sum() > 0:
        raise ValueError("geography: no county has a known state population")
    share = np.array([states.get(c.state_fips, (0, 0.0))[1] for c in counties])
    return Geography(counties, raw / raw.sum(), share)


def derive_county_rows(
    agencies_county_fips_csv: Path, county_activation_csv: Path
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Rebuild ``counties.csv`` and ``agencies.csv`` rows from the reference data.

    Every county of the activation list is kept. The jail ORI is the county-wide agency
    (``SS ccc 00 00`` of type County) when listed, else the first county-type agency, else
    derived from the FIPS code (flagged ``jail_ori_derived=1``).
    """
    by_county: dict[str, list[dict[str, str]]] = defaultdict(list)
    with agencies_county_fips_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["county_fips_first"]:
                by_county[row["county_fips_first"]].append(row)
    county_rows: list[dict[str, str]] = []
    agency_rows: list[dict[str, str]] = []
    with county_activation_csv.open(newline="") as f:
        fips_codes = sorted({r["county_fips"] for r in csv.DictReader(f)})
    for fips in fips_codes:
        state_fips, rows = int(fips[:2]), by_county.get(fips, [])
        try:
            state_by_fips(state_fips)
        except (KeyError, ValueError):
            continue
        county_type = [r for r in rows if r["agency_type_name"] == "County"]
        wide = [r for r in county_type if r["ori"].endswith("0000") and r["ori"][2:].isdigit()]
        candidates = wide or county_type
        chosen = candidates[0] if candidates else None
        jail = chosen["ori"] if chosen else sheriff_ori(state_fips, int(fips)).value
        county_rows.append(
            {
                "county_fips": fips,
                "state_fips": str(state_fips),
                "n_agencies": str(max(1, len(rows))),
                "jail_ori": jail,
                "jail_ori_derived": "0" if chosen else "1",
            }
        )
        agency_rows.extend({"ori": r["ori"], "county_fips": fips} for r in rows)
    return county_rows, agency_rows
