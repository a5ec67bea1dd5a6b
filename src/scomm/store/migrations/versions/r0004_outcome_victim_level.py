"""Booking outcomes keep the victim and witness flags the booking agency recorded (the policy
may protect them), and the criminal level on ICE's removal record.

Revision ID: 0004_outcome_victim_level
Revises: 0003_ledger_event_us
Create Date: 2026-11-25 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_outcome_victim_level"
down_revision = "0003_ledger_event_us"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_outcome") as batch_op:
        batch_op.add_column(
            sa.Column("victim", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("witness", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("level_at_removal", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_outcome") as batch_op:
        batch_op.drop_column("level_at_removal")
        batch_op.drop_column("witness")
        batch_op.drop_column("victim")
