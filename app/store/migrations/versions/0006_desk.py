"""The dispatcher's desk: checklist templates, technicians' devices ("sync truth"), order
history as last fetched, who/when/which order on conflicts, and the full-text index of orders.

The index (`order_search`, FTS5) is kept in step by triggers on orders and notes, so the
transaction that writes the rows writes the index: nothing else has to remember it.
Its rowid is the order's rowid. A later migration that rebuilds `orders` or `notes` (a batch
alter copies the table, which drops its triggers and may renumber rowids) must re-create
these triggers and refill the index: `app.store.search.rebuild_index` refills it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Datetimes are UTC ISO text (app.store.models.UTCDateTime).
TS = sa.String(40)


def _number(row: str) -> str:
    # "WO-000123" is found by "wo-000123", "000123" and "123".
    return f"{row}.number || ' ' || ltrim(substr({row}.number, instr({row}.number, '-') + 1), '0')"


def _json_text(row: str, column: str, *keys: str) -> str:
    # A malformed JSON value must never fail the write that carries it: it indexes as nothing.
    parts = " || ' ' || ".join(f"coalesce(json_extract({row}.{column}, '$.{key}'), '')" for key in keys)
    return f"CASE WHEN json_valid({row}.{column}) THEN {parts} ELSE '' END"


def _notes(order_id: str) -> str:
    return (
        "(SELECT coalesce(group_concat(n.text, ' '), '') FROM notes n"
        f" WHERE n.order_id = {order_id} AND NOT n.voided)"
    )


def _document(row: str) -> str:
    """The indexed columns of order `row` (new/old in a trigger, an alias in a select)."""
    return ", ".join(
        (
            _number(row),
            f"{row}.title",
            _json_text(row, "site", "name", "address"),
            _json_text(row, "customer", "name"),
            f"{row}.description",
            _notes(f"{row}.id"),
        )
    )


COLUMNS = "number, title, site, customer, description, notes"
# What the desk's list filters and sorts on (a narrow covering index of orders).
DESK_COLUMNS = ["status", "priority", "source", "assignee_id", "due_at", "updated_at", "number", "id"]


def _renote(order_id: str, *, when: str = "1") -> str:
    return (
        f"UPDATE order_search SET notes = {_notes(order_id)}"
        f" WHERE rowid = (SELECT rowid FROM orders WHERE id = {order_id}) AND {when};"
    )


TRIGGERS = {
    "order_search_order_insert": f"""
        CREATE TRIGGER order_search_order_insert AFTER INSERT ON orders BEGIN
            INSERT INTO order_search (rowid, {COLUMNS}) VALUES (new.rowid, {_document("new")});
        END""",
    # Only the indexed columns: a status change leaves the index alone.
    "order_search_order_update": f"""
        CREATE TRIGGER order_search_order_update
        AFTER UPDATE OF id, number, title, site, customer, description ON orders BEGIN
            DELETE FROM order_search WHERE rowid = old.rowid;
            INSERT INTO order_search (rowid, {COLUMNS}) VALUES (new.rowid, {_document("new")});
        END""",
    "order_search_order_delete": """
        CREATE TRIGGER order_search_order_delete AFTER DELETE ON orders BEGIN
            DELETE FROM order_search WHERE rowid = old.rowid;
        END""",
    # A note may be pulled before its order: the order's insert gathers its notes then.
    "order_search_note_insert": f"""
        CREATE TRIGGER order_search_note_insert AFTER INSERT ON notes BEGIN
            {_renote("new.order_id")}
        END""",
    "order_search_note_update": f"""
        CREATE TRIGGER order_search_note_update AFTER UPDATE OF order_id, text, voided ON notes BEGIN
            {_renote("new.order_id")}
            {_renote("old.order_id", when="old.order_id <> new.order_id")}
        END""",
    "order_search_note_delete": f"""
        CREATE TRIGGER order_search_note_delete AFTER DELETE ON notes BEGIN
            {_renote("old.order_id")}
        END""",
}


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("server_data", sa.JSON, nullable=True),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("last_pull_at", TS, nullable=True),
        sa.Column("pulled_seq", sa.Integer, nullable=False),
        sa.Column("last_push_at", TS, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_devices_user_id", "devices", ["user_id"])
    op.create_table(
        "history_cache",
        sa.Column("order_id", sa.String(36), primary_key=True),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("entries", sa.JSON, nullable=False),
    )
    with op.batch_alter_table("conflicts") as batch:
        batch.add_column(sa.Column("user_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("created_at", TS, nullable=True))
        batch.add_column(sa.Column("order_number", sa.String(40), nullable=False, server_default=""))

    op.create_index("ix_orders_desk", "orders", DESK_COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE order_search USING fts5({COLUMNS},"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute(f"INSERT INTO order_search (rowid, {COLUMNS}) SELECT o.rowid, {_document('o')} FROM orders o")
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS order_search")
    op.drop_index("ix_orders_desk", "orders")
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_column("order_number")
        batch.drop_column("created_at")
        batch.drop_column("user_id")
    op.drop_table("history_cache")
    op.drop_index("ix_devices_user_id", "devices")
    op.drop_table("devices")
    op.drop_table("templates")
