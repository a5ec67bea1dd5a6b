"""ICE's removal records of a replayed run: the criminal level at removal.

ICE's published statistics count removals by the person's criminal level *at removal*, and a
person's level can rise between the LESC's determination and the removal (the conviction for
the charge of the booking itself usually comes later). The pipeline's ERO step records the
LESC's level in ``booking_outcome.criminal_level``; for a removed booking this pass replaces it
with the level on the removal day, as ICE's removal record would carry it, so that the
report's "removed by level" columns mean what ICE's do. Rows not removed keep the LESC's level.

It runs once after a replay has drained (``scomm national``, ``scomm compare``); the ERO step
could record the level itself once its ``DetainerChoice`` carries it.
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select, update

from scomm.sim.world import World
from scomm.store.outcome_tables import BookingOutcome


def record_levels_at_removal(engine: Engine, run_id: str, world: World) -> int:
    """Set ``criminal_level`` of the run's removed bookings to the level on the removal day;
    returns how many rows changed."""
    o = BookingOutcome
    query = select(o.tcn, o.truth_person_id, o.removed_on, o.criminal_level).where(
        o.run_id == run_id, o.removed.is_(True), o.removed_on.is_not(None)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    changes = []
    for tcn, person, removed_on, recorded in rows:
        if person is None or removed_on is None:
            continue
        level = world.level(person, removed_on).value
        if level != recorded:
            changes.append({"k_tcn": tcn, "k_level": level})
    if changes:
        table = o.__table__
        statement = (
            update(table)  # type: ignore[arg-type]
            .where(table.c.run_id == run_id, table.c.tcn == bindparam("k_tcn"))
            .values(criminal_level=bindparam("k_level"))
        )
        with engine.begin() as conn:
            conn.execute(statement, changes)
    return len(changes)
