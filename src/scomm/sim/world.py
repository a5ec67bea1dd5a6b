"""A generated world: its people and bookings, the ground truth about them, and the ICE side.

The pipeline sees only ``scomm.domain`` objects (:meth:`World.person`, :meth:`World.booking`);
the oracle biometric mode asks :meth:`World.in_criminal_master_file` and
:meth:`World.in_ident`; the ERO stage asks :meth:`World.lesc_determination`,
:meth:`World.detainer_decision` and :meth:`World.outcome`. Every random answer is a
counter-based draw keyed by (seed, person, booking, question), so it does not depend on the
order in which questions are asked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from scomm.domain import (
    Booking,
    Charge,
    Conviction,
    CriminalLevel,
    NcicOffense,
    Ori,
    Person,
    Race,
    Sex,
    Tcn,
    classify_level,
    state_by_fips,
)
from scomm.sim.bookings import Bookings, BookingStream, Chunk
from scomm.sim.detainers import DetainerCase, DetainerDecision, EraRules
from scomm.sim.draws import Stream, stream_uniforms, uniform_array
from scomm.sim.geography import ActivationDate, Geography
from scomm.sim.lesc import LescDetermination, lesc_determination
from scomm.sim.names import names_of
from scomm.sim.outcomes import IceOutcome, OutcomeDraws, outcome
from scomm.sim.population import (
    NEVER,
    RACES,
    STATUSES,
    OffenseCatalog,
    People,
    day_date,
    day_number,
)
from scomm.sim.scenario import ImmigrationStatus, Scenario

_PERSON_ID = re.compile(r"P(\d{10})")


def person_id(number: int) -> str:
    return f"P{number:010d}"


PersonRef = str | int | Person
"""A person: the id (``P0000000042``), its number, or the domain ``Person``."""
BookingRef = int | Booking
"""A booking: its row in the world, or the domain ``Booking`` made by :meth:`World.booking`."""


def person_number(pid: PersonRef) -> int:
    if isinstance(pid, Person):
        pid = pid.person_id
    if isinstance(pid, int):
        return pid
    match = _PERSON_ID.fullmatch(pid)
    if match is None:
        raise ValueError(f"not a simulation person id: {pid!r} (expected P + 10 digits)")
    return int(match.group(1))


@dataclass(frozen=True)
class World:
    """People and bookings (column arrays) with the context needed to interpret them."""

    scenario: Scenario
    geography: Geography
    catalog: OffenseCatalog
    birthplaces: tuple[str, ...]  # state FIPS "06" for the native-born, country codes after
    people: People
    bookings: Bookings

    @classmethod
    def from_chunk(cls, stream: BookingStream, chunk: Chunk) -> World:
        return cls(
            stream.scenario, stream.geography, stream.catalog, stream.birthplaces,
            chunk.people, chunk.bookings,
        )  # fmt: skip

    @classmethod
    def generate(
        cls,
        scenario: Scenario,
        geography: Geography,
        activation: ActivationDate,
        *,
        only_activated: bool = False,
    ) -> World:
        """The whole world in memory (fine up to a few million bookings)."""
        stream = BookingStream(scenario, geography, activation, only_activated=only_activated)
        chunks = list(stream.chunks(max_bookings=2**62))
        if not chunks:
            raise ValueError(f"scenario {scenario.name!r} generates no bookings in this geography")
        return cls.from_chunk(stream, chunks[0])

    # ---- indexing -------------------------------------------------------------------------
    def _row(self, pid: PersonRef) -> int:
        number = person_number(pid)
        row = number - int(self.people.person[0]) if len(self.people) else -1
        if not 0 <= row < len(self.people):
            raise KeyError(f"person {person_id(number)} is not in this world")
        return row

    @cached_property
    def _bookings_by_person(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        rows = (
            self.bookings.person - int(self.people.person[0])
            if len(self.people)
            else self.bookings.person
        )
        order = np.argsort(rows, kind="stable").astype(np.int64)
        starts = np.searchsorted(rows[order], np.arange(len(self.people) + 1)).astype(np.int64)
        return order, starts

    def bookings_of(self, pid: PersonRef) -> npt.NDArray[np.int64]:
        """Row numbers of a person's bookings, in time order."""
        row = self._row(pid)
        order, starts = self._bookings_by_person
        return order[starts[row] : starts[row + 1]]

    # ---- ground truth -------------------------------------------------------------------
    def status(self, pid: PersonRef) -> ImmigrationStatus:
        return STATUSES[int(self.people.status[self._row(pid)])]

    def in_criminal_master_file(self, pid: PersonRef, at: dt.date) -> bool:
        """True when the FBI holds a tenprint of the person before ``at`` (prior arrest or an
        earlier booking in this run)."""
        row, day = self._row(pid), day_number(at)
        if self.people.iafis_day[row] < day:
            return True
        return bool(np.any(self.bookings.day[self.bookings_of(pid)] < day))

    def in_ident(self, pid: PersonRef, at: dt.date) -> bool:
        """True when DHS IDENT holds an encounter of the person before ``at``."""
        return bool(self.people.ident_day[self._row(pid)] < day_number(at))

    def truth_arrays(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Per booking row: (in FBI master file, in IDENT) at booking time, vectorised."""
        b = self.bookings
        rows = b.person - int(self.people.person[0])
        ident = self.people.ident_day[rows] < b.day
        prior = self.people.iafis_day[rows] < b.day
        order, starts = self._bookings_by_person
        first_day = np.full(len(self.people), NEVER, dtype=np.int32)
        has = starts[1:] > starts[:-1]
        first_day[has] = np.minimum.reduceat(b.day[order], starts[:-1][has])
        return prior | (first_day[rows] < b.day), ident

    def convictions(self, pid: PersonRef, as_of: dt.date | None = None) -> tuple[Conviction, ...]:
        """Prior convictions plus convictions for this run's bookings, up to ``as_of``."""
        row = self._row(pid)
        p, b, codes = self.people, self.bookings, self.catalog.codes
        first, last = int(p.conv_start[row]), int(p.conv_start[row + 1])
        mine = self.bookings_of(pid)
        mine = mine[b.convicted[mine]]
        days = p.conv_day[first:last].tolist() + b.conviction_day[mine].tolist()
        code_rows = p.conv_code[first:last].tolist() + b.offense_code[mine].tolist()
        items = [(day, codes[code]) for day, code in zip(days, code_rows, strict=True)]
        limit = day_number(as_of) if as_of is not None else NEVER
        return tuple(
            Conviction(NcicOffense.lookup(code), day_date(day))
            for day, code in sorted(items)
            if day <= limit
        )

    def level(self, pid: PersonRef, as_of: dt.date) -> CriminalLevel:
        return classify_level(self.convictions(pid, as_of), as_of)

    # ---- domain objects -----------------------------------------------------------------
    @cached_property
    def _names(self) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        p = self.people
        return names_of(p.person, p.male, p.hispanic)

    @cached_property
    def _places(self) -> tuple[str, ...]:
        """Birthplace codes as EBTS wants them: state postal codes for the native-born."""
        return tuple(
            state_by_fips(int(code)).postal if code.isdigit() else code for code in self.birthplaces
        )

    def person(self, pid: PersonRef) -> Person:
        return self._person_at(self._row(pid))

    def _person_at(self, row: int) -> Person:
        p = self.people
        last_names, first_names = self._names
        return Person(
            person_id=person_id(int(p.person[row])),
            last_name=str(last_names[row]),
            first_name=str(first_names[row]),
            date_of_birth=day_date(int(p.birth_day[row])),
            sex=Sex.MALE if p.male[row] else Sex.FEMALE,
            race=Race(RACES[int(p.race[row])]),
            place_of_birth=self._places[int(p.birthplace[row])],
        )

    def ori(self, row: int) -> Ori:
        county = self.geography.counties[int(self.bookings.county[row])]
        agency = int(self.bookings.agency[row])
        return county.jail_ori if agency == 0 else county.other_oris[agency - 1]

    def booked_at(self, row: int) -> dt.datetime:
        b = self.bookings
        day = day_date(int(b.day[row]))
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(
            seconds=int(b.second[row])
        )

    def booking(self, row: int) -> Booking:
        """Booking row ``row`` as a domain object (TCN: ORI, day, row number)."""
        b = self.bookings
        ori = self.ori(row)
        at = self.booked_at(row)
        person_row = int(b.person[row]) - int(self.people.person[0])
        hispanic = bool(self.people.hispanic[person_row])
        return Booking(
            tcn=Tcn.for_booking(ori, at.date(), row),
            ori=ori,
            person=self._person_at(person_row),
            booked_at=at,
            charges=(Charge(NcicOffense.lookup(self.catalog.codes[int(b.offense_code[row])])),),
            victim=bool(b.victim[row]),
            witness=bool(b.witness[row]),
            domestic_violence_victim=bool(b.domestic_violence_victim[row]),
            facts=(
                *self._group_facts[int(b.offense_group[row])],
                ("ethnicity", "hispanic" if hispanic else "not_hispanic"),
            ),
        )

    @cached_property
    def _group_facts(self) -> tuple[tuple[tuple[str, str], ...], ...]:
        """Per offense group, what the agency records beyond EBTS: the group and whether it is
        a minor offense (with ethnicity, which EBTS folds into race W, for the profiling
        monitor)."""
        return tuple(
            (("offense_group", name), ("minor_offense", "1" if minor else "0"))
            for name, minor in zip(self.catalog.groups, self.catalog.group_minor, strict=True)
        )

    def iter_bookings(self, rows: Iterable[int] | None = None) -> Iterator[Booking]:
        """Domain bookings in time order (or for the given rows)."""
        if rows is None:
            rows = np.lexsort((self.bookings.second, self.bookings.day)).tolist()
        for row in rows:
            yield self.booking(int(row))

    # ---- ICE side -----------------------------------------------------------------------
    def _draws(self, pid: PersonRef, row: int) -> tuple[float, ...]:
        """All of a (person, booking)'s draws, indexed by ``Stream - 1``."""
        return stream_uniforms(self.scenario.seed, person_number(pid), row)

    def row_of(self, booking: BookingRef) -> int:
        """The row of a booking made by :meth:`booking` (its TCN ends with the row number)."""
        if isinstance(booking, int):
            row = booking
        else:
            tail = booking.tcn.value.rsplit("-", 1)[-1]
            if not tail.isdigit():
                raise KeyError(f"booking {booking.tcn} was not made by this world")
            row = int(tail)
        if not 0 <= row < len(self.bookings):
            raise KeyError(f"booking row {row} is not in this world")
        if not isinstance(booking, int) and (
            self.ori(row) != booking.ori or self.booked_at(row) != booking.booked_at
        ):
            raise KeyError(f"booking {booking.tcn} does not match row {row} of this world")
        return row

    def lesc_determination(
        self, pid: PersonRef, at: dt.datetime, booking: BookingRef = -1
    ) -> LescDetermination:
        """The LESC's answer to an IAQ about the person (for ``booking`` when given: each IAQ
        is a fresh look, so a citizen may be flagged on one booking and not on another)."""
        del at  # status does not change during a run; kept for the pipeline's signature
        row = -1 if booking == -1 else self._checked_row(pid, booking)
        return self._lesc(pid, self._draws(pid, row))

    def _lesc(self, pid: PersonRef, u: tuple[float, ...]) -> LescDetermination:
        return lesc_determination(
            self.status(pid),
            self.scenario.parameters.ice,
            u[Stream.LESC_ERROR - 1],
            u[Stream.LESC_UNDETERMINED - 1],
        )

    def _checked_row(self, pid: PersonRef, booking: BookingRef) -> int:
        row = self.row_of(booking)
        if int(self.bookings.person[row]) != person_number(pid):
            raise ValueError(
                f"booking row {row} is not a booking of {person_id(person_number(pid))}"
            )
        return row

    def detainer_case(self, pid: PersonRef, booking: BookingRef, at: dt.datetime) -> DetainerCase:
        """What the field office knows about the person's booking at ``at``."""
        row = self._checked_row(pid, booking)
        return self._case(pid, row, at, self.convictions(pid), self._draws(pid, row))

    def _case(
        self,
        pid: PersonRef,
        row: int,
        at: dt.datetime,
        history: tuple[Conviction, ...],
        u: tuple[float, ...],
    ) -> DetainerCase:
        entry = int(self.people.entry_day[self._row(pid)])
        county = self.geography.counties[int(self.bookings.county[row])]
        code = self.catalog.codes[int(self.bookings.offense_code[row])]
        return DetainerCase(
            determination=self._lesc(pid, u),
            level=classify_level(history, at.date()),
            charge_severity=NcicOffense.lookup(code).severity,
            state=state_by_fips(county.state_fips).postal,
            at=at,
            entry_date=None if entry == NEVER else day_date(entry),
            u=u[Stream.DETAINER - 1],
        )

    def detainer_decision(
        self, rules: EraRules, pid: PersonRef, booking: BookingRef, at: dt.datetime
    ) -> DetainerDecision:
        return rules.decide(self.detainer_case(pid, booking, at), self.scenario.parameters.ice)

    def outcome(
        self, rules: EraRules, pid: PersonRef, booking: BookingRef, at: dt.datetime
    ) -> IceOutcome:
        """Decision and its consequence for the person's booking, decided at ``at``."""
        row = self._checked_row(pid, booking)
        history = self.convictions(pid)
        u = self._draws(pid, row)
        case = self._case(pid, row, at, history, u)
        params = self.scenario.parameters.ice
        decision = rules.decide(case, params)
        draws = OutcomeDraws(*(u[s - 1] for s in _OUTCOME_STREAMS))
        return outcome(
            case, decision, rules.lea_decline(case, decision), params, draws,
            lambda day: classify_level(history, day),
        )  # fmt: skip


_OUTCOME_STREAMS = (
    Stream.LEA_DECLINE,
    Stream.CITIZEN_RELEASE,
    Stream.LIFT_REASON,
    Stream.REMOVAL,
    Stream.CUSTODY_LAG,
    Stream.REMOVAL_LAG,
)


def draw_matrix(seed: int, persons: npt.ArrayLike, rows: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The same draws as :meth:`World._draws`, for many (person, row) pairs at once: one
    column per :class:`Stream` member in definition order."""
    return np.stack([uniform_array(seed, persons, rows, int(s)) for s in Stream], axis=-1)
