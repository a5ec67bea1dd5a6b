"""Persistence and the durable work channel (issues 6 and 8)."""

from scomm.store.database import (
    Base,
    data_dir,
    default_database_url,
    make_engine,
    make_sessionmaker,
)

__all__ = ["Base", "data_dir", "default_database_url", "make_engine", "make_sessionmaker"]
