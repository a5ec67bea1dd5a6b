"""Ledger entries keep their event time as microseconds since 1970 UTC (an integer: exact,
dialect-neutral, cheap to insert), and on SQLite the ledger's 64-bit keys are spelled INTEGER
so that they are the rowid (no second index on the two largest tables).

Revision ID: 0003_ledger_event_us
Revises: 0002_ledger_outcomes
Create Date: 2026-11-25 16:30:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003_ledger_event_us"
down_revision = "0002_ledger_outcomes"
branch_labels = None
depends_on = None

_EPOCH = dt.datetime(1970, 1, 1)
_ENTRIES = sa.table(
    "ledger_entry",
    sa.column("idx", sa.BigInteger()),
    sa.column("event_time", sa.DateTime()),
    sa.column("event_us", sa.BigInteger()),
)
_MICROSECOND = dt.timedelta(microseconds=1)


def _key_type() -> sa.types.TypeEngine[int]:
    return sa.Integer() if op.get_bind().dialect.name == "sqlite" else sa.BigInteger()


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("ledger_entry") as batch_op:
        batch_op.drop_index("ix_ledger_entry_ori_time")
        batch_op.add_column(sa.Column("event_us", sa.BigInteger(), nullable=True))
    rows = bind.execute(sa.select(_ENTRIES.c.idx, _ENTRIES.c.event_time)).all()
    if rows:  # naive UTC datetimes, as the previous revision stored them
        bind.execute(
            _ENTRIES.update().where(_ENTRIES.c.idx == sa.bindparam("i")),
            [{"i": idx, "event_us": (at - _EPOCH) // _MICROSECOND} for idx, at in rows],
        )
    with op.batch_alter_table("ledger_entry", recreate="always") as batch_op:
        batch_op.alter_column("event_us", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("event_time")
        batch_op.alter_column("idx", existing_type=sa.BigInteger(), type_=_key_type())
        batch_op.create_index("ix_ledger_entry_ori_time", ["booking_ori", "event_us"])
    with op.batch_alter_table("ledger_node", recreate="always") as batch_op:
        batch_op.alter_column("key", existing_type=sa.BigInteger(), type_=_key_type())


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("ledger_entry") as batch_op:
        batch_op.drop_index("ix_ledger_entry_ori_time")
        batch_op.add_column(sa.Column("event_time", sa.DateTime(), nullable=True))
    rows = bind.execute(sa.select(_ENTRIES.c.idx, _ENTRIES.c.event_us)).all()
    if rows:
        bind.execute(
            _ENTRIES.update().where(_ENTRIES.c.idx == sa.bindparam("i")),
            [{"i": idx, "event_time": _EPOCH + us * _MICROSECOND} for idx, us in rows],
        )
    with op.batch_alter_table("ledger_entry", recreate="always") as batch_op:
        batch_op.alter_column("event_time", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column("event_us")
        batch_op.alter_column("idx", existing_type=_key_type(), type_=sa.BigInteger())
        batch_op.create_index("ix_ledger_entry_ori_time", ["booking_ori", "event_time"])
    with op.batch_alter_table("ledger_node", recreate="always") as batch_op:
        batch_op.alter_column("key", existing_type=_key_type(), type_=sa.BigInteger())
