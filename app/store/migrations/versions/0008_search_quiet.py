"""The search index's triggers can be made quiet within a transaction: a pull page written
in bulk (app.store.bulk) re-indexes the orders it touched once, at the end of the page,
instead of once for every order and note row it writes (a first sync's main cost).

`order_search_quiet` holds one row while they are quiet, and only inside the writing
transaction (the row is removed before it commits): every other writer, and every reader,
sees the triggers of 0006 as they were. The order delete trigger stays as it was: it is
cheap, and an order's index row is found by a rowid that a deleted order no longer has.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = "number, title, site, customer, description, notes"
QUIET = "NOT EXISTS (SELECT 1 FROM order_search_quiet)"


# The index's documents as 0006 wrote them (a migration keeps its own copy: it must not
# change when the application's code does).
def _number(row: str) -> str:
    return f"{row}.number || ' ' || ltrim(substr({row}.number, instr({row}.number, '-') + 1), '0')"


def _json_text(row: str, column: str, *keys: str) -> str:
    parts = " || ' ' || ".join(f"coalesce(json_extract({row}.{column}, '$.{key}'), '')" for key in keys)
    return f"CASE WHEN json_valid({row}.{column}) THEN {parts} ELSE '' END"


def _notes(order_id: str) -> str:
    return (
        "(SELECT coalesce(group_concat(n.text, ' '), '') FROM notes n"
        f" WHERE n.order_id = {order_id} AND NOT n.voided)"
    )


def _document(row: str) -> str:
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


def _renote(order_id: str, *, when: str = "1") -> str:
    return (
        f"UPDATE order_search SET notes = {_notes(order_id)}"
        f" WHERE rowid = (SELECT rowid FROM orders WHERE id = {order_id}) AND {when};"
    )


def _triggers(when: str | None) -> dict[str, str]:
    """0006's triggers but the order delete one, each firing only `when` holds (always: None)."""
    clause = f"WHEN {when}" if when else ""
    return {
        "order_search_order_insert": f"""
            CREATE TRIGGER order_search_order_insert AFTER INSERT ON orders {clause} BEGIN
                INSERT INTO order_search (rowid, {COLUMNS}) VALUES (new.rowid, {_document("new")});
            END""",
        "order_search_order_update": f"""
            CREATE TRIGGER order_search_order_update
            AFTER UPDATE OF id, number, title, site, customer, description ON orders {clause} BEGIN
                DELETE FROM order_search WHERE rowid = old.rowid;
                INSERT INTO order_search (rowid, {COLUMNS}) VALUES (new.rowid, {_document("new")});
            END""",
        "order_search_note_insert": f"""
            CREATE TRIGGER order_search_note_insert AFTER INSERT ON notes {clause} BEGIN
                {_renote("new.order_id")}
            END""",
        "order_search_note_update": f"""
            CREATE TRIGGER order_search_note_update
            AFTER UPDATE OF order_id, text, voided ON notes {clause} BEGIN
                {_renote("new.order_id")}
                {_renote("old.order_id", when="old.order_id <> new.order_id")}
            END""",
        "order_search_note_delete": f"""
            CREATE TRIGGER order_search_note_delete AFTER DELETE ON notes {clause} BEGIN
                {_renote("old.order_id")}
            END""",
    }


def _replace(triggers: dict[str, str]) -> None:
    for name, sql in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


def upgrade() -> None:
    op.execute("CREATE TABLE order_search_quiet (id INTEGER PRIMARY KEY CHECK (id = 1))")
    _replace(_triggers(QUIET))


def downgrade() -> None:
    _replace(_triggers(None))  # as 0006 made them
    op.execute("DROP TABLE order_search_quiet")
