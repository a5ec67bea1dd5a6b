"""Ledger tables and booking outcomes (replay runs).

Revision ID: 0002_ledger_outcomes
Revises: 0001_work_channel
Create Date: 2026-11-25 16:17:00.583150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ledger_outcomes"
down_revision = "0001_work_channel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_outcome",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("tcn", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("county_fips", sa.String(length=5), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrest_offense", sa.String(length=4), nullable=False),
        sa.Column("race", sa.String(length=1), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("juvenile", sa.Boolean(), nullable=False),
        sa.Column("domestic_violence_victim", sa.Boolean(), nullable=False),
        sa.Column("submitted", sa.Boolean(), nullable=False),
        sa.Column("cjis_result", sa.String(length=4), nullable=True),
        sa.Column("errt_reason", sa.Text(), nullable=True),
        sa.Column("ident_searched", sa.Boolean(), nullable=False),
        sa.Column("ident_match", sa.Boolean(), nullable=False),
        sa.Column("ident_result_to_lea", sa.Boolean(), nullable=False),
        sa.Column("iaq_sent", sa.Boolean(), nullable=False),
        sa.Column("lesc_status", sa.String(length=32), nullable=True),
        sa.Column("iar_to_ero", sa.Boolean(), nullable=False),
        sa.Column("iar_to_lea", sa.Boolean(), nullable=False),
        sa.Column("field_office", sa.String(length=64), nullable=True),
        sa.Column("criminal_level", sa.String(length=16), nullable=True),
        sa.Column("detainer_issued", sa.Boolean(), nullable=False),
        sa.Column("detainer_form", sa.String(length=8), nullable=True),
        sa.Column("detainer_to_lea", sa.Boolean(), nullable=False),
        sa.Column("lift_reason", sa.String(length=64), nullable=True),
        sa.Column("booked_into_ice", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("truth_person_id", sa.String(length=32), nullable=True),
        sa.Column("truth_status", sa.String(length=32), nullable=True),
        sa.Column("truth_pretext", sa.Boolean(), nullable=True),
        sa.Column("truth_group", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "tcn"),
    )
    with op.batch_alter_table("booking_outcome", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_outcome_run_county", ["run_id", "county_fips"], unique=False
        )
        batch_op.create_index("ix_booking_outcome_run_time", ["run_id", "booked_at"], unique=False)

    op.create_table(
        "ledger_checkpoint",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_checkpoint", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_checkpoint_size", ["tree_size"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("tcn", sa.String(length=40), nullable=False),
        sa.Column("booking_ori", sa.String(length=9), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("transfer", sa.String(length=32), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entry_ori_time", ["booking_ori", "event_time"], unique=False
        )
        batch_op.create_index("ix_ledger_entry_tcn", ["tcn"], unique=False)

    op.create_table(
        "ledger_node",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "ledger_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "replay_run",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )


def downgrade() -> None:
    op.drop_table("replay_run")
    op.drop_table("ledger_state")
    op.drop_table("ledger_node")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_tcn")
        batch_op.drop_index("ix_ledger_entry_ori_time")

    op.drop_table("ledger_entry")
    with op.batch_alter_table("ledger_checkpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_checkpoint_size")

    op.drop_table("ledger_checkpoint")
    with op.batch_alter_table("booking_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_outcome_run_time")
        batch_op.drop_index("ix_booking_outcome_run_county")

    op.drop_table("booking_outcome")
