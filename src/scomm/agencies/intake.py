"""The booking desk: a booking enters the system here.

The agency records the booking (its row of ``booking_outcome``: the booking facts, and in a
simulation the ground truth beside them) and puts the CAR in its own outbox (stage ``lea``).
Nothing leaves the agency here, so no gate is involved; the LEA stage submits the CAR through
the gate.

In a replay the booking's future is known: a booking whose charge ends in a conviction also
gets the court's disposition (``Intake.disposition``, the CAR re-submitted with 2.051 CSL),
queued now under ``RUN|TCN|DISP``. It is not held back until the conviction's day: a replay
runs on event time, which the disposition carries (1.014 GMT), not on the wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from scomm.agencies import routing
from scomm.agencies.actors import DISP
from scomm.domain import Booking
from scomm.policy import Registry
from scomm.store import Message, WorkChannel
from scomm.store.outcome_tables import BookingOutcome


@dataclass(frozen=True)
class Intake:
    """One booking to enter: the booking, its CAR bytes, and what a simulation knows."""

    booking: Booking
    car: bytes
    weight: float = 1.0
    truth: Mapping[str, Any] = field(default_factory=dict)
    """``truth_*`` columns of ``booking_outcome`` (empty in a live service)."""
    disposition: bytes | None = None
    """The court's disposition of a charge that ends in a conviction (a replay only)."""


def booking_row(run_id: str, item: Intake, registry: Registry) -> dict[str, Any]:
    booking = item.booking
    county = registry.county_for_ori(booking.ori)
    row: dict[str, Any] = {
        "run_id": run_id,
        "tcn": booking.tcn.value,
        "weight": item.weight,
        "ori": booking.ori.value,
        "county_fips": county.fips if county else None,
        "state": booking.ori.value[:2],
        "booked_at": booking.booked_at,
        "arrest_offense": booking.charges[0].offense.code,
        "race": booking.person.race.value,
        "sex": booking.person.sex.value,
        "age": booking.age,
        "juvenile": booking.juvenile,
        "domestic_violence_victim": booking.domestic_violence_victim,
        "victim": booking.victim,
        "witness": booking.witness,
    }
    for name, value in item.truth.items():
        if not name.startswith("truth_"):
            raise ValueError(f"only truth_* columns may be given as ground truth, not {name!r}")
        row[name] = value
    return row


def enter_bookings(
    session: Session,
    channel: WorkChannel,
    run_id: str,
    items: Sequence[Intake],
    registry: Registry,
) -> int:
    """Record the bookings and queue their CARs (and dispositions), inside the caller's
    transaction."""
    routing.check_run_id(run_id)
    if not items:
        return 0
    rows = [booking_row(run_id, item, registry) for item in items]
    columns = sorted({name for row in rows for name in row})
    session.connection().execute(
        insert(BookingOutcome.__table__),  # type: ignore[arg-type]
        [{name: row.get(name) for name in columns} for row in rows],
    )
    messages = []
    for item in items:
        tcn = item.booking.tcn.value
        messages.append(Message(routing.LEA, str(routing.MessageKey(run_id, tcn, "CAR")), item.car))
        if item.disposition is not None:
            key = str(routing.MessageKey(run_id, tcn, DISP))
            messages.append(Message(routing.LEA, key, item.disposition))
    channel.put_many(messages, session)
    return len(items)
