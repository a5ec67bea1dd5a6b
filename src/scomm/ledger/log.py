"""The append-only log of disclosures, stored through ``scomm.store``.

Appends run inside the caller's transaction when given one (the disclosure gate appends in the
same transaction that enqueues the message, so a decision is logged if and only if the
transfer happens) and never commit it; with an Engine, each call is its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, insert, select, update
from sqlalchemy.orm import Session

from scomm.domain import Ori, Tcn
from scomm.ledger.event import DisclosureEvent, epoch_us
from scomm.ledger.frontier import Frontier, StoredNode, node_key
from scomm.ledger.keys import DEFAULT_KEY_NAME, load_or_create_signer
from scomm.ledger.merkle import (
    EMPTY_ROOT,
    Node,
    ProofError,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    resolve,
)
from scomm.ledger.note import Checkpoint, NoteSigner, NoteVerifier, SignedCheckpoint
from scomm.ledger.verify import VerificationReport, verify_log
from scomm.store.database import data_dir
from scomm.store.ledger_tables import (
    CHECKPOINT_TABLE,
    ENTRY_TABLE,
    NODE_TABLE,
    STATE_TABLE,
)
from scomm.store.schema import upgrade_to_head

Bind = Engine | Connection | Session
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
STATE_ID = 1


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One stored entry: its position in the log, its exact bytes and the event they encode."""

    index: int
    entry: bytes
    event: DisclosureEvent

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.entry)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    path: tuple[bytes, ...]


