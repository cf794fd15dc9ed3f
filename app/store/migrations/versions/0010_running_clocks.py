"""The work clock (`running_clocks`): one running clock per person on this device, written
when it starts so that a crash or a closed app never loses time being counted. Stopping it
writes its time log and removes the row in one transaction (app.services.timer).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "running_clocks",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),  # UTC ISO text, as 0002
    )
    op.create_index("ix_running_clocks_order_id", "running_clocks", ["order_id"])


def downgrade() -> None:
    # A clock still running is written nowhere else: going down loses it, as any downgrade
    # loses what the later schema alone holds.
    op.drop_index("ix_running_clocks_order_id", "running_clocks")
    op.drop_table("running_clocks")
