"""Preventive maintenance schedules (issue 13).

- `schedules`: the synced entity `schedule` (pulled by dispatchers and admins); dates as
  ISO text (`YYYY-MM-DD`), the same on SQLite and PostgreSQL and on the wire.
- `schedule_occurrences`: one row per occurrence whose order was made. Its primary key
  (schedule_id, due_on) is what makes each occurrence's order exactly once, however many
  server processes run the generator at the same time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(36)
DAY = sa.String(10)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("site", sa.JSON(), nullable=False),
        sa.Column("asset", sa.String(200), nullable=True),
        sa.Column("every", sa.JSON(), nullable=False),
        sa.Column("anchor", sa.String(16), nullable=False),
        sa.Column("starts_on", DAY, nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_due_on", DAY, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", ID, nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "schedule_occurrences",
        sa.Column("schedule_id", ID, sa.ForeignKey("schedules.id"), primary_key=True),
        sa.Column("due_on", DAY, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("schedule_occurrences")
    op.drop_table("schedules")
