"""The refresh token kept beside the access token, and a notice for the signed-out user
(why this device was signed out, or where its unsent work was saved after a wipe).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("refresh_token", sa.Text, nullable=True))
        batch.add_column(sa.Column("notice", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("notice")
        batch.drop_column("refresh_token")
