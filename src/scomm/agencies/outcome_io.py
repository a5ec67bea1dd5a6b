"""Reading booking records from, and writing outcome columns to, ``booking_outcome``.

Both run for every batch a worker handles, so on SQLite they go through the driver's cursor
(SQLAlchemy's per-row parameter and result handling costs more than the statements at
pipeline rates), each value converted by its column type's own bind or result processor, so
the stored and read values are exactly what SQLAlchemy would store and read. Other databases
take SQLAlchemy's statements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, select, update
from sqlalchemy.orm import Session

from scomm.agencies.actors import BookingRecord
from scomm.store import read_only
from scomm.store.outcome_tables import BookingOutcome

OUTCOME: Table = BookingOutcome.__table__  # type: ignore[assignment]
_RECORD_COLUMNS = (
    "tcn", "ori", "county_fips", "booked_at", "arrest_offense", "juvenile",
    "domestic_violence_victim", "victim", "witness",
)  # fmt: skip
_SQLITE_CHUNK = 500
"""TCNs per query on SQLite (well under its limit on bound parameters)."""

Processor = Callable[[Any], Any] | None
_processors: dict[tuple[str, str, str], Processor] = {}


def _processor(conn: Connection, name: str, way: str) -> Processor:
    """Column ``name``'s ``"bind"`` or ``"result"`` processor in ``conn``'s dialect (None
    where values pass unchanged); a KeyError names an unknown column."""
    key = (conn.dialect.name, name, way)
    if key not in _processors:
        impl = OUTCOME.c[name].type.dialect_impl(conn.dialect)
        _processors[key] = (
            impl.bind_processor(conn.dialect)
            if way == "bind"
            else impl.result_processor(conn.dialect, None)
        )
    return _processors[key]


def load_bookings(engine: Engine, run_id: str, tcns: Iterable[str]) -> dict[str, BookingRecord]:
    """The booking agency's records of ``tcns`` in ``run_id`` (one query; on SQLite one per
    500, through the driver)."""
    wanted = sorted(set(tcns))
    rows: list[Sequence[Any]] = []
    with read_only(engine).connect() as conn:
        if conn.dialect.name == "sqlite":
            read_time = _processor(conn, "booked_at", "result")
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                for i in range(0, len(wanted), _SQLITE_CHUNK):
                    chunk = wanted[i : i + _SQLITE_CHUNK]
                    sql = (
                        f"SELECT {', '.join(_RECORD_COLUMNS)} FROM booking_outcome"
                        f" WHERE run_id = ? AND tcn IN ({', '.join('?' * len(chunk))})"
                    )
                    rows += cursor.execute(sql, (run_id, *chunk)).fetchall()
            finally:
                cursor.close()
            if read_time is not None:
                rows = [(*r[:3], read_time(r[3]), *r[4:]) for r in rows]
        else:
            c = OUTCOME.c
            query = select(*(c[name] for name in _RECORD_COLUMNS)).where(
                c.run_id == run_id, c.tcn.in_(wanted)
            )
            rows = list(conn.execute(query).all())
    records = {}
    for tcn, ori, county, at, offense, juvenile, dv_victim, victim, witness in rows:
        if at.tzinfo is None:  # SQLite drops the offset; stored values are UTC
            at = at.replace(tzinfo=dt.UTC)
        records[tcn] = BookingRecord(
            tcn, ori, county, at, offense, bool(juvenile), bool(dv_victim), bool(victim),
            bool(witness),
        )  # fmt: skip
    return records


def write_outcomes(
    conn: Connection | Session, run_id: str, updates: dict[str, dict[str, Any]]
) -> None:
    """Set outcome columns, one executemany per distinct set of columns."""
    target = conn.connection() if isinstance(conn, Session) else conn
    groups: dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for tcn, columns in updates.items():
        if columns:
            groups[tuple(sorted(columns))].append((tcn, columns))
    for names, rows in groups.items():
        if target.dialect.paramstyle == "qmark":  # SQLite: the driver's executemany
            _update_through_driver(target, run_id, names, rows)
            continue
        statement = (
            update(OUTCOME)
            .where(
                and_(OUTCOME.c.run_id == bindparam("b_run"), OUTCOME.c.tcn == bindparam("b_tcn"))
            )
            .values({name: bindparam(name) for name in names})
        )
        target.execute(
            statement, [{"b_run": run_id, "b_tcn": tcn, **columns} for tcn, columns in rows]
        )


def _update_through_driver(
    conn: Connection,
    run_id: str,
    names: tuple[str, ...],
    rows: list[tuple[str, dict[str, Any]]],
) -> None:
    """One group of :func:`write_outcomes` as the driver's executemany, each value made what
    SQLAlchemy would bind."""
    processors = [_processor(conn, name, "bind") for name in names]
    values = [
        (*(c[n] if f is None else f(c[n]) for f, n in zip(processors, names, strict=True)),
         run_id, tcn)
        for tcn, c in rows
    ]  # fmt: skip
    settings = ", ".join(f"{name} = ?" for name in names)
    conn.exec_driver_sql(
        f"UPDATE booking_outcome SET {settings} WHERE run_id = ? AND tcn = ?", values
    )
