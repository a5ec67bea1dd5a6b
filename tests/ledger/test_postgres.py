"""The same log on PostgreSQL (SCOMM_TEST_DATABASE_URL, default the project's local server,
else a throwaway cluster; see ``tests/conftest.py``), in a throwaway schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from scomm.ledger import DisclosureEvent, Ledger, verify_consistency, verify_inclusion
from scomm.store import make_engine
from scomm.store.ledger_tables import ENTRY_TABLE

EventFactory = Callable[..., DisclosureEvent]

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on a schema of its own: the shared set-up finds the server, else starts a
    throwaway cluster, else skips (fails under CI) naming the package to install."""
    engine = make_engine(postgres_url)
    try:
        yield engine
    finally:
        engine.dispose()


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
