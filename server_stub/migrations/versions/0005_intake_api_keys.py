"""Intake: integration API keys (hashed, per organisation) and a record of every
request and alert taken in, by the sender's external_id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "intake_records",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "uq_intake_records_org_kind_external",
        "intake_records",
        ["org_id", "kind", "external_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_intake_records_org_kind_external", table_name="intake_records")
    op.drop_table("intake_records")
    op.drop_table("api_keys")
