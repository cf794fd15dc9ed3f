"""Refused changes the user can read and dismiss: what the change was (its args and the
order's number when it was refused) and whether it was seen; the directory's `active` flag
(someone who left is never offered as an assignee).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rejections") as batch:
        batch.add_column(sa.Column("args", sa.JSON, nullable=True))
        batch.add_column(sa.Column("order_number", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("dismissed", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.create_index("ix_rejections_dismissed", ["dismissed"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("rejections") as batch:
        batch.drop_index("ix_rejections_dismissed")
        batch.drop_column("dismissed")
        batch.drop_column("order_number")
        batch.drop_column("args")
