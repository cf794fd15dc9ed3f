"""What the managers' dashboard and the customers' status links need (issue 13).

- `work_orders.first_assigned_at`: when the order first had an assignee (`assigned_at`
  moves with every reassignment); time to assign is measured from it.
- `work_orders.reopen_count`: how many times a completed order was taken back to work;
  a reopened order is not a first-time fix.
- `work_orders.follow_up_of`: the order a follow-up was made from (a technician's
  `order.create` names it); the source order is then not a first-time fix either.
- `status_links`: one customer status link per order, its 128-bit token; revoking
  deletes the row, renewing replaces the token.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("first_assigned_at", sa.DateTime(), nullable=True))
    # NOT NULL with a constant default: SQLite adds it without copying the table.
    op.add_column(
        "work_orders",
        sa.Column("reopen_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.add_column("work_orders", sa.Column("follow_up_of", sa.String(36), nullable=True))
    # Orders assigned before this revision: their first assignment is the best we know.
    op.execute("UPDATE work_orders SET first_assigned_at = assigned_at WHERE assigned_at IS NOT NULL")
    op.create_table(
        "status_links",
        sa.Column("order_id", sa.String(36), sa.ForeignKey("work_orders.id"), primary_key=True),
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("uq_status_links_token", "status_links", ["token"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_status_links_token", "status_links")
    op.drop_table("status_links")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: the copy would drop the
    # old work_orders table, which every order's child rows reference.
    op.drop_column("work_orders", "follow_up_of")
    op.drop_column("work_orders", "reopen_count")
    op.drop_column("work_orders", "first_assigned_at")
