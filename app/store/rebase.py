"""Re-basing after a pull, Replicache-style: the server's rows are the truth, and
the user's still-queued work is replayed on top so it stays visible."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.domain.protocol import Entity, MutationType, ResultStatus
from app.store.apply import VOIDABLE, apply_local
from app.store.checklist_def import item_ids
from app.store.models import (
    ChecklistItem,
    Conflict,
    Note,
    Order,
    OutboxEntry,
    PartUsage,
    Photo,
    Schedule,
    Signature,
    Template,
    TimeLog,
)
from app.store.outbox import queued
from app.store.rows import restore

# Types that add one child row, keyed by args["id"].
_ADDS: dict[str, type[Note | Photo | TimeLog | PartUsage | Signature]] = {
    MutationType.NOTE_ADD: Note,
    MutationType.PHOTO_ADD: Photo,
    MutationType.TIME_ADD: TimeLog,
    MutationType.PART_USE: PartUsage,
    MutationType.SIGNATURE_ADD: Signature,
}

# The child rows a decided conflict may have changed on this device (apply_resolve: an
# item's value, a time log voided for an overlap), by the conflict's entity.
_DECIDED_ROWS: dict[str, type[ChecklistItem | TimeLog]] = {
    Entity.CHECKLIST_ITEM.value: ChecklistItem,
    Entity.TIME_LOG.value: TimeLog,
}

# Results after which the server's row already holds the mutation's effect.
_TOOK_EFFECT = frozenset({ResultStatus.APPLIED.value, ResultStatus.MERGED.value})


def _undo(session: Session, entry: OutboxEntry) -> None:
    """Put back the server's version of whatever `entry` changed locally (a row made
    only locally goes away)."""
    args = entry.args
    match entry.type:
        case MutationType.ORDER_TRANSITION:
            restore(session, Order, entry.entity_id)
        case MutationType.ORDER_UPDATE:
            # A checklist definition changed item rows (and added local-only ones): put them back.
            for item_id in item_ids(dict(args.get("fields") or {}).get("checklist")):
                restore(session, ChecklistItem, item_id)
            restore(session, Order, entry.entity_id)
        case MutationType.ORDER_CREATE:
            for spec in args.get("checklist") or []:
                restore(session, ChecklistItem, str(spec.get("id")))
            restore(session, Order, entry.entity_id)
        case MutationType.CHECKLIST_SET:
            restore(session, ChecklistItem, str(args.get("item_id")))
        case MutationType.ENTRY_VOID:
            model = VOIDABLE.get(args.get("entity", ""))
            if model is not None:
                restore(session, model, str(args.get("id")))
        case MutationType.CONFLICT_RESOLVE:
            conflict = session.get(Conflict, str(args.get("conflict_id")))
            if conflict is not None:
                # The decided value may have been shown on the order or a child row: put those back too.
                decided = _DECIDED_ROWS.get(conflict.entity)
                if decided is not None and conflict.entity_id:
                    restore(session, decided, conflict.entity_id)
                if conflict.field == "checklist":  # a decided definition wrote item rows
                    for item_id in item_ids(conflict.mine) + item_ids(args.get("value")):
                        restore(session, ChecklistItem, item_id)
                restore(session, Order, entry.entity_id)
                if conflict.server_data is not None:  # pulled before 0002 kept no copy: leave it
                    restore(session, Conflict, conflict.id)
        case MutationType.TEMPLATE_SAVE:
            restore(session, Template, entry.entity_id)
        case MutationType.SCHEDULE_SAVE:
            restore(session, Schedule, entry.entity_id)
        case kind if kind in _ADDS:
            restore(session, _ADDS[kind], str(args.get("id")))


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
