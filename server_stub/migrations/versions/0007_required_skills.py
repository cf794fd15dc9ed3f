"""Work orders name the skills whoever takes them needs (`required_skills`, tags as
app.domain.skills makes them): the desk's suggestion says who has them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default: SQLite adds it without copying the table, and
    # every order there already reads as needing no particular skill.
    op.add_column(
        "work_orders",
        sa.Column("required_skills", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: the copy would drop the
    # old work_orders table, which every order's child rows reference.
    op.drop_column("work_orders", "required_skills")
