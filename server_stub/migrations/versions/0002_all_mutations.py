"""Every mutation type: photos, time logs, part usages, signatures, the parts
catalogue; who created an order (and a digest of its create); void reasons;
orders leaving a technician's scope.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(36)
VOIDABLE = ("notes", "photos", "time_logs", "part_usages")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=False)


def _order_fk() -> sa.Column:
    return sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True)


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger(), nullable=False, index=True)


def _void() -> list[sa.Column]:
    return [
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_by", ID, nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMN without a foreign key: SQLite cannot add a constraint
    # without copying work_orders, which the rows pointing at it make risky.
    op.add_column("work_orders", sa.Column("created_by", ID, nullable=True))
    op.add_column("work_orders", sa.Column("create_digest", sa.String(64), nullable=True))
    op.create_index("ix_work_orders_created_by", "work_orders", ["created_by"])
    op.add_column("notes", sa.Column("void_reason", sa.Text(), nullable=True))
    op.add_column("notes", sa.Column("voided_by", ID, nullable=True))
    op.create_table(
        "photos",
        sa.Column("id", ID, primary_key=True),
        _order_fk(),
        sa.Column("author_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        _ts("taken_at"),
        sa.Column("blob_status", sa.String(16), nullable=False),
        *_void(),
        _seq(),
    )
    op.create_table(
        "time_logs",
        sa.Column("id", ID, primary_key=True),
        _order_fk(),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        _ts("started_at"),
        _ts("ended_at"),
        *_void(),
        _seq(),
    )
    op.create_table(
        "part_usages",
        sa.Column("id", ID, primary_key=True),
        _order_fk(),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        *_void(),
        _seq(),
    )
    op.create_table(
        "signatures",
        sa.Column("id", ID, primary_key=True),
        _order_fk(),
        sa.Column("author_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _ts("signed_at"),
        _seq(),
    )
    op.create_table(
        "parts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        _seq(),
    )
    op.create_index("uq_parts_org_sku", "parts", ["org_id", "sku"], unique=True)
    op.create_table(
        "scope_exits",
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), primary_key=True),
        _seq(),
    )


def downgrade() -> None:
    for table in ("scope_exits", "parts", "signatures", "part_usages", "time_logs", "photos"):
        op.drop_table(table)
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("voided_by")
        batch.drop_column("void_reason")
    op.drop_index("ix_work_orders_created_by", table_name="work_orders")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("create_digest")
        batch.drop_column("created_by")
