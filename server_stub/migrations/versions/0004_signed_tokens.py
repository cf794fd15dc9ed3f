"""Signed, refreshable, revocable tokens: token families and revocation on
access_tokens, a refresh_tokens table, revoked/wipe on devices, disabled users.

Tokens issued by older versions were random strings with no signature and no
refresh token: they cannot pass the new signature check, so they are deleted
here. Devices answer 401 once and sign in again; nothing on them is lost.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM access_tokens"))
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(sa.Column("family_id", ID, nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.String(32), nullable=True))
        batch.create_index("ix_access_tokens_family_id", ["family_id"])
        batch.create_index("ix_access_tokens_device_id", ["device_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("device_id", ID, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
    )
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("wipe", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("wipe")
        batch.drop_column("revoked_at")
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_index("ix_access_tokens_device_id")
        batch.drop_index("ix_access_tokens_family_id")
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("family_id")
