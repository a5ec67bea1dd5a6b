"""Engines: SQLite in WAL mode with writer-first transactions, PostgreSQL URLs via psycopg."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from scomm.store import begin, default_database_url, make_engine, read_only
from scomm.store.database import (
    CHECKPOINT_EVERY,
    PAGE_CACHE_KIB,
    normalise_url,
    writer_times,
)


def test_default_url_is_a_sqlite_file_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path / "data"))
    assert default_database_url() == f"sqlite:///{tmp_path / 'data' / 'scomm.db'}"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("SCOMM_DATABASE_URL", "postgresql://u@h/db")
    assert default_database_url() == "postgresql://u@h/db"


def test_postgresql_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # a pipeline step's pages fit in the page cache (no spill and re-read mid-transaction)
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -PAGE_CACHE_KIB
    engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM t"))  # a read, yet the lock is already held
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")
    # Readers may start deferred and do not wait for writers.
    other.execute("BEGIN IMMEDIATE")
    with read_only(engine).begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_sqlite_rolls_back_ddl_and_savepoints(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        nested = conn.begin_nested()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        nested.rollback()
        conn.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalars().all() == [2]
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("CREATE TABLE u (x INTEGER)"))
        raise RuntimeError
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name='u'")).scalar() == 0
    engine.dispose()


def test_writers_checkpoint_the_wal_after_their_turns_not_inside_a_commit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # not a writer's turn: turns are counted from the next one
        conn.execute(text("CREATE TABLE t (x BLOB)"))
    before = writer_times()
    sizes = []
    for turn in range(1, CHECKPOINT_EVERY + 1):
        with begin(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (zeroblob(200000))"))
        sizes.append(path.stat().st_size)
        if turn < CHECKPOINT_EVERY:
            # below SQLite's own threshold nothing is copied into the database file yet
            assert sizes[-1] == sizes[0]
    assert sizes[-1] > CHECKPOINT_EVERY * 200_000 > sizes[0]
    after = writer_times()
    assert after.turns - before.turns == CHECKPOINT_EVERY
    assert after.held_s > before.held_s and after.held_cpu_s > before.held_cpu_s
    engine.dispose()
