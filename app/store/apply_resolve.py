"""Local application of conflict.resolve: the decision shown at once, as the server's
conflict.resolve writes it; its rows replace it when pulled."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.domain import Status, is_legal
from app.domain.protocol import Entity
from app.domain.rules import CHECKLIST_LOCKED, judge_assign
from app.store.access import may_resolve
from app.store.models import ChecklistItem, Conflict, Order, TimeLog
from app.store.order_fields import UPDATABLE, LocalEffect, assign_order, enter_status, write_order_field


def resolve_conflict(session: Session, order_id: str, args: dict[str, Any]) -> LocalEffect | None:
    conflict = session.get(Conflict, str(args["conflict_id"]))
    order = session.get(Order, order_id)
    if conflict is None or order is None or conflict.order_id != order_id:
        return None
    choice = args["choice"]
    resolution = {"choice": choice, "value": args.get("value")}
    # Open, or decided by this very mutation on an earlier application (re-applied, so the
    # decided value shows again over a re-pulled order); decided otherwise: the server keeps that.
    if conflict.status != "open" and conflict.resolution != resolution:
        return None
    if not may_resolve(session, conflict).allowed:
        return None
    chosen = conflict.mine if choice == "mine" else args.get("value")
    if choice != "theirs" and not _takes(order, conflict, chosen=chosen):
        return None  # the server refuses the decision whole: the conflict stays open
    conflict.status = "resolved"
    conflict.resolution = resolution
    _show_decision(session, order, conflict, choice=choice, chosen=chosen)
    session.flush()
    return LocalEffect("conflicts", conflict.id)


def _takes(order: Order, conflict: Conflict, *, chosen: Any) -> bool:
    """Whether the server can write `chosen` (mine, or a value given) where the conflict is."""
    key = (conflict.entity, conflict.field)
    current = Status(order.status)
    if key == (Entity.TIME_LOG.value, "overlap"):
        return chosen is None  # settled by mine or theirs, never a value
    if key == (Entity.CHECKLIST_ITEM.value, "value"):
        # The checklist of finished work is the record; a value comes with its done flag.
        return (
            current not in CHECKLIST_LOCKED
            and isinstance(chosen, dict)
            and isinstance(chosen.get("done"), bool)
        )
    if key == (Entity.WORK_ORDER.value, "status"):
        try:
            to = Status(chosen)
        except ValueError:
            return False
        return to is current or is_legal(current, to)
    if key == (Entity.WORK_ORDER.value, "assignee_id"):
        return chosen == order.assignee_id or judge_assign(status=current, assignee_id=chosen).allowed
    return conflict.entity == Entity.WORK_ORDER and conflict.field in UPDATABLE


def _show_decision(session: Session, order: Order, conflict: Conflict, *, choice: str, chosen: Any) -> None:
    key = (conflict.entity, conflict.field)
    if key == (Entity.TIME_LOG.value, "overlap"):
        # Both logs are kept; "theirs" means the flagged log was the wrong one.
        log = session.get(TimeLog, conflict.entity_id or "")
        if choice == "theirs" and log is not None and log.order_id == order.id:
            log.voided = True
    elif choice == "theirs":
        return  # the kept value stays
    elif key == (Entity.CHECKLIST_ITEM.value, "value"):
        item = session.get(ChecklistItem, conflict.entity_id or "")
        if item is not None and item.order_id == order.id:
            item.value, item.done = chosen.get("value"), bool(chosen.get("done"))
    elif key == (Entity.WORK_ORDER.value, "status"):
        if Status(chosen) is not Status(order.status):
            enter_status(order, Status(chosen), at=None, reason=order.status_reason)
    elif conflict.field == "assignee_id":
        assign_order(order, chosen, at=None)
    else:
        write_order_field(session, order, conflict.field or "", chosen)
