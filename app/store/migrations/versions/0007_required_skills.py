"""The skills an order names as required (`required_skills`, a JSON list of normalised
tags), a dispatcher-owned field of the order like its title.

A plain ADD COLUMN, not a batch alter: a batch copies `orders`, which would drop the
search index's triggers (see 0006). Rows held before the upgrade read as requiring none
until the server re-sends them.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "orders", sa.Column("required_skills", sa.JSON, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (no copy: the triggers of 0006 stay).
    op.drop_column("orders", "required_skills")
