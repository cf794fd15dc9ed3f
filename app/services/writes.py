"""The user's writes: check them against app.domain, then ONE local transaction
makes the change and queues its mutation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.domain import DISPATCHER_MOVES, ChecklistKind, Status
from app.domain.codes import Code, plain
from app.domain.limits import MAX_CHECKLIST_TEXT, MAX_NOTE, MAX_REASON
from app.domain.protocol import MutationType
from app.domain.rules import (
    MoveVerdict,
    Relation,
    Verdict,
    checklist_value_problem,
    judge_checklist,
    judge_evidence,
    judge_transition,
)
from app.services.types import InvalidInput
from app.services.words import STATUS_WORD
from app.store.access import OrderLike, device_user, gates_of, order_facts, relation_of
from app.store.apply import apply_local
from app.store.models import ChecklistItem, Order, OutboxEntry
from app.store.outbox import enqueue


def refused(verdict: Verdict | MoveVerdict, *, sentence: str | None = None) -> InvalidInput:
    """A rulebook refusal as the user reads it: `sentence` for the case, or the code's plain one."""
    return InvalidInput(sentence or plain(verdict.code))


def wire_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


_O = TypeVar("_O", bound=OrderLike)


def order_on_device(session: Session, order_id: uuid.UUID) -> Order:
    return _held(session.get(Order, str(order_id)))


def _held(order: _O | None) -> _O:
    """The order, when it is on this device and open to new work (InvalidInput otherwise)."""
    if order is None:
        raise InvalidInput("This order is not on this device (it may have been reassigned).")
    if order.out_of_scope:
        # Kept only until what is queued for it is sent: nothing new may be added to that.
        raise InvalidInput(
            f"{order.number or 'This order'} was reassigned: "
            "it leaves this device once your changes are sent."
        )
    return order


# Who may add which evidence, when the rulebook says no (sync-protocol.md, "Mutation types").
_EVIDENCE_OWNER = {
    MutationType.NOTE_ADD: "Only people working on this order can add notes to it.",
    MutationType.PHOTO_ADD: "Only people working on this order can add photos to it.",
    MutationType.TIME_ADD: "Only the technician assigned to this order can log time on it.",
    MutationType.PART_USE: "Only the technician assigned to this order can record parts on it.",
    MutationType.SIGNATURE_ADD: "Only the technician assigned to this order can collect the signature.",
}


def may_add(session: Session, order: OrderLike, kind: MutationType) -> None:
    """InvalidInput unless the rulebook lets this user add `kind` evidence to `order`."""
    verdict = judge_evidence(kind, relation=relation_of(session, order))
    if not verdict.allowed:
        raise refused(verdict, sentence=_EVIDENCE_OWNER.get(kind))


def evidence_order(session: Session, *, order_id: uuid.UUID, kind: MutationType) -> OrderLike:
    """The order, when the rulebook lets this user add `kind` evidence to it (InvalidInput
    otherwise). Evidence is append-only in every state: only who adds it is judged, so the
    few columns that says are read, not the whole order."""
    order = _held(order_facts(session, str(order_id)))
    may_add(session, order, kind)
    return order


def queue_change(
    session: Session,
    *,
    type: MutationType,
    order: OrderLike,
    args: dict[str, Any],
    base_seq: int | None,
    at: datetime,
) -> OutboxEntry:
    entry = enqueue(session, type=type.value, entity_id=order.id, args=args, base_seq=base_seq, created_at=at)
    # The same function the re-base after a pull uses; every id a write here adds is new.
    apply_local(session, entry, fresh=True, order=order)
    return entry


def _move_sentence(
    verdict: MoveVerdict, *, order: Order, relation: Relation, current: Status, target: Status
) -> str:
    """Why this user may not make this move, in words for the case."""
    number = order.number or "This order"
    frm, to = STATUS_WORD[current], STATUS_WORD[target]
    match verdict.code:
        case Code.REASON_REQUIRED:
            return f"A reason is required for {to.lower()}."
        case Code.ILLEGAL_TRANSITION:
            return f"{number} cannot move from {frm} to {to}."
        case Code.COMPLETION_BLOCKED:
            return f"Cannot complete yet: {verdict.detail}."
        case Code.FORBIDDEN if relation is Relation.DISPATCH:
            return f"The technician doing the work moves an order from {frm} to {to}, not a dispatcher."
        case Code.FORBIDDEN if (current, target) in DISPATCHER_MOVES:
            return f"Only a dispatcher can move an order from {frm} to {to}."
        case Code.FORBIDDEN:
            return f"Only the technician assigned to {number} or a dispatcher can change its status."
        case None:
            # A conflict: on this device only an order that left it (already refused above).
            return f"{number} was reassigned: this move would not be applied."
    return plain(verdict.code)


