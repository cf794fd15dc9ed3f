"""Every pulled entity: photos, time logs, part usages, the parts catalogue; server copies of
signatures and conflicts (for the re-base); orders kept past their scope; the pull's high-water seq.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Datetimes are UTC ISO text (app.store.models.UTCDateTime).
TS = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("taken_at", TS, nullable=True),
        sa.Column("blob_status", sa.String(16), nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_photos_order_id", "photos", ["order_id"])

    op.create_table(
        "time_logs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_time_logs_order_id", "time_logs", ["order_id"])

    op.create_table(
        "part_usages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Float, nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_index("ix_part_usages_order_id", "part_usages", ["order_id"])

    op.create_table(
        "parts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_parts_sku", "parts", ["sku"])

    # New columns carry server defaults so rows made by 0001 stay valid.
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("server_data", sa.JSON, nullable=True))
    with op.batch_alter_table("conflicts") as batch:
        batch.add_column(sa.Column("server_data", sa.JSON, nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("out_of_scope", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("high_seq", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("high_seq")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("out_of_scope")
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_column("server_data")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("server_data")
    for table in ("parts", "part_usages", "time_logs", "photos"):
        op.drop_table(table)
