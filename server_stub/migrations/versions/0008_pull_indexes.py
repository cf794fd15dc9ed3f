"""Pull pages walk an organisation's work orders in seq order (issue 11): an index on
(org_id, seq) lets each page read just its own orders instead of every order of the
organisation, sorted, on every page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_work_orders_org_seq", "work_orders", ["org_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_work_orders_org_seq", table_name="work_orders")