def transition(
    session: Session, *, order_id: uuid.UUID, to: Status | str, reason: str | None, now: datetime
) -> OutboxEntry:
    order = order_on_device(session, order_id)
    try:
        target = Status(to)
    except ValueError:
        raise InvalidInput(f"Unknown status {to!r}.") from None
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    current = Status(order.status)
    relation = relation_of(session, order)
    verdict = judge_transition(
        role=device_user(session).role,
        relation=relation,
        sent_from=current,
        to=target,
        current=current,
        reason=text,
        gates=gates_of(session, order),
    )
    if not verdict.changes_status:
        sentence = _move_sentence(verdict, order=order, relation=relation, current=current, target=target)
        raise refused(verdict, sentence=sentence)
    args: dict[str, Any] = {"from": current.value, "to": target.value, "at": wire_time(now)}
    if text:
        args["reason"] = text
    return queue_change(
        session, type=MutationType.ORDER_TRANSITION, order=order, args=args, base_seq=order.seq, at=now
    )


def _typed_value(item: ChecklistItem, value: Any) -> Any:
    """What the user typed, as the item's kind holds it: "2,5" is 2.5 for a number, blank text is
    no value. The rulebook judges the result (checklist_value_problem)."""
    if item.kind == ChecklistKind.NUMBER and isinstance(value, str):
        typed = value.strip().replace(",", ".")
        if not typed:
            return None
        try:
            return float(typed)
        except ValueError:
            raise InvalidInput(f"{item.label}: {value!r} is not a number.") from None
    if item.kind == ChecklistKind.TEXT and isinstance(value, str):
        return value.strip() or None
    return value


# What to enter, per kind, when the rulebook finds a value that does not fit.
_ENTER = {
    ChecklistKind.CHECK: "a check item takes no value",
    ChecklistKind.NUMBER: "enter a number",
    ChecklistKind.TEXT: f"enter text (at most {MAX_CHECKLIST_TEXT:,} characters)",
    ChecklistKind.PASS_FAIL: "choose pass or fail",
}


def set_checklist(
    session: Session, *, order_id: uuid.UUID, item_id: uuid.UUID, value: Any, done: bool, now: datetime
) -> OutboxEntry:
    order = order_on_device(session, order_id)
    item = session.get(ChecklistItem, str(item_id))
    if item is None or item.order_id != order.id:
        raise InvalidInput("This checklist item is not part of the order.")
    verdict = judge_checklist(relation=relation_of(session, order), status=Status(order.status))
    if not verdict.allowed:
        # Completed, closed or cancelled: the checklist is the record now (a value sent to a
        # cancelled order would only become a conflict). Others' orders are not theirs to tick.
        if verdict.code is Code.FORBIDDEN:
            raise InvalidInput("Only the technician assigned to this order can fill in its checklist.")
        word = STATUS_WORD[Status(order.status)].lower()
        raise InvalidInput(f"{order.number or 'This order'} is {word}: its checklist is read-only.")
    clean = _typed_value(item, value)
    problem = checklist_value_problem(kind=item.kind, value=clean, done=bool(done))
    if problem is not None:
        if clean is None:
            raise InvalidInput(f"{item.label}: enter a value before marking it done.")
        raise InvalidInput(f"{item.label}: {_ENTER.get(item.kind, problem)}.")
    # A number outside the item's limits is kept as measured: the read model flags it.
    args = {"item_id": item.id, "value": clean, "done": bool(done)}
    return queue_change(
        session, type=MutationType.CHECKLIST_SET, order=order, args=args, base_seq=item.seq, at=now
    )


def add_note(session: Session, *, order_id: uuid.UUID, text: str, now: datetime) -> OutboxEntry:
    order = evidence_order(session, order_id=order_id, kind=MutationType.NOTE_ADD)
    clean = (text or "").strip()
    if not clean:
        raise InvalidInput("A note cannot be empty.")
    if len(clean) > MAX_NOTE:
        raise InvalidInput(f"The note is too long (at most {MAX_NOTE} characters).")
    args = {"id": str(uuid.uuid4()), "text": clean, "at": wire_time(now)}
    return queue_change(
        session, type=MutationType.NOTE_ADD, order=order, args=args, base_seq=order.seq, at=now
    )
