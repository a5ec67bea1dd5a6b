"""Shared fixtures: where the reference data lives (``../shared/data`` beside the checkout)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SCOMM_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data directory; skipped (outside CI) when it is not beside the checkout."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data not found at {SHARED_DATA} (CI must have ../shared)")
        pytest.skip(f"reference data not found at {SHARED_DATA}; set SCOMM_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped afterwards).

    The server is ``SCOMM_TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/test),
    else a throwaway cluster when the server binaries are installed; else the test is skipped,
    naming the package to install — but under ``CI=true`` it fails instead.
    """
    from scomm.store.testing import PostgresUnavailable, fresh_database, postgres_server

    try:
        with postgres_server() as server, fresh_database(server) as url:
            yield url
    except PostgresUnavailable as why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """A URL whose connections use a schema of their own in the session's database."""
    from scomm.store.testing import fresh_schema

    with fresh_schema(postgres_database) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on PostgreSQL (an empty schema each time)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scomm.db'}"
    return str(request.getfixturevalue("postgres_url"))
