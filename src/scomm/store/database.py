"""Database engines and sessions: SQLite (WAL) in the data directory by default, PostgreSQL
when ``SCOMM_DATABASE_URL`` names one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

DATA_DIR_ENV = "SCOMM_DATA_DIR"
DATABASE_URL_ENV = "SCOMM_DATABASE_URL"


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: :func:`default_database_url`), SQLite tuned for WAL."""
    url = url or default_database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False)
