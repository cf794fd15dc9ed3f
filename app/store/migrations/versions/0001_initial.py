"""The local store's first schema: orders and children, directory, conflicts, outbox, sync state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Datetimes are UTC ISO text (app.store.models.UTCDateTime).
TS = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("customer", sa.JSON, nullable=False),
        sa.Column("site", sa.JSON, nullable=False),
        sa.Column("asset", sa.Text, nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("requires_signature", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_id", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("assigned_at", TS, nullable=True),
        sa.Column("en_route_at", TS, nullable=True),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("on_hold_at", TS, nullable=True),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("cannot_complete_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_orders_number", "orders", ["number"])
    op.create_index("ix_orders_assignee_id", "orders", ["assignee_id"])

    op.create_table(
        "checklist_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("value", sa.JSON, nullable=True),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("unit", sa.String(40), nullable=True),
        sa.Column("min", sa.Float, nullable=True),
        sa.Column("max", sa.Float, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_checklist_items_order_id", "checklist_items", ["order_id"])

    op.create_table(
        "notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=True),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_notes_order_id", "notes", ["order_id"])

    op.create_table(
        "signatures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("signer_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_signatures_order_id", "signatures", ["order_id"])

    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("skills", sa.JSON, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )

    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=True),
        sa.Column("field", sa.String(80), nullable=True),
        sa.Column("mine", sa.JSON, nullable=True),
        sa.Column("theirs", sa.JSON, nullable=True),
        sa.Column("mid", sa.Integer, nullable=True),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution", sa.JSON, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_conflicts_order_id", "conflicts", ["order_id"])

    op.create_table(
        "outbox",
        sa.Column("mid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("base_seq", sa.Integer, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("result_status", sa.String(20), nullable=True),
        sa.Column("result_error", sa.JSON, nullable=True),
    )
    op.create_index("ix_outbox_entity_id", "outbox", ["entity_id"])

    op.create_table(
        "rejections",
        sa.Column("mid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_rejections_order_id", "rejections", ["order_id"])

    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("last_mid", sa.Integer, nullable=False),
        sa.Column("acked_mid", sa.Integer, nullable=False),
        sa.Column("server_url", sa.Text, nullable=True),
        sa.Column("access_token", sa.Text, nullable=True),
        sa.Column("token_expires_at", TS, nullable=True),
        sa.Column("user", sa.JSON, nullable=True),
        sa.Column("last_synced_at", TS, nullable=True),
        # One row only: the installation's.
        sa.CheckConstraint("id = 1", name="ck_sync_state_single_row"),
    )


def downgrade() -> None:
    for table in (
        "sync_state",
        "rejections",
        "outbox",
        "conflicts",
        "users",
        "signatures",
        "notes",
        "checklist_items",
        "orders",
    ):
        op.drop_table(table)
