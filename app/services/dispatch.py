"""Orders made and changed on this device, and conflicts decided: follow-up work, a
dispatcher's edits, conflict resolution. Checked here; ONE local transaction (the caller's)
makes the change and queues its mutation."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.domain import ChecklistKind, Kind, Priority, Role, Status, default_due
from app.domain.codes import Code
from app.domain.limits import MAX_ADDRESS, MAX_ASSET, MAX_DESCRIPTION, MAX_NAME, MAX_TITLE
from app.domain.protocol import Entity, MutationType
from app.domain.rules import (
    CHECKLIST_LOCKED,
    Relation,
    checklist_value_problem,
    judge_assign,
    judge_create,
    judge_field_edit,
)
from app.domain.skills import SkillsProblem, clean_required_skills
from app.services.checklist_spec import check_definition, clean_definition, same_definition
from app.services.types import InvalidInput
from app.services.words import field_label, status_word
from app.services.writes import add_note, evidence_order, order_on_device, queue_change, refused, wire_time
from app.store.access import device_user, may_resolve, relation_of
from app.store.apply import PROVISIONAL_PREFIX, UPDATABLE, apply_local
from app.store.checklist_def import definition_of
from app.store.models import ChecklistItem, Conflict, Order, OutboxEntry, Photo, User
from app.store.outbox import enqueue

# Who may start follow-up work from an order held here: the technician on it (or on their
# own follow-up, found to need more), or a dispatcher. The server takes any technician's
# unassigned order.create; the device needs the order for its customer and site.
FOLLOW_UP_RELATIONS = frozenset({Relation.ASSIGNEE, Relation.CREATOR, Relation.DISPATCH})


def _text(value: Any, *, name: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {name} must be text.")
    clean = value.strip()
    if required and not clean:
        raise InvalidInput(f"The {name} cannot be empty.")
    if len(clean) > limit:
        raise InvalidInput(f"The {name} is too long (at most {limit} characters).")
    return clean


def _choice(value: Any, enum: type[Kind] | type[Priority], *, name: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(f"Unknown {name} {value!r} (choose {allowed}).") from None


def _coordinate(value: Any, *, name: str, bound: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"The site's {name} must be a number.") from None
    if isinstance(value, bool) or not math.isfinite(number) or abs(number) > bound:
        raise InvalidInput(f"The site's {name} must be between -{bound:g} and {bound:g}.")
    return number


def _mapping(value: Any, *, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"The {name} must be a set of fields.")
    return value


def _assignee_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a user.") from None


def _assignee(session: Session, value: Any) -> str | None:
    user_id = _assignee_id(value)
    if user_id is None:
        return None
    # The directory may not be pulled yet: only a known directory refuses an unknown id.
    if not session.scalar(select(exists().where(User.id.is_not(None)))):
        return user_id
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("There is no such user in the directory.")
    if user.role != Role.TECHNICIAN or not user.active:
        raise InvalidInput(f"{user.display_name or user.username} is not an active technician.")
    return user_id


def clean_field(session: Session, name: str, value: Any) -> Any:
    """A dispatcher field's value as it goes on the wire; InvalidInput when it breaks a rule."""
    if name == "title":
        return _text(value, name="title", limit=MAX_TITLE, required=True)
    if name == "description":
        return _text(value, name="description", limit=MAX_DESCRIPTION)
    if name == "kind":
        return _choice(value, Kind, name="kind")
    if name == "priority":
        return _choice(value, Priority, name="priority")
    if name == "assignee_id":
        return _assignee(session, value)
    if name == "asset":
        return _text(value, name="asset", limit=MAX_ASSET) or None
    if name == "requires_signature":
        if not isinstance(value, bool):
            raise InvalidInput("Say yes or no to requiring a signature.")
        return value
    if name == "due_at":
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidInput("The due time needs a date, a time and a time zone.")
        return wire_time(value)
    if name == "customer":
        data = _mapping(value, name="customer")
        return {
            "name": _text(data.get("name"), name="customer's name", limit=MAX_NAME),
            "contact": _text(data.get("contact"), name="customer's contact", limit=MAX_ADDRESS) or None,
        }
    if name == "site":
        data = _mapping(value, name="site")
        return {
            "name": _text(data.get("name"), name="site's name", limit=MAX_NAME),
            "address": _text(data.get("address"), name="site's address", limit=MAX_ADDRESS) or None,
            "lat": _coordinate(data.get("lat"), name="latitude", bound=90),
            "lon": _coordinate(data.get("lon"), name="longitude", bound=180),
        }
    if name == "required_skills":
        try:
            return clean_required_skills(list(value) if isinstance(value, tuple) else value)
        except SkillsProblem as problem:
            raise InvalidInput(f"Required skills: {problem}.") from None
    if name == "checklist":
        return clean_definition(value)
    raise InvalidInput(f"The {field_label(name)} cannot be changed here.")


def _current(session: Session, order: Order, name: str) -> Any:
    if name == "checklist":
        return definition_of(session, order.id)
    value = getattr(order, name)
    if name == "required_skills":
        return list(value or [])
    return wire_time(value) if isinstance(value, datetime) else value


