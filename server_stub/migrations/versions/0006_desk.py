"""The dispatcher's desk: checklist templates, per-device "sync truth", the order
history (ledger rows numbered and described; changes nobody pushed), and conflicts
that say when they were opened and on which order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(36)
# Spelled out rather than imported: a migration must not change when the code does.
SEQ_COUNTER = "seq"


def upgrade() -> None:
    op.create_table(
        "checklist_templates",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", ID, nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "device_status",
        sa.Column("id", ID, sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("last_pull_at", sa.DateTime(), nullable=True),
        sa.Column("pulled_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    )
    op.create_table(
        "order_events",
        sa.Column("id", ID, primary_key=True),
        sa.Column("order_id", ID, sa.ForeignKey("work_orders.id"), nullable=False, index=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
    )
    # Nullable, so SQLite adds them without copying the tables; filled in below.
    op.add_column("ledger", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("ledger", sa.Column("detail", sa.JSON(), nullable=True))
    op.create_index("ix_ledger_seq", "ledger", ["seq"])
    op.create_index("ix_ledger_entity_id", "ledger", ["entity_id"])
    op.add_column("conflicts", sa.Column("created_at", sa.DateTime(), nullable=True))
    op.add_column("conflicts", sa.Column("order_number", sa.String(32), nullable=True))
    _number_the_ledger()
    _describe_old_conflicts()


def _number_the_ledger() -> None:
    """Rows written before this revision get seqs from the counter, in the order they
    were written: the history puts them after nothing newer, and the counter moves past
    them, so every later row and change stays above them."""
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM ledger")).scalar_one()
    if not count:
        return
    start = bind.execute(
        sa.text("SELECT value FROM counters WHERE name = :name"), {"name": SEQ_COUNTER}
    ).scalar_one()
    # One statement (UPDATE ... FROM: PostgreSQL, SQLite 3.33+), however long the ledger.
    bind.execute(
        sa.text(
            "UPDATE ledger SET seq = :start + numbered.n FROM ("
            " SELECT device_id, mid, ROW_NUMBER() OVER (ORDER BY created_at, device_id, mid) AS n"
            " FROM ledger) AS numbered"
            " WHERE numbered.device_id = ledger.device_id AND numbered.mid = ledger.mid"
        ),
        {"start": int(start)},
    )
    bind.execute(
        sa.text("UPDATE counters SET value = :value WHERE name = :name"),
        {"value": int(start) + int(count), "name": SEQ_COUNTER},
    )


def _describe_old_conflicts() -> None:
    op.execute(
        "UPDATE conflicts SET order_number = "
        "(SELECT number FROM work_orders WHERE work_orders.id = conflicts.order_id)"
    )
    # When the losing mutation was applied: its ledger row's time.
    op.execute(
        "UPDATE conflicts SET created_at = (SELECT created_at FROM ledger "
        "WHERE ledger.device_id = conflicts.device_id AND ledger.mid = conflicts.mid)"
    )
    # None found (a ledger pruned by hand): the migration's time, naive UTC as all of ours.
    migrated_at = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        sa.text("UPDATE conflicts SET created_at = :at WHERE created_at IS NULL").bindparams(at=migrated_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_column("order_number")
        batch.drop_column("created_at")
    op.drop_index("ix_ledger_entity_id", table_name="ledger")
    op.drop_index("ix_ledger_seq", table_name="ledger")
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("detail")
        batch.drop_column("seq")
    op.drop_table("order_events")
    op.drop_table("device_status")
    op.drop_table("checklist_templates")
