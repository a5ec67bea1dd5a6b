"""Database engines and sessions: SQLite (WAL) in the data directory by default, PostgreSQL
when ``SCOMM_DATABASE_URL`` names one.

SQLite transactions are started by us, not by the ``sqlite3`` module: every transaction on a
scomm engine begins with ``BEGIN IMMEDIATE`` so that a read-then-write (leasing work, appending
to the ledger) holds the write lock from its first statement.  A deferred transaction that
later writes can fail with ``SQLITE_BUSY`` no matter the busy timeout when another process
committed in between; several worker processes make that certain, so writes never use it.
Read-only work may ask for a deferred start with :func:`read_only`.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DATA_DIR_ENV = "SCOMM_DATA_DIR"
DATABASE_URL_ENV = "SCOMM_DATABASE_URL"
SQLITE_BEGIN_OPTION = "scomm_sqlite_begin"
"""Execution option naming how a SQLite transaction begins: ``IMMEDIATE`` (default) or
``DEFERRED`` (read-only work that should not wait for the write lock)."""


AUTOCHECKPOINT_PAGES = 20_000
PAGE_CACHE_KIB = 16_384
"""SQLite's page cache per connection (its default is 2 MiB). A pipeline worker's transaction
dirties about a thousand 4 KiB pages (a step's work items, ledger entries and indexes,
outcome rows); with the default cache SQLite spilled and re-read pages mid-transaction: one
worker read 80 KB and wrote 73 KB per oracle booking, 23 KB and 68 KB with 16 MiB."""
CHECKPOINT_EVERY = 4
"""A process checkpoints the WAL after every this many of its writer turns."""


class Base(DeclarativeBase):
    """Declarative base for every table scomm stores."""


def data_dir() -> Path:
    """Where scomm keeps its database, keys and caches (``SCOMM_DATA_DIR``, else ./scomm-data)."""
    return Path(os.environ.get(DATA_DIR_ENV, "scomm-data")).resolve()


def default_database_url(directory: Path | None = None) -> str:
    """``SCOMM_DATABASE_URL`` if set, else a SQLite file in the data directory."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    directory = directory or data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'scomm.db'}"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; _sqlite_begin emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Checkpoints are run by writers after their turn (see writer_turn); SQLite's own, run
    # inside a commit while the write lock is held, only past this many WAL pages (a writer
    # that never takes turns still keeps the WAL bounded).
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    mode = str(options.get(SQLITE_BEGIN_OPTION, "IMMEDIATE")).upper()
    if mode not in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE"):
        raise ValueError(f"{SQLITE_BEGIN_OPTION} must be IMMEDIATE, DEFERRED or EXCLUSIVE: {mode}")
    conn.exec_driver_sql(f"BEGIN {mode}")


def normalise_url(url: str) -> str:
    """Map plain ``postgresql://`` URLs to the psycopg 3 driver scomm depends on."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: :func:`default_database_url`), SQLite tuned for WAL."""
    engine = create_engine(normalise_url(url or default_database_url()), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine (same pool) whose SQLite transactions begin deferred, for readers."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


class _WriterTurn:
    """Whose turn it is to write a SQLite file, across threads and processes.

    SQLite's own lock is always what keeps the data safe.  This only makes waiting cheap: a
    writer blocked on SQLite's busy handler polls with sleeps of up to 100 ms, so a busy writer
    keeps winning the lock back and the others idle.  A blocking ``flock`` on a file beside the
    database wakes the next writer the moment the lock is released, so workers take turns and
    do their work outside transactions in parallel.  The kernel drops the lock of a process
    that dies.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.threads = threading.RLock()  # re-entrant: a nested write waits on SQLite instead
        self.depth = 0
        self.fd: int | None = None
        self.since = 0.0
        self.since_cpu = 0.0
        self.since_checkpoint = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.threads:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if self.depth == 0:
                asked = time.perf_counter()
                fcntl.flock(self.fd, fcntl.LOCK_EX)
                self.since = time.perf_counter()
                self.since_cpu = time.process_time()
                _times.turns += 1
                _times.waited_s += self.since - asked
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
                    _times.held_s += time.perf_counter() - self.since
                    _times.held_cpu_s += time.process_time() - self.since_cpu


@dataclass
class WriterTimes:
    """This process's turns at writing SQLite files: how many, how long it waited for them
    (other processes writing) and how long it held them, in wall clock and in this process's
    CPU time.  What a benchmark reads to tell the single writer's queue from CPU work."""

    turns: int = 0
    waited_s: float = 0.0
    held_s: float = 0.0
    held_cpu_s: float = 0.0


_times = WriterTimes()


def writer_times() -> WriterTimes:
    """A copy of this process's writer-turn totals so far."""
    return replace(_times)


_turns: dict[tuple[int, Path], _WriterTurn] = {}
_turns_lock = threading.Lock()


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Wait for this process's turn to write ``engine``'s SQLite file (no-op elsewhere)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    key = (os.getpid(), Path(database).resolve())  # a forked child opens its own descriptor
    with _turns_lock:
        turn = _turns.setdefault(key, _WriterTurn(Path(f"{key[1]}-writer.lock")))
    with turn.held():
        yield
    if turn.depth == 0:
        turn.since_checkpoint += 1
        if turn.since_checkpoint >= CHECKPOINT_EVERY:
            turn.since_checkpoint = 0
            checkpoint(engine)


def checkpoint(engine: Engine) -> None:
    """Copy the WAL's committed pages into the database file without waiting for anyone
    (``PASSIVE``). Done after a writer's turn rather than inside a commit (SQLite's automatic
    checkpoint, run by whichever commit crosses the threshold, writes and syncs megabytes
    while holding the write lock the other workers wait for)."""
    with engine.connect() as conn:
        # The driver's connection: a SQLAlchemy statement would begin a transaction.
        conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).close()


@contextmanager
def begin(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction, taken in turn with other writers."""
    with writer_turn(engine), engine.begin() as conn:
        yield conn


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session inside one transaction: committed when the block ends, rolled back on error;
    on SQLite taken in turn with other writers (see :func:`writer_turn`)."""
    with (
        writer_turn(engine),
        Session(engine, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session
