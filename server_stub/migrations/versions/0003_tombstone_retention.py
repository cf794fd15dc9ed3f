"""Out-of-scope tombstones are kept for a retention window only: each one
remembers when it was written (scope_exits.left_at), and a counter remembers the
highest seq pruned, below which a pull cursor answers `reset`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out rather than imported: a migration must not change when the code does.
PRUNED_COUNTER = "tombstones_pruned_through"


def upgrade() -> None:
    # Nullable so SQLite can add it without copying the table; every row gets a time below.
    op.add_column("scope_exits", sa.Column("left_at", sa.DateTime(), nullable=True))
    op.create_index("ix_scope_exits_left_at", "scope_exits", ["left_at"])
    # Tombstones written before this revision start their retention now (naive UTC,
    # as every timestamp of ours): none is dropped earlier than a full window.
    migrated_at = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        sa.text("UPDATE scope_exits SET left_at = :at WHERE left_at IS NULL").bindparams(at=migrated_at)
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": PRUNED_COUNTER, "value": 0}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM counters WHERE name = :name").bindparams(name=PRUNED_COUNTER))
    op.drop_index("ix_scope_exits_left_at", table_name="scope_exits")
    with op.batch_alter_table("scope_exits") as batch:
        batch.drop_column("left_at")
