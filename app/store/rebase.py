"""Re-basing after a pull, Replicache-style: the server's rows are the truth, and
the user's still-queued work is replayed on top so it stays visible."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.domain.protocol import MutationType, ResultStatus
from app.store.apply import apply_local
from app.store.models import ChecklistItem, Note, Order, OutboxEntry
from app.store.outbox import queued
from app.store.rows import restore

# Results after which the server's row already holds the mutation's effect.
_TOOK_EFFECT = frozenset({ResultStatus.APPLIED.value, ResultStatus.MERGED.value})


def _undo(session: Session, entry: OutboxEntry) -> None:
    match entry.type:
        case MutationType.ORDER_TRANSITION:
            restore(session, Order, entry.entity_id)
        case MutationType.CHECKLIST_SET:
            restore(session, ChecklistItem, str(entry.args.get("item_id")))
        case MutationType.NOTE_ADD:
            restore(session, Note, str(entry.args.get("id")))


def rebase(session: Session, *, dropped: Iterable[OutboxEntry]) -> int:
    """Undo the local effect of acknowledged mutations that did not take effect on the server
    (rejected, conflict, or answer unknown), then replay every still-queued mutation in mid order.
    Returns how many queued mutations were replayed."""
    for entry in dropped:
        if entry.result_status not in _TOOK_EFFECT:
            _undo(session, entry)
    pending = queued(session)
    for entry in pending:
        apply_local(session, entry)
    return len(pending)
