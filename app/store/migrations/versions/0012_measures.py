"""The server's revision 0009 on the device: `first_assigned_at`, `reopen_count` and
`follow_up_of` on orders, pulled with them, so the dashboard measures from the device's
own rows with no connection.

Orders already here get the columns empty; a reset pull (or the order's next change)
fills them. Until then the dashboard reads `assigned_at` for a missing first assignment.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.String(40)  # UTC ISO text, as 0002


def upgrade() -> None:
    op.add_column("orders", sa.Column("first_assigned_at", TS, nullable=True))
    op.add_column(
        "orders", sa.Column("reopen_count", sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    op.add_column("orders", sa.Column("follow_up_of", sa.String(36), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place.
    op.drop_column("orders", "follow_up_of")
    op.drop_column("orders", "reopen_count")
    op.drop_column("orders", "first_assigned_at")
