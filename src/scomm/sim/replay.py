"""Replaying a synthetic world through the agencies (issue 8): the galleries its people are
enrolled in, the bookings it feeds the booking desk, and the ICE judgements that know its
ground truth.

The agencies never see this module's world: CJIS and IDENT get galleries of oracle tokens
(:mod:`scomm.agencies.oracle`), the LESC and the field office get :class:`WorldStatusCheck`
and :class:`WorldDetainerRule` through the run's ``services`` parameter. A run's parameters
carry the world's :class:`WorldSpec`, so every worker process rebuilds the same world.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from scomm.agencies import Agencies, Intake, OracleGallery, finger_token, oracle_cars
from scomm.agencies.actors import disposition_time
from scomm.agencies.decisions import DetainerChoice, StatusFinding
from scomm.agencies.services import CJIS_GALLERY, IDENT_GALLERY, searches, tenprint_from
from scomm.domain import CriminalLevel, Tcn
from scomm.ebts import (
    CourtDisposition,
    DetainerAction,
    ImmigrationQuery,
    ImmigrationResponse,
    ImmigrationStatus,
)
from scomm.policy import Registry
from scomm.sim.detainers import EraRules, historical_rules
from scomm.sim.geography import national_geography
from scomm.sim.lesc import LescStatus
from scomm.sim.population import NEVER, RACES, day_date
from scomm.sim.scenario import builtin_scenario
from scomm.sim.world import World, person_id

SERVICES = "scomm.sim.replay:world_services"
WORLD_FILE = "world.json"
"""In a gallery set's folder: the :class:`WorldSpec` of the world ``scomm enroll`` enrolled."""
DEMO_COUNTIES = (48201, 6037, 17031, 4013, 12086, 36047, 53033)
"""Harris TX, Los Angeles CA, Cook IL, Maricopa AZ, Miami-Dade FL, Kings NY, King WA."""
FILLER_SEED = 9162


@dataclass(frozen=True)
class WorldSpec:
    """Enough to rebuild a world exactly: scenario, period, counties, sample fraction, seed."""

    scenario: str = "national-2008-2011"
    start: str = "2008-10-27"
    end: str = "2014-12-31"
    counties: tuple[int, ...] = DEMO_COUNTIES
    sample_fraction: float = 0.025
    seed: int = 20081027

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "counties": list(self.counties)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> WorldSpec:
        return cls(**{**value, "counties": tuple(int(c) for c in value["counties"])})


def save_world_spec(directory: Path, spec: WorldSpec) -> Path:
    """Record in a gallery set which world its galleries hold, so a run can judge with it."""
    path = directory / WORLD_FILE
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec.to_json(), indent=2, sort_keys=True) + "\n")
    return path


def load_world_spec(directory: Path) -> WorldSpec | None:
    """The world a gallery set was enrolled from; None for galleries enrolled from files."""
    path = directory / WORLD_FILE
    if not path.exists():
        return None
    try:
        return WorldSpec.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{path} is not a world spec: {error!r}") from error


@cache
def build_world(spec: WorldSpec) -> World:
    registry = Registry.shipped()
    scenario = builtin_scenario(spec.scenario).with_overrides(
        seed=spec.seed, start=dt.date.fromisoformat(spec.start), end=dt.date.fromisoformat(spec.end)
    )
    scenario = scenario.with_values(
        {"population.sample_fraction": spec.sample_fraction}, "replay world's sample fraction"
    )
    geography = national_geography().restricted_to(spec.counties)

    def activation(fips: int) -> dt.date | None:
        county = registry.counties.get(f"{fips:05d}")
        return county.activation if county is not None else None

    return World.generate(scenario, geography, activation)


def fbi_number(token: str) -> str:
    """The FBI number under which CJIS files the person a finger token stands for."""
    return "F" + token[:11].upper()


def ident_fin(token: str) -> str:
    """The IDENT record number (FIN) of the person a finger token stands for."""
    return "FIN" + token[:12].upper()


def filler_subjects(name: str, count: int) -> list[str]:
    """Tokens of gallery subjects who are never booked (they fill a gallery to its size)."""
    rng = np.random.default_rng([FILLER_SEED, len(name), count])
    return [f"{int(x):020x}"[:20] for x in rng.integers(0, 2**63, count, dtype=np.int64)]


