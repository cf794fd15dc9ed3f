"""A note's write no longer re-indexes its order in the same statement: it names the order
in `order_search_behind`, in the same transaction, and the entry is brought up to date
afterwards (app.store.search.catch_up: before a search reads the index, and by the sync
worker once a write has poked it).

Re-indexing an order re-tokenises its whole entry (title, description, site, every note),
which was a third of a local note's write (issue 11: a local write, row and outbox in one
transaction and the screens told, p50 under 1 ms). The names are committed with the note,
so a crash before the catch-up leaves nothing unindexed: the next catch-up finds them.

Orders' own triggers stay as 0008 made them (an order's write re-indexes it at once, notes
included), and every trigger stays quiet while a pull page is written in bulk.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

QUIET = "NOT EXISTS (SELECT 1 FROM order_search_quiet)"


def _behind(order_id: str, *, when: str = "1") -> str:
    return f"INSERT OR IGNORE INTO order_search_behind (order_id) SELECT {order_id} WHERE {when};"


# 0008's way, for the way down (a migration keeps its own copy).
def _notes(order_id: str) -> str:
    return (
        "(SELECT coalesce(group_concat(n.text, ' '), '') FROM notes n"
        f" WHERE n.order_id = {order_id} AND NOT n.voided)"
    )


def _renote(order_id: str, *, when: str = "1") -> str:
    return (
        f"UPDATE order_search SET notes = {_notes(order_id)}"
        f" WHERE rowid = (SELECT rowid FROM orders WHERE id = {order_id}) AND {when};"
    )


def _note_triggers(touch: Callable[..., str]) -> dict[str, str]:
    """The note triggers, each doing `touch` to the order(s) a note's write concerns."""
    return {
        "order_search_note_insert": f"""
            CREATE TRIGGER order_search_note_insert AFTER INSERT ON notes WHEN {QUIET} BEGIN
                {touch("new.order_id")}
            END""",
        "order_search_note_update": f"""
            CREATE TRIGGER order_search_note_update
            AFTER UPDATE OF order_id, text, voided ON notes WHEN {QUIET} BEGIN
                {touch("new.order_id")}
                {touch("old.order_id", when="old.order_id <> new.order_id")}
            END""",
        "order_search_note_delete": f"""
            CREATE TRIGGER order_search_note_delete AFTER DELETE ON notes WHEN {QUIET} BEGIN
                {touch("old.order_id")}
            END""",
    }


def _replace(triggers: dict[str, str]) -> None:
    for name, sql in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


def upgrade() -> None:
    op.execute("CREATE TABLE order_search_behind (order_id VARCHAR(36) PRIMARY KEY)")
    _replace(_note_triggers(_behind))


def downgrade() -> None:
    # Bring every named entry up to date first (0008's triggers know nothing of the names):
    # touching an order's indexed column re-writes its entry, notes included.
    op.execute("UPDATE orders SET number = number WHERE id IN (SELECT order_id FROM order_search_behind)")
    _replace(_note_triggers(_renote))
    op.execute("DROP TABLE order_search_behind")
