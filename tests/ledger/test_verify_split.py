"""The demo's split verification (hashes in one process, the entries' column checks in
another: ``scomm.cli.demo_ledger``) reports exactly what one pass of ``Ledger.verify`` does,
on an intact log and on tampered ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update

from scomm.cli.demo_ledger import ledger_verified_meanwhile, problem_count, verified
from scomm.ledger import DisclosureEvent, Ledger
from scomm.ledger.verify import column_problems
from scomm.store.ledger_tables import ENTRY_TABLE, NODE_TABLE

EventFactory = Callable[..., DisclosureEvent]
SIZE = 40


@pytest.fixture
def log(ledger: Ledger, make_event: EventFactory) -> Ledger:
    """40 entries, checkpoints at 10 and 30."""
    for start in range(0, SIZE, 10):
        ledger.append([make_event(i) for i in range(start, start + 10)])
        if start + 10 in (10, 30):
            ledger.checkpoint()
    return ledger


def split_report_is_the_one_pass_report(log: Ledger, db_url: str, key_dir: Path) -> None:
    with ledger_verified_meanwhile(db_url, key_dir) as verification:
        report = verification()
    assert report == log.verify()


def test_an_intact_log(log: Ledger, engine: Engine, db_url: str, key_dir: Path) -> None:
    split_report_is_the_one_pass_report(log, db_url, key_dir)
    with engine.connect() as conn:
        assert column_problems(conn) == 0
    assert log.verify().ok


def test_verifying_takes_no_writer_lock(
    log: Ledger, engine: Engine, db_url: str, key_dir: Path
) -> None:
    """The demo writes its reports while the ledger is verified: a verifier that began its
    transactions as writers do would wait for this one (and lock the demo's out)."""
    with engine.begin() as writing:  # holds the writer's lock until the end of the block
        writing.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == -1).values(tcn="X"))
        with ledger_verified_meanwhile(db_url, key_dir) as verification:
            assert verification().ok
        assert problem_count(db_url) == 0
        assert verified(db_url, key_dir, True).ok


def test_a_column_that_lies(log: Ledger, engine: Engine, db_url: str, key_dir: Path) -> None:
    with engine.begin() as conn:
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 21).values(recipient="NOBODY"))
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 3).values(tcn="X"))
    with engine.connect() as conn:
        assert column_problems(conn) == 2
    split_report_is_the_one_pass_report(log, db_url, key_dir)
    assert {(p.kind, p.entry) for p in log.verify().problems} == {
        ("entry-columns", 3),
        ("entry-columns", 21),
    }


def test_a_changed_subtree(log: Ledger, engine: Engine, db_url: str, key_dir: Path) -> None:
    with engine.begin() as conn:
        key = (15 << 6) | 3  # the subtree over entries 8..15
        conn.execute(update(NODE_TABLE).where(NODE_TABLE.c.key == key).values(hash=b"\0" * 32))
    split_report_is_the_one_pass_report(log, db_url, key_dir)
    assert not log.verify().ok


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte(
    log: Ledger, engine: Engine, db_url: str, key_dir: Path, data: st.DataObject
) -> None:
    """A byte of an entry changed (and put back after the example)."""
    index = data.draw(st.integers(0, SIZE - 1))
    with engine.connect() as conn:
        query = select(ENTRY_TABLE.c.payload).where(ENTRY_TABLE.c.idx == index)
        original = bytes(conn.execute(query).scalar_one())
    offset = data.draw(st.integers(0, len(original) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = original[:offset] + bytes([original[offset] ^ flip]) + original[offset + 1 :]
    for payload in (changed, original):
        with engine.begin() as conn:
            conn.execute(
                update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == index).values(payload=payload)
            )
        if payload == changed:
            split_report_is_the_one_pass_report(log, db_url, key_dir)
