"""The PostgreSQL test set-up: use the configured server, else start one, else say what to
install."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from scomm.store import make_engine
from scomm.store import testing as pg


def test_an_unreachable_server_does_not_answer() -> None:
    assert not pg.answers("postgresql://postgres@127.0.0.1:1/test", timeout=1)


def test_without_server_or_binaries_the_error_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pg.TEST_URL_ENV, "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.setattr(pg, "find_server_binaries", lambda: None)
    with pytest.raises(pg.PostgresUnavailable, match="apt-get install postgresql"):  # noqa: SIM117
        with pg.postgres_server():
            pass


@pytest.mark.postgres
@pytest.mark.slow
def test_a_throwaway_cluster_starts_serves_and_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = pg.find_server_binaries()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: no initdb/pg_ctl: {pg.INSTALL_HINT}")
        pytest.skip(f"no initdb/pg_ctl: {pg.INSTALL_HINT}")
    monkeypatch.setenv(pg.TEST_URL_ENV, "postgresql://postgres@127.0.0.1:1/test")
    with pg.postgres_server() as server:
        assert ":1/" not in server
        with pg.fresh_database(server) as url:
            engine = make_engine(url)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
            engine.dispose()
    assert not pg.answers(server, timeout=1)


@pytest.mark.postgres
def test_fresh_schemas_isolate_tests(postgres_database: str) -> None:
    with pg.fresh_schema(postgres_database) as first, pg.fresh_schema(postgres_database) as second:
        for url, value in ((first, 1), (second, 2)):
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
            engine.dispose()
        engine = make_engine(first)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalars().all() == [1]
        engine.dispose()