def _bulk_insert(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (all of ``table``'s columns, in order) with one driver executemany:
    at ledger rates SQLAlchemy's per-row parameter handling costs more than the insert."""
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:
        conn.execute(insert(table), [dict(zip(table.columns.keys(), r, strict=True)) for r in rows])
        return
    columns = ", ".join(table.columns.keys())
    marks = ", ".join([mark] * len(table.columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    """An event ready to append: its entry row but the index (canonical bytes first) and the
    entry's leaf hash — everything that does not depend on where it lands in the log."""

    row: tuple[Any, ...]
    leaf: bytes


def encode_events(events: Iterable[DisclosureEvent]) -> list[EncodedEvent]:
    """Encode ``events`` for :meth:`Ledger.append_encoded` (no database needed)."""
    encoded = []
    for i, event in enumerate(events):
        if not isinstance(event, DisclosureEvent):
            raise TypeError(f"events[{i}] is a {type(event).__name__}, not a DisclosureEvent")
        payload = event.canonical_bytes()
        row = (
            payload, event.tcn.value, event.booking_ori.value, event.epoch_us, event.sender,
            event.recipient, event.transfer, event.allowed,
        )  # fmt: skip
        encoded.append(EncodedEvent(row, leaf_hash(payload)))
    return encoded


class Ledger:
    """The transparency log: append, checkpoint, prove, verify, query.

    ``bind`` is an Engine (each call its own committed transaction; the database is brought to
    the current schema first unless ``migrate`` is false) or the caller's Session or
    Connection (calls run inside it and commit nothing; its database must already be at the
    current schema, see ``scomm.store.upgrade_to_head``). ``key_dir`` holds the signing key,
    made on first use (default: ``<data dir>/keys``).
    """

    def __init__(
        self,
        bind: Bind,
        key_dir: Path | None = None,
        *,
        origin: str = DEFAULT_KEY_NAME,
        migrate: bool = True,
    ) -> None:
        self._bind = bind
        self.key_dir = key_dir if key_dir is not None else data_dir() / "keys"
        self.origin = origin
        self._signer: NoteSigner | None = None
        if migrate and isinstance(bind, Engine):
            upgrade_to_head(bind)

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _connection(self, within: Connection | Session | None) -> Iterator[Connection]:
        target = within if within is not None else self._bind
        if isinstance(target, Session):
            yield target.connection()
        elif isinstance(target, Connection):
            yield target
        else:
            with target.begin() as conn:
                yield conn

    @property
    def signer(self) -> NoteSigner:
        if self._signer is None:
            self._signer = load_or_create_signer(self.key_dir, self.origin)
        return self._signer

    @property
    def verifier(self) -> NoteVerifier:
        return self.signer.verifier

    def _state(self, conn: Connection) -> Frontier:
        row = conn.execute(
            select(STATE_TABLE.c.tree_size, STATE_TABLE.c.frontier).where(
                STATE_TABLE.c.id == STATE_ID
            )
        ).first()
        return Frontier() if row is None else Frontier.from_bytes(row[0], row[1])

    def _reserve(self, conn: Connection, count: int) -> Frontier:
        """Take the log's write lock by growing its size; return the frontier before."""
        row = conn.execute(
            update(STATE_TABLE)
            .where(STATE_TABLE.c.id == STATE_ID)
            .values(tree_size=STATE_TABLE.c.tree_size + count)
            .returning(STATE_TABLE.c.tree_size, STATE_TABLE.c.frontier)
        ).first()
        if row is None:
            conn.execute(insert(STATE_TABLE).values(id=STATE_ID, tree_size=count, frontier=b""))
            return Frontier()
        return Frontier.from_bytes(row[0] - count, row[1])

    def _lookup(self, conn: Connection, nodes: set[Node]) -> dict[Node, bytes]:
        keys = {node_key(level, index): (level, index) for level, index in nodes}
        rows = conn.execute(
            select(NODE_TABLE.c.key, NODE_TABLE.c.hash).where(NODE_TABLE.c.key.in_(keys))
        )
        return {keys[key]: h for key, h in rows}

    def _size_or_current(self, conn: Connection, size: int | None) -> int:
        current = self._state(conn).size
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ProofError(f"tree size {size} is not between 0 and the log's size {current}")
        return size

    # --- writing ------------------------------------------------------------------------------

    def append(
        self, events: Iterable[DisclosureEvent], within: Connection | Session | None = None
    ) -> list[int]:
        """Log ``events`` in order; return their indices. Commits only when bound to an Engine
        and not given ``within``; then the whole batch is one transaction."""
        return self.append_encoded(encode_events(events), within)

    def append_encoded(
        self, entries: Sequence[EncodedEvent], within: Connection | Session | None = None
    ) -> list[int]:
        """:meth:`append` of events already encoded by :func:`encode_events` (before taking a
        transaction's write lock, so that only the position-dependent work — the tree's inner
        nodes and the inserts — is done while holding it)."""
        if not entries:
            return []
        with self._connection(within) as conn:
            frontier = self._reserve(conn, len(entries))
            first = frontier.size
            nodes: list[StoredNode] = []
            for entry in entries:
                frontier.append(entry.leaf, nodes)
            _bulk_insert(
                conn,
                ENTRY_TABLE,
                [(first + i, *entry.row) for i, entry in enumerate(entries)],
            )
            _bulk_insert(conn, NODE_TABLE, nodes)
            conn.execute(
                update(STATE_TABLE)
                .where(STATE_TABLE.c.id == STATE_ID)
                .values(frontier=frontier.to_bytes())
            )
        return list(range(first, first + len(entries)))

    def append_and_commit(self, events: Iterable[DisclosureEvent]) -> list[int]:
        """:meth:`append`, then commit the bound Session or Connection (convenience)."""
        indices = self.append(events)
        if isinstance(self._bind, Session | Connection):
            self._bind.commit()
        return indices

    def checkpoint(self, within: Connection | Session | None = None) -> SignedCheckpoint:
        """A signed checkpoint of the log as it is now (the stored one if nothing was added)."""
        with self._connection(within) as conn:
            frontier = self._state(conn)
            latest = self._latest(conn)
            if latest is not None and latest.size == frontier.size:
                return latest
            signed = SignedCheckpoint.sign(
                Checkpoint(self.origin, frontier.size, frontier.root()), self.signer
            )
            conn.execute(
                insert(CHECKPOINT_TABLE).values(
                    tree_size=signed.size,
                    root_hash=signed.root_hash,
                    note=signed.note,
                    created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
            )
        return signed

    # --- reading ------------------------------------------------------------------------------

    def _latest(self, conn: Connection) -> SignedCheckpoint | None:
        row = conn.execute(
            select(CHECKPOINT_TABLE.c.note).order_by(CHECKPOINT_TABLE.c.id.desc()).limit(1)
        ).first()
        return None if row is None else SignedCheckpoint.open(row[0], self.verifier)

    def latest_checkpoint(
        self, within: Connection | Session | None = None
    ) -> SignedCheckpoint | None:
        """The newest stored checkpoint, its signature verified."""
        with self._connection(within) as conn:
            return self._latest(conn)

    def size(self, within: Connection | Session | None = None) -> int:
        with self._connection(within) as conn:
            return self._state(conn).size

    def root_hash(
        self, size: int | None = None, within: Connection | Session | None = None
    ) -> bytes:
        """MTH of the first ``size`` entries (default: all), from the stored subtrees."""
        with self._connection(within) as conn:
            size = self._size_or_current(conn, size)
            if size == 0:
                return EMPTY_ROOT
            return resolve([(0, size)], lambda nodes: self._lookup(conn, nodes))[0]

    def inclusion_proof(
        self, index: int, tree_size: int | None = None, within: Connection | Session | None = None
    ) -> InclusionProof:
        """The audit path of entry ``index`` in the tree of ``tree_size`` (default: now)."""
        with self._connection(within) as conn:
            size = self._size_or_current(conn, tree_size)
            ranges = [(index, 1), *inclusion_ranges(index, size)]
            hashes = resolve(ranges, lambda nodes: self._lookup(conn, nodes))
        return InclusionProof(index, size, hashes[0], tuple(hashes[1:]))

    def consistency_proof(
        self, old_size: int, new_size: int | None = None, within: Connection | Session | None = None
    ) -> ConsistencyProof:
        """The proof that the tree of ``new_size`` (default: now) extends that of ``old_size``."""
        with self._connection(within) as conn:
            size = self._size_or_current(conn, new_size)
            ranges = consistency_ranges(old_size, size)
            hashes = resolve(ranges, lambda nodes: self._lookup(conn, nodes))
        return ConsistencyProof(old_size, size, tuple(hashes))

    def verify(
        self,
        verifier: NoteVerifier | None = None,
        within: Connection | Session | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> VerificationReport:
        """Re-derive every hash and check every checkpoint (signed by ``verifier``, default
        this ledger's key); the report names the first entry that does not fit."""
        key = verifier if verifier is not None else self.verifier
        with self._connection(within) as conn:
            return verify_log(conn, key, progress)

    def _records(
        self, conditions: list[ColumnElement[bool]], within: Connection | Session | None
    ) -> list[LedgerRecord]:
        query = (
            select(ENTRY_TABLE.c.idx, ENTRY_TABLE.c.payload)
            .where(*conditions)
            .order_by(ENTRY_TABLE.c.idx)
        )
        with self._connection(within) as conn:
            return [
                LedgerRecord(idx, payload, DisclosureEvent.from_canonical(payload))
                for idx, payload in conn.execute(query)
            ]

    def entries_for_tcn(
        self, tcn: Tcn | str, within: Connection | Session | None = None
    ) -> list[LedgerRecord]:
        """Every entry about booking ``tcn``, in log order."""
        value = tcn.value if isinstance(tcn, Tcn) else Tcn(tcn).value
        return self._records([ENTRY_TABLE.c.tcn == value], within)

    def entries_for_ori(
        self,
        ori: Ori | str,
        start: dt.datetime | dt.date | None = None,
        end: dt.datetime | dt.date | None = None,
        within: Connection | Session | None = None,
    ) -> list[LedgerRecord]:
        """Every entry about a booking of agency ``ori`` with event time in [start, end)."""
        value = ori.value if isinstance(ori, Ori) else Ori(ori).value
        conditions = [ENTRY_TABLE.c.booking_ori == value]
        if start is not None:
            conditions.append(ENTRY_TABLE.c.event_us >= epoch_us(start))
        if end is not None:
            conditions.append(ENTRY_TABLE.c.event_us < epoch_us(end))
        return self._records(conditions, within)

    def proofs_for(
        self, records: Sequence[LedgerRecord], within: Connection | Session | None = None
    ) -> tuple[SignedCheckpoint, list[InclusionProof]]:
        """Inclusion proofs of ``records`` against a signed checkpoint that covers them all
        (the latest one, or a new one when the latest is older than an entry)."""
        with self._connection(within) as conn:
            signed = self._latest(conn)
            needed = max((r.index + 1 for r in records), default=0)
            if signed is None or signed.size < needed:
                signed = self.checkpoint(conn)
            proofs = [self.inclusion_proof(r.index, signed.size, conn) for r in records]
        return signed, proofs