def _differs(session: Session, order: Order, name: str, value: Any) -> bool:
    current = _current(session, order, name)
    if name == "checklist":
        # Numbered afresh in the order given: the same items in the same order are no change.
        return not same_definition(value, current)
    return bool(value != current)


def _check_assign(order: Order, assignee_id: str | None) -> None:
    status = Status(order.status)
    verdict = judge_assign(status=status, assignee_id=assignee_id)
    if verdict.allowed:
        return
    number, word = order.number or "This order", status_word(status).lower()
    if verdict.code is Code.UNASSIGN_REFUSED:
        raise refused(verdict, sentence=f"{number} is {word}: it cannot be unassigned now.")
    raise refused(verdict, sentence=f"{number} is {word}: it cannot be reassigned.")


def update_order(
    session: Session, *, order_id: uuid.UUID, fields: Mapping[str, Any], now: datetime
) -> OutboxEntry | None:
    """Queue an order.update of the fields that differ from the order's; None when none do."""
    order = order_on_device(session, order_id)
    # A technician's edit would only become a conflict for a dispatcher: not offered, refused.
    if not judge_field_edit(relation=relation_of(session, order)).allowed:
        raise InvalidInput("Only a dispatcher can change an order's details.")
    if not fields:
        raise InvalidInput("Choose what to change.")
    unknown = sorted(set(fields) - UPDATABLE)
    if unknown:
        raise InvalidInput(f"The {field_label(unknown[0])} cannot be changed here.")
    if "assignee_id" in fields:
        # The order's state first: whoever is chosen, a completed order keeps its technician.
        wanted = _assignee_id(fields["assignee_id"])
        if wanted != order.assignee_id:
            _check_assign(order, wanted)
    clean = {name: clean_field(session, name, value) for name, value in fields.items()}
    if "checklist" in clean:
        check_definition(session, order, clean["checklist"])
    changed = {name: value for name, value in clean.items() if _differs(session, order, name, value)}
    if not changed:
        return None
    return queue_change(
        session,
        type=MutationType.ORDER_UPDATE,
        order=order,
        args={"fields": changed},
        base_seq=order.seq,
        at=now,
    )


def may_follow_up(*, role: Role | str | None, relation: Relation) -> bool:
    """Follow-up work is a new, unassigned order (judge_create), started from an order held here."""
    return relation in FOLLOW_UP_RELATIONS and judge_create(role=role, assigned=False).allowed


def create_follow_up(
    session: Session,
    *,
    from_order_id: uuid.UUID,
    title: str,
    description: str,
    priority: str,
    kind: str,
    now: datetime,
    photo_ids: Sequence[uuid.UUID] = (),
) -> OutboxEntry:
    """A new order (status new, unassigned) for work found on `from_order_id`, at the same
    customer, site and asset; a dispatcher assigns it. Returns its order.create.

    The new order names its source in `follow_up_of`; for people the link is also carried in
    words both ways, in this one transaction: the new order's description opens with `follow_up_link`,
    and a note on the source order says the work was raised. The source's photos named in
    `photo_ids` are added to the new order too (the same bytes, by their SHA-256)."""
    source = order_on_device(session, from_order_id)
    if not may_follow_up(role=device_user(session).role, relation=relation_of(session, source)):
        raise InvalidInput(
            "Only the technician on this order or a dispatcher can start follow-up work from it."
        )
    level = _choice(priority, Priority, name="priority")
    link = follow_up_link(number=source.number, title=source.title)
    text = _text(description, name="description", limit=MAX_DESCRIPTION - len(link) - 2)
    photos = [_source_photo(session, source, photo_id) for photo_id in photo_ids]
    clean_title = _text(title, name="title", limit=MAX_TITLE, required=True)
    fields: dict[str, Any] = {
        "title": clean_title,
        "description": f"{link}\n\n{text}" if text else link,
        "kind": _choice(kind, Kind, name="kind"),
        "priority": level,
        "customer": clean_field(session, "customer", source.customer),
        "site": clean_field(session, "site", source.site),
        "asset": source.asset,
        "due_at": wire_time(default_due(priority=Priority(level), created_at=now)),
        "requires_signature": False,
        "follow_up_of": source.id,  # the dashboard's first-time fix reads the link from here
    }
    entry = queue_new_order(session, fields=fields, checklist=[], now=now)
    add_note(session, order_id=from_order_id, text=f"Follow-up work raised: {clean_title}", now=now)
    if photos:
        made = evidence_order(session, order_id=uuid.UUID(entry.entity_id), kind=MutationType.PHOTO_ADD)
        for photo in photos:
            args = {
                "id": str(uuid.uuid4()),
                **{name: getattr(photo, name) for name in _PHOTO_COPIED},
                "taken_at": wire_time(photo.taken_at or now),
            }
            queue_change(
                session, type=MutationType.PHOTO_ADD, order=made, args=args, base_seq=made.seq, at=now
            )
    return entry


# What a photo added to a follow-up keeps of the source order's photo: its bytes are the same.
_PHOTO_COPIED = ("sha256", "size", "content_type", "width", "height", "caption")