def enrol(world: World, directory: Path, min_subjects: int = 10_000) -> tuple[int, int]:
    """Write the CJIS and IDENT galleries of ``world`` to ``directory``; returns their sizes.

    CJIS holds everyone with a prior arrest (enrolled that day) and retains each booking's
    prints (enrolled on the day of the person's first booking in the run, the day CJIS would
    retain the CAR). IDENT holds everyone with an immigration encounter. Each is topped up with
    synthetic subjects who are never booked, to ``min_subjects``.
    """
    people = world.people
    rows = np.arange(len(people))
    first_booking = np.full(len(people), NEVER, dtype=np.int64)
    booked_rows = world.bookings.person - int(people.person[0])
    np.minimum.at(first_booking, booked_rows, world.bookings.day.astype(np.int64))
    cjis_day = np.minimum(people.iafis_day.astype(np.int64), first_booking)
    sizes = []
    for name, days, record in (
        ("cjis", cjis_day, fbi_number),
        ("ident", people.ident_day.astype(np.int64), ident_fin),
    ):
        chosen = rows[days < NEVER]
        tokens = [finger_token(person_id(int(people.person[r]))) for r in chosen]
        enrolled = [_ordinal(int(days[r])) for r in chosen]
        extra = max(0, min_subjects - len(tokens))
        fillers = filler_subjects(name, extra)
        tokens += fillers
        enrolled += [dt.date(1990, 1, 1).toordinal()] * extra
        gallery = OracleGallery(name, tokens, enrolled, [record(t) for t in tokens])
        gallery.save(directory / (CJIS_GALLERY if name == "cjis" else IDENT_GALLERY))
        sizes.append(len(gallery))
    return sizes[0], sizes[1]


def _ordinal(day: int) -> int:
    return day_date(day).toordinal()


def truth_of(world: World, row: int) -> dict[str, Any]:
    b, p = world.bookings, world.people
    prow = int(b.person[row]) - int(p.person[0])
    group = "hispanic" if p.hispanic[prow] else f"race:{RACES[int(p.race[prow])]}"
    return {
        "truth_person_id": person_id(int(b.person[row])),
        "truth_status": world.status(int(b.person[row])).value,
        "truth_pretext": bool(b.pretext[row]),
        "truth_group": group,
    }


def time_order(world: World) -> np.ndarray[Any, np.dtype[np.int64]]:
    order: np.ndarray[Any, np.dtype[np.int64]] = np.lexsort(
        (world.bookings.second, world.bookings.day)
    ).astype(np.int64)
    return order


def intakes(world: World, rows: Sequence[int]) -> Iterator[Intake]:
    """The booking desk's input for booking ``rows``: oracle CARs, the ground truth, and for a
    charge that ends in a conviction the court's disposition (at :func:`disposition_time` of
    the conviction day)."""
    b = world.bookings
    for row in rows:
        booking = world.booking(int(row))
        token = finger_token(booking.person.person_id)
        court, at = None, None
        if b.convicted[row]:
            day = day_date(int(b.conviction_day[row]))
            court = CourtDisposition(day, booking.charges[0].offense)
            at = disposition_time(booking.booked_at, day)
        car, disposition = oracle_cars(booking, token, court, at)
        yield Intake(booking, car, float(b.weight[row]), truth_of(world, int(row)), disposition)


_STATUS = {
    LescStatus.US_CITIZEN: ImmigrationStatus.US_CITIZEN,
    LescStatus.PERMANENT_RESIDENT: ImmigrationStatus.PERMANENT_RESIDENT,
    LescStatus.NONIMMIGRANT: ImmigrationStatus.NONIMMIGRANT_VISA,
    LescStatus.UNLAWFULLY_PRESENT: ImmigrationStatus.ENTERED_WITHOUT_INSPECTION,
    LescStatus.PREVIOUSLY_REMOVED: ImmigrationStatus.PREVIOUSLY_REMOVED,
    LescStatus.UNDETERMINED: ImmigrationStatus.UNDETERMINED,
}
_SERIOUS = (CriminalLevel.LEVEL_1, CriminalLevel.LEVEL_2)


