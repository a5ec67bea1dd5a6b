"""Tables of the transparency ledger (``scomm.ledger``).

- ``ledger_entry``: one row per log entry: its canonical bytes, plus copies of the fields that
  queries select on (TCN, booking agency, event time in microseconds since 1970 UTC);
  the ledger's verifier checks the copies.
- ``ledger_node``: every complete Merkle subtree's hash, keyed so that the table grows at its
  end (see ``scomm.ledger.frontier.node_key``); proofs are a handful of key lookups.
- ``ledger_state``: one row, the tree size and its right frontier, so appends never rebuild.
- ``ledger_checkpoint``: every signed checkpoint handed out.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from scomm.store.database import Base

# 64-bit keys; on SQLite spelled INTEGER so that the key is the rowid (no second index).
RowKey = BigInteger().with_variant(Integer(), "sqlite")


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entry"

    idx: Mapped[int] = mapped_column(RowKey, primary_key=True, autoincrement=False)
    payload: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    tcn: Mapped[str] = mapped_column(String(40), nullable=False)
    booking_ori: Mapped[str] = mapped_column(String(9), nullable=False)
    event_us: Mapped[int] = mapped_column(BigInteger, nullable=False)  # µs since 1970, UTC
    sender: Mapped[str] = mapped_column(String(64), nullable=False)
    recipient: Mapped[str] = mapped_column(String(64), nullable=False)
    transfer: Mapped[str] = mapped_column(String(32), nullable=False)
    allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)

    __table_args__ = (
        Index("ix_ledger_entry_tcn", "tcn"),
        Index("ix_ledger_entry_ori_time", "booking_ori", "event_us"),
    )


class LedgerNodeRow(Base):
    __tablename__ = "ledger_node"

    key: Mapped[int] = mapped_column(RowKey, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class LedgerStateRow(Base):
    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    frontier: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LedgerCheckpointRow(Base):
    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)

    __table_args__ = (Index("ix_ledger_checkpoint_size", "tree_size"),)


ENTRY_TABLE = cast(Table, LedgerEntryRow.__table__)
NODE_TABLE = cast(Table, LedgerNodeRow.__table__)
STATE_TABLE = cast(Table, LedgerStateRow.__table__)
CHECKPOINT_TABLE = cast(Table, LedgerCheckpointRow.__table__)
LEDGER_TABLES = (ENTRY_TABLE, NODE_TABLE, STATE_TABLE, CHECKPOINT_TABLE)
