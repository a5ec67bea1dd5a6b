"""Tables of the durable work channel: live items, dead letters, and the idempotency record.

Times are seconds since the epoch (``Double``): the channel only compares and adds them, and one
representation behaves the same on SQLite and PostgreSQL.  ``available_at`` is the one column a
lease query needs: a waiting item becomes available then, a leased item's lease expires then.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scomm.store.database import Base

STAGE_LENGTH = 64
KEY_LENGTH = 200
WORKER_LENGTH = 128

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class WorkItem(Base):
    """A message waiting for, or leased to, a worker of its stage."""

    __tablename__ = "work_items"
    # AUTOINCREMENT: ids are never reused, so a stale lease can never match a newer item.
    __table_args__ = (
        Index("ix_work_items_stage_available", "stage", "available_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(STAGE_LENGTH))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    enqueued_at: Mapped[float] = mapped_column(Double)
    available_at: Mapped[float] = mapped_column(Double)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Failed attempts reported with ``fail``."""
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    """Times leased; also the fencing token an ack or fail must present."""
    lease_owner: Mapped[str | None] = mapped_column(String(WORKER_LENGTH), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class DeadLetter(Base):
    """A message that exhausted its attempts; kept with its payload until requeued."""

    __tablename__ = "work_dead_letters"
    __table_args__ = (Index("ix_work_dead_letters_stage", "stage", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """The id the item had while live."""
    stage: Mapped[str] = mapped_column(String(STAGE_LENGTH))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    enqueued_at: Mapped[float] = mapped_column(Double)
    died_at: Mapped[float] = mapped_column(Double)
    attempts: Mapped[int] = mapped_column(Integer)
    deliveries: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedRecord(Base):
    """(stage, key) pairs whose side effects have committed: the idempotency record."""

    __tablename__ = "work_processed"

    stage: Mapped[str] = mapped_column(String(STAGE_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    processed_at: Mapped[float] = mapped_column(Double)