@dataclass
class WorldIndex:
    """Which person an IDENT record (FIN) is, and which booking row a TCN is."""

    world: World
    by_fin: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        people = self.world.people
        for r in np.flatnonzero(people.ident_day < NEVER).tolist():
            number = int(people.person[r])
            self.by_fin[ident_fin(finger_token(person_id(number)))] = number

    def row_of(self, tcn: str) -> int | None:
        """The booking row ``tcn`` names, or None where it names none of the world's bookings
        (a CAR from elsewhere: another world, a file, a typing error)."""
        _, _, sequence = tcn.rpartition("-")
        if not (sequence.isascii() and sequence.isdigit()):
            return None
        row = int(sequence)
        world = self.world
        if row >= len(world.bookings.person):
            return None
        if Tcn.for_booking(world.ori(row), world.booked_at(row).date(), row).value != tcn:
            return None
        return row

    def resolve(self, fin: str, tcn: str) -> tuple[int, int] | None:
        """(person, booking row) when the record is the booked person's own."""
        number = self.by_fin.get(fin)
        if number is None:
            return None
        row = self.row_of(tcn)
        if row is None or int(self.world.bookings.person[row]) != number:
            return None
        return number, row


class WorldStatusCheck:
    """The LESC with the world's immigration files (its errors included)."""

    def __init__(self, who: WorldIndex) -> None:
        self.who = who

    def determine(self, query: ImmigrationQuery, tcn: str, at: dt.datetime) -> StatusFinding:
        found = self.who.resolve(query.ident_fin, tcn)
        if found is None:
            return StatusFinding(
                ImmigrationStatus.UNDETERMINED, None, None, "undetermined",
                "the IDENT record is not the subject's",
            )  # fmt: skip
        number, row = found
        world = self.who.world
        determination = world.lesc_determination(number, at, row)
        level = world.level(number, at.date())
        status = determination.status
        if status in (LescStatus.UNLAWFULLY_PRESENT, LescStatus.PREVIOUSLY_REMOVED):
            removable: bool | None = True
        elif status.lawful:
            removable = level in _SERIOUS
        elif status is LescStatus.US_CITIZEN:
            removable = False
        else:
            removable = None
        return StatusFinding(_STATUS[status], removable, level, status.value, determination.reason)


class WorldDetainerRule:
    """The field office's practice of the era (``historical_rules``) and what followed: the
    detainer's disposition, custody, the removal and the level on ICE's removal record (the
    person's convictions up to the removal day, so often higher than the LESC's level)."""

    def __init__(self, who: WorldIndex, rules: EraRules) -> None:
        self.who = who
        self.rules = rules

    def decide(self, response: ImmigrationResponse, tcn: str, at: dt.datetime) -> DetainerChoice:
        found = self.who.resolve(response.ident_fin, tcn)
        if found is None:
            return DetainerChoice(None, "no status determined")
        number, row = found
        result = self.who.world.outcome(self.rules, number, row, at)
        decision = result.decision
        if decision.form is None:
            # Custody taken directly at release (no detainer lodged) still ends in ICE
            # custody and possibly a removal: the national calibration relies on it.
            return DetainerChoice(
                None, decision.reason, booked_into_ice=result.taken_into_custody,
                removed_on=result.removed_on, level_at_removal=result.level_at_removal,
            )  # fmt: skip
        action = DetainerAction.NOTIFY if decision.form.value == "I-247N" else DetainerAction.DETAIN
        return DetainerChoice(
            decision.form.value,
            decision.reason,
            action,
            result.disposition.value if result.disposition else None,
            result.taken_into_custody,
            result.removed_on,
            result.level_at_removal,
        )


@cache
def _who(spec: WorldSpec) -> WorldIndex:
    return WorldIndex(build_world(spec))


def world_services(parameters: Mapping[str, Any], data_dir: Path, registry: Registry) -> Agencies:
    """The run's agencies: the data directory's galleries, the world's ICE judgements."""
    spec = WorldSpec.from_json(parameters["world"])
    cjis, ident = searches(parameters, data_dir)
    who = _who(spec)
    return Agencies(
        registry, cjis, ident, WorldStatusCheck(who), WorldDetainerRule(who, historical_rules()),
        tenprint_from(parameters),
    )  # fmt: skip
