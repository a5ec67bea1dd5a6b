"""Work channel: live items, dead letters, processed (stage, key) record.

Revision ID: 0001_work_channel
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_work_channel"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("enqueued_at", sa.Double(), nullable=False),
        sa.Column("available_at", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_work_items_stage_available", "work_items", ["stage", "available_at", "id"])
    op.create_table(
        "work_dead_letters",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("enqueued_at", sa.Double(), nullable=False),
        sa.Column("died_at", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_dead_letters_stage", "work_dead_letters", ["stage", "id"])
    op.create_table(
        "work_processed",
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("stage", "key"),
    )


def downgrade() -> None:
    op.drop_table("work_processed")
    op.drop_index("ix_work_dead_letters_stage", table_name="work_dead_letters")
    op.drop_table("work_dead_letters")
    op.drop_index("ix_work_items_stage_available", table_name="work_items")
    op.drop_table("work_items")
