"""Initial schema: organisations, users, tokens, devices, ledger, counters,
work orders with checklist items, notes, conflicts and sign-in failures.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(36)
SEQ_COUNTER = "seq"


def _ts(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at", nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("username", sa.String(150), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("device_id", ID, nullable=False),
        _ts("created_at", nullable=False),
        _ts("expires_at", nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("device_id", ID, primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("last_mid", sa.BigInteger(), nullable=False),
        _ts("created_at", nullable=False),
    )
    op.create_table(
        "ledger",
        sa.Column("device_id", ID, sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column("mid", sa.BigInteger(), primary_key=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(counters, [{"name": SEQ_COUNTER, "value": 0}])
    op.create_table(
        "work_orders",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("assignee_id", ID, sa.ForeignKey("users.id"), nullable=True, index=True),
        sa.Column("customer", sa.JSON(), nullable=False),
        sa.Column("site", sa.JSON(), nullable=False),
        sa.Column("asset", sa.String(200), nullable=True),
        _ts("due_at"),
        sa.Column("requires_signature", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("assigned_at"),
        _ts("en_route_at"),
        _ts("started_at"),
        _ts("on_hold_at"),
        _ts("completed_at"),
        _ts("cannot_complete_at"),
        _ts("closed_at"),
        _ts("cancelled_at"),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
        sa.Column("field_seqs", sa.JSON(), nullable=False),
        sa.Column("past_assignees", sa.JSON(), nullable=False),
    )
    op.create_index("uq_work_orders_org_number", "work_orders", ["org_id", "number"], unique=True)
    op.create_table(
        "checklist_items",
        sa.Column("id", ID, primary_key=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(30), nullable=True),
        sa.Column("min", sa.Float(), nullable=True),
        sa.Column("max", sa.Float(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
        sa.Column("value_seq", sa.BigInteger(), nullable=False),
        sa.Column("value_device_id", ID, nullable=True),
    )
    op.create_table(
        "notes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("author_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("mine", sa.JSON(), nullable=True),
        sa.Column("theirs", sa.JSON(), nullable=True),
        sa.Column("mid", sa.BigInteger(), nullable=False),
        sa.Column("device_id", ID, nullable=False),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.JSON(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(150), nullable=False, index=True),
        sa.Column("address", sa.String(100), nullable=False, index=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
    )


def downgrade() -> None:
    for table in (
        "login_failures",
        "conflicts",
        "notes",
        "checklist_items",
        "work_orders",
        "counters",
        "ledger",
        "devices",
        "access_tokens",
        "users",
        "organisations",
    ):
        op.drop_table(table)
