"""Blobs made on this device and how far their upload got.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Datetimes are UTC ISO text (app.store.models.UTCDateTime).
TS = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "blob_uploads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("offset", sa.Integer, nullable=False),
        sa.Column("restarts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("done_at", TS, nullable=True),
    )
    op.create_index("ix_blob_uploads_state", "blob_uploads", ["state"])


def downgrade() -> None:
    op.drop_table("blob_uploads")
