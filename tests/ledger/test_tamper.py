"""Every way of tampering with the stored log is detected, and the report names where."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select, update

from scomm.ledger import DisclosureEvent, Ledger, NoteSigner, VerificationReport
from scomm.store import make_engine
from scomm.store.ledger_tables import CHECKPOINT_TABLE, ENTRY_TABLE, NODE_TABLE, STATE_TABLE

EventFactory = Callable[..., DisclosureEvent]
SIZE = 40
SIGNED_AT = 30


@pytest.fixture
def log(ledger: Ledger, make_event: EventFactory) -> Ledger:
    """A log of 40 entries with checkpoints at 10 and 30."""
    for start in range(0, SIZE, 10):
        ledger.append([make_event(i) for i in range(start, start + 10)])
        if start + 10 in (10, SIGNED_AT):
            ledger.checkpoint()
    assert ledger.verify().ok
    return ledger


def payload(engine: Engine, index: int) -> bytes:
    with engine.connect() as conn:
        row = conn.execute(select(ENTRY_TABLE.c.payload).where(ENTRY_TABLE.c.idx == index))
        return bytes(row.scalar_one())


def entry_row(engine: Engine, index: int) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(select(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == index)).one()
        return dict(row._mapping)


def assert_names(report: VerificationReport, entry: int, kind: str) -> None:
    assert not report.ok
    assert report.first_bad_entry == entry, report.summary()
    assert any(p.kind == kind and p.entry == entry for p in report.problems), report.summary()
    assert f"first entry that does not fit: {entry}" in report.summary()


def test_changed_byte_of_an_entry(log: Ledger, engine: Engine) -> None:
    data = bytearray(payload(engine, 12))
    data[data.index(b"true") if b"true" in data else 2] ^= 0x01
    with engine.begin() as conn:
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 12).values(payload=bytes(data)))
    assert_names(log.verify(), 12, "entry-hash")


def test_deleted_entry(log: Ledger, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 7))
    assert_names(log.verify(), 7, "entry-missing")


def test_swapped_entries(log: Ledger, engine: Engine) -> None:
    a, b = entry_row(engine, 3), entry_row(engine, 9)
    with engine.begin() as conn:
        conn.execute(delete(ENTRY_TABLE).where(ENTRY_TABLE.c.idx.in_([3, 9])))
        conn.execute(ENTRY_TABLE.insert(), [{**a, "idx": 9}, {**b, "idx": 3}])
    report = log.verify()
    assert_names(report, 3, "entry-hash")
    assert any(p.entry == 9 for p in report.problems)


def test_inserted_entry_in_the_middle(
    log: Ledger, engine: Engine, make_event: EventFactory
) -> None:
    rows = [entry_row(engine, i) for i in range(15, SIZE)]
    forged = make_event(999)
    with engine.begin() as conn:
        conn.execute(delete(ENTRY_TABLE).where(ENTRY_TABLE.c.idx >= 15))
        conn.execute(ENTRY_TABLE.insert(), [{**r, "idx": int(str(r["idx"])) + 1} for r in rows])
        conn.execute(
            ENTRY_TABLE.insert(),
            [{**rows[0], "idx": 15, "payload": forged.canonical_bytes(), "tcn": forged.tcn.value}],
        )
    report = log.verify()
    assert_names(report, 15, "entry-hash")
    assert any(p.kind == "entry-extra" and p.entry == SIZE for p in report.problems)


def test_inserted_entry_at_the_end(log: Ledger, engine: Engine) -> None:
    row = entry_row(engine, 0)
    with engine.begin() as conn:
        conn.execute(ENTRY_TABLE.insert(), [{**row, "idx": SIZE}])
    assert_names(log.verify(), SIZE, "entry-extra")


def replace_tree(
    engine: Engine, events: list[DisclosureEvent], tmp_path: Path, template: Path
) -> None:
    """Overwrite the stored tree with a self-consistent one built from ``events``, keeping the
    checkpoints: what someone who can write the database and recompute hashes could do."""
    shutil.copyfile(template, tmp_path / "forged.db")
    forged_engine = make_engine(f"sqlite:///{tmp_path / 'forged.db'}")
    Ledger(forged_engine, tmp_path / "forger-keys").append(events)
    with forged_engine.connect() as src, engine.begin() as dst:
        for table in (ENTRY_TABLE, NODE_TABLE, STATE_TABLE):
            dst.execute(delete(table))
            dst.execute(table.insert(), [dict(r._mapping) for r in src.execute(select(table))])


def test_truncated_log_with_its_tree_state(
    log: Ledger, engine: Engine, make_event: EventFactory, tmp_path: Path, migrated_template: Path
) -> None:
    """Cut back to 20 entries, with subtrees and tree state to match: the checkpoint of size 30
    still tells."""
    replace_tree(engine, [make_event(i) for i in range(20)], tmp_path, migrated_template)
    assert_names(log.verify(), 20, "truncated")


def test_history_rewritten_with_every_hash_recomputed(
    log: Ledger, engine: Engine, make_event: EventFactory, tmp_path: Path, migrated_template: Path
) -> None:
    """Entry 15 replaced, every hash recomputed to match: only the checkpoint of size 30 tells,
    and it bounds the change to entries 10..29 (the checkpoint of size 10 still holds)."""
    assert make_event(15).allowed is False
    events = [make_event(i, allowed=True) if i == 15 else make_event(i) for i in range(SIZE)]
    replace_tree(engine, events, tmp_path, migrated_template)
    report = log.verify()
    assert not report.ok
    problem = next(p for p in report.problems if p.kind == "checkpoint-root")
    assert problem.entry == 10 and "from 10 to 29" in problem.message


def test_replaced_checkpoint_signature(log: Ledger, engine: Engine) -> None:
    with engine.connect() as conn:
        cid, note = conn.execute(
            select(CHECKPOINT_TABLE.c.id, CHECKPOINT_TABLE.c.note).order_by(CHECKPOINT_TABLE.c.id)
        ).first()  # type: ignore[misc]
    text = note[: note.rindex("\n\n") + 1]
    impostor = NoteSigner.generate(log.origin)
    # same key name and key ID as the real key, but someone else's signature
    blob = base64.b64decode(impostor.sign_line(text).split(" ")[2])
    real_id = log.verifier.key_id.to_bytes(4, "big")
    forged = f"{text}\n\u2014 {log.origin} {base64.b64encode(real_id + blob[4:]).decode()}\n"
    with engine.begin() as conn:
        conn.execute(
            update(CHECKPOINT_TABLE).where(CHECKPOINT_TABLE.c.id == cid).values(note=forged)
        )
    report = log.verify()
    assert not report.ok
    assert [p.kind for p in report.problems] == ["checkpoint-signature"]
    assert f"checkpoint #{cid} (size 10)" in report.problems[0].message


def test_changed_query_column(log: Ledger, engine: Engine) -> None:
    """Queries select on copies of the event fields: a copy that lies is caught too."""
    with engine.begin() as conn:
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 21).values(recipient="NOBODY"))
    assert_names(log.verify(), 21, "entry-columns")


def test_changed_stored_subtree(log: Ledger, engine: Engine) -> None:
    key = (15 << 6) | 3  # the subtree over entries 8..15
    with engine.begin() as conn:
        conn.execute(update(NODE_TABLE).where(NODE_TABLE.c.key == key).values(hash=b"\0" * 32))
    report = log.verify()
    assert [(p.kind, p.entry) for p in report.problems] == [("node-mismatch", 8)]


def test_entry_with_an_impossible_index(log: Ledger, engine: Engine) -> None:
    row = entry_row(engine, 5)
    with engine.begin() as conn:
        conn.execute(ENTRY_TABLE.insert(), [{**row, "idx": -1}])
    report = log.verify()
    assert [(p.kind, p.entry) for p in report.problems] == [("entry-extra", -1)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_is_named_at_its_entry(
    log: Ledger, engine: Engine, data: st.DataObject
) -> None:
    """Each example changes one byte inside a transaction, verifies there, and rolls back."""
    index = data.draw(st.integers(0, SIZE - 1))
    original = payload(engine, index)
    offset = data.draw(st.integers(0, len(original) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = original[:offset] + bytes([original[offset] ^ flip]) + original[offset + 1 :]
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == index).values(payload=changed))
        report = log.verify(within=conn)
        transaction.rollback()
    assert report.first_bad_entry == index, report.summary()
    assert any(p.kind == "entry-hash" and p.entry == index for p in report.problems)
