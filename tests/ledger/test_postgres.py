"""The same log on PostgreSQL (SCOMM_TEST_DATABASE_URL, default the project's local server),
in a throwaway schema; skipped where no server answers, except under CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from scomm.ledger import DisclosureEvent, Ledger, verify_consistency, verify_inclusion
from scomm.store import make_engine
from scomm.store.ledger_tables import ENTRY_TABLE

EventFactory = Callable[..., DisclosureEvent]
URL = os.environ.get("SCOMM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(URL, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as e:  # no server: skip, unless CI must have one
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {URL} is required under CI: {e}")
        pytest.skip(f"no PostgreSQL at {URL} (install postgresql or set SCOMM_TEST_DATABASE_URL)")
    engine = make_engine(URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_log_on_postgres(pg_engine: Engine, tmp_path: Path, make_event: EventFactory) -> None:
    ledger = Ledger(pg_engine, tmp_path / "keys")
    events = [make_event(i) for i in range(23)]
    assert ledger.append(events[:10]) == list(range(10))
    with Session(pg_engine) as session:
        assert ledger.append(events[10:], within=session) == list(range(10, 23))
        session.commit()
    old = ledger.checkpoint()
    ledger.append([make_event(23)])
    new = ledger.checkpoint()
    for index in (0, 7, 22, 23):
        proof = ledger.inclusion_proof(index, new.size)
        verify_inclusion(index, new.size, proof.leaf_hash, proof.path, new.root_hash)
    c = ledger.consistency_proof(old.size, new.size)
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, c.path)
    assert [r.index for r in ledger.entries_for_tcn(events[4].tcn)] == [4]
    assert ledger.verify().ok
    with pg_engine.begin() as conn:
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 9).values(payload=b"{}"))
    assert ledger.verify().first_bad_entry == 9
