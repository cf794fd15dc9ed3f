"""Preventive maintenance schedules on the desk (the server's revision 0010): the
`schedule` entity as pulled (dispatchers and admins) or saved on this device. Dates are
ISO text (YYYY-MM-DD); `every` is kept as two columns, which the dashboard reads.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.String(40)  # UTC ISO text, as 0002
DAY = sa.String(10)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("site", sa.JSON, nullable=False),
        sa.Column("asset", sa.Text, nullable=True),
        sa.Column("every_n", sa.Integer, nullable=False),
        sa.Column("every_unit", sa.String(10), nullable=False),
        sa.Column("anchor", sa.String(16), nullable=False),
        sa.Column("starts_on", DAY, nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("template", sa.JSON, nullable=False),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_due_on", DAY, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("schedules")
