"""Signing in without the server: `local_accounts` keeps, for each person who signed in here
online, a slow hash of their password (never the password) and their count of wrong tries;
`sync_state.local_session` says the one signed in now has no session with the server (signed
in offline, or their session ran out): local work goes on, syncing waits for a sign-in.

A plain ADD COLUMN for the flag (no batch copy of sync_state is needed).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "local_accounts",
        sa.Column("server_url", sa.Text, primary_key=True),
        sa.Column("username", sa.String(150), primary_key=True),
        sa.Column("user", sa.JSON, nullable=False),
        sa.Column("verifier", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.String(40), nullable=True),  # UTC ISO text, as 0002
    )
    op.add_column(
        "sync_state", sa.Column("local_session", sa.Boolean, nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place.
    op.drop_column("sync_state", "local_session")
    op.drop_table("local_accounts")