def follow_up_link(*, number: str, title: str) -> str:
    """The first line of a follow-up's description: the order it came from, by its number, or
    by its title while that order's number is still provisional (it changes once synced)."""
    if number and not number.startswith(PROVISIONAL_PREFIX):
        return f"Follow-up of {number}: {title}"
    return f"Follow-up of “{title}”"


def _source_photo(session: Session, source: Order, photo_id: uuid.UUID) -> Photo:
    photo = session.get(Photo, str(photo_id))
    if photo is None or photo.order_id != source.id or photo.voided:
        raise InvalidInput(f"That photo is no longer on {source.number or 'this order'}.")
    return photo


def queue_new_order(
    session: Session, *, fields: Mapping[str, Any], checklist: list[dict[str, Any]], now: datetime
) -> OutboxEntry:
    """Queue the order.create of a new order (status new, unassigned, made by hand) from
    `fields` already clean (as clean_field leaves them) and its `checklist` definition, and
    make it here at once under a provisional number. Assigning it is a separate order.update."""
    new_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": new_id,
        **fields,
        "status": Status.NEW.value,
        "assignee_id": None,
        "source": "manual",
        "external_id": None,
        "checklist": checklist,
    }
    entry = enqueue(
        session,
        type=MutationType.ORDER_CREATE.value,
        entity_id=new_id,
        args=args,
        base_seq=None,
        created_at=now,
    )
    apply_local(session, entry)  # makes the order (provisional number) and shows it at once
    return entry


def _checklist_value(session: Session, conflict: Conflict, value: Any) -> dict[str, Any]:
    """A checklist conflict is decided with {"value", "done"} (sync-protocol.md); a bare value
    means that value, done."""
    item = session.get(ChecklistItem, conflict.entity_id or "")
    if isinstance(value, Mapping):
        typed, done = value.get("value"), value.get("done")
    else:
        typed, done = value, True
    if not isinstance(done, bool):
        raise InvalidInput("Say whether the item is done.")
    kind = item.kind if item is not None else ChecklistKind.CHECK
    if isinstance(typed, str) and kind == ChecklistKind.NUMBER:
        try:
            typed = float(typed.strip().replace(",", "."))
        except ValueError:
            raise InvalidInput(f"{typed!r} is not a number.") from None
    problem = checklist_value_problem(kind=kind, value=typed, done=done)
    if problem is not None:
        raise InvalidInput(f"That value does not fit this checklist item ({problem}).")
    return {"value": typed, "done": done}


def resolve_conflict(
    session: Session, *, conflict_id: uuid.UUID, choice: str, value: Any, now: datetime
) -> OutboxEntry:
    conflict = session.get(Conflict, str(conflict_id))
    if conflict is None or conflict.order_id is None:
        raise InvalidInput("This conflict is not on this device.")
    if conflict.status != "open":
        raise InvalidInput("This conflict is already decided.")
    if choice not in ("mine", "theirs", "value"):
        raise InvalidInput("Choose mine, theirs or a new value.")
    order = order_on_device(session, uuid.UUID(conflict.order_id))
    verdict = may_resolve(session, conflict)
    if not verdict.allowed:
        raise refused(
            verdict, sentence=f"Only a dispatcher can decide the {field_label(conflict.field or '')}."
        )
    key = (conflict.entity, conflict.field)
    if (
        key == (Entity.CHECKLIST_ITEM.value, "value")
        and choice != "theirs"
        and order.status in CHECKLIST_LOCKED
    ):
        # The checklist of a completed or closed order is the record: only the kept value stays.
        word = status_word(order.status).lower()
        raise InvalidInput(f"{order.number or 'This order'} is {word}: its checklist is read-only.")
    args: dict[str, Any] = {"conflict_id": conflict.id, "choice": choice}
    if choice == "value":
        if value is None:
            raise InvalidInput("Enter the value to keep.")
        if key == (Entity.TIME_LOG.value, "overlap"):
            raise InvalidInput("Overlapping time is settled by keeping one side: choose mine or theirs.")
        if key == (Entity.CHECKLIST_ITEM.value, "value"):
            args["value"] = _checklist_value(session, conflict, value)
        elif conflict.entity == Entity.WORK_ORDER and conflict.field in UPDATABLE:
            args["value"] = clean_field(session, conflict.field or "", value)
        elif key == (Entity.WORK_ORDER.value, "status"):
            try:
                args["value"] = Status(value).value
            except ValueError:
                raise InvalidInput(f"Unknown status {value!r}.") from None
        else:
            args["value"] = value
    return queue_change(
        session, type=MutationType.CONFLICT_RESOLVE, order=order, args=args, base_seq=None, at=now
    )


def assign(
    session: Session, *, order_id: uuid.UUID, assignee_id: uuid.UUID | None, now: datetime
) -> OutboxEntry | None:
    """Assign, reassign or (None) unassign: an order.update of assignee_id, judged first."""
    return update_order(
        session,
        order_id=order_id,
        fields={"assignee_id": None if assignee_id is None else str(assignee_id)},
        now=now,
    )
