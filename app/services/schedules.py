"""Preventive maintenance schedules on this device: the ones held here, saving one, pausing
and resuming. A save is checked by the rulebook (dispatchers and admins) and by the same
field rules the server applies (app.domain.schedules), then ONE local transaction writes
the row and queues its `schedule.save`; a refusal puts the server's copy back on the
re-base after a pull. Works offline like every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.protocol import MutationType, ScheduleSaveArgs
from app.domain.schedules import DEFAULT_TIMEZONE, schedule_problems
from app.services.desk_types import ChecklistDraftItem
from app.services.templates import checked_items
from app.services.types import InvalidInput
from app.services.writes import refused
from app.store.apply import apply_local
from app.store.models import OutboxEntry, Schedule, Template, User
from app.store.outbox import enqueue
from app.store.schedules import judge_schedule_save, wire_of


class ScheduleInvalid(InvalidInput):
    """The draft breaks the schedule's rules: the first problem as the message, and every
    problem by field (`name`, `every_n`, `starts_on`, `title`, `checklist`, ...) for the form."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(next(iter(problems.values())))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ScheduleDraft:
    """A schedule as the desk's form holds it. The checklist is `template_id`'s items when
    given (copied: the schedule keeps its own copy), else `items`."""

    name: str
    site_name: str = ""
    site_address: str = ""
    asset: str = ""
    every_n: int | str = 1
    every_unit: str = "month"
    anchor: str = "fixed"
    starts_on: str = ""
    lead_days: int | str = 7
    title: str = ""
    description: str = ""
    kind: str = "maintenance"
    priority: str = "normal"
    requires_signature: bool = False
    template_id: str | None = None
    items: list[ChecklistDraftItem] = field(default_factory=list)
    assignee_id: str | None = None
    paused: bool = False
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True, slots=True)
class ScheduleView:
    id: uuid.UUID
    name: str
    site_name: str
    site_address: str
    asset: str
    every_n: int
    every_unit: str
    anchor: str
    starts_on: str
    lead_days: int
    title: str
    description: str
    kind: str
    priority: str
    requires_signature: bool
    items: list[ChecklistDraftItem]
    assignee_id: str | None
    assignee_name: str  # "" when none
    paused: bool
    next_due_on: str | None
    timezone: str
    pending: bool  # saved here, not yet acknowledged by the server


def _item(spec: dict[str, Any]) -> ChecklistDraftItem:
    return ChecklistDraftItem(
        label=str(spec.get("label") or ""),
        kind=str(spec.get("kind") or "check"),
        required=bool(spec.get("required", False)),
        unit=spec.get("unit"),
        min=spec.get("min"),
        max=spec.get("max"),
    )


def view_of(row: Schedule, *, pending: bool, names: dict[str, str]) -> ScheduleView:
    template = dict(row.template or {})
    site = dict(row.site or {})
    checklist = sorted(template.get("checklist") or [], key=lambda s: int(s.get("position") or 0))
    return ScheduleView(
        id=uuid.UUID(row.id),
        name=row.name,
        site_name=str(site.get("name") or ""),
        site_address=str(site.get("address") or ""),
        asset=row.asset or "",
        every_n=row.every_n,
        every_unit=row.every_unit,
        anchor=row.anchor,
        starts_on=row.starts_on,
        lead_days=row.lead_days,
        title=str(template.get("title") or ""),
        description=str(template.get("description") or ""),
        kind=str(template.get("kind") or "maintenance"),
        priority=str(template.get("priority") or "normal"),
        requires_signature=bool(template.get("requires_signature", False)),
        items=[_item(spec) for spec in checklist],
        assignee_id=row.assignee_id,
        assignee_name=names.get(row.assignee_id or "", "") if row.assignee_id else "",
        paused=row.paused,
        next_due_on=row.next_due_on,
        timezone=row.timezone,
        pending=pending,
    )


def _pending_ids(session: Session) -> set[str]:
    return set(
        session.scalars(select(OutboxEntry.entity_id).where(OutboxEntry.type == MutationType.SCHEDULE_SAVE))
    )


def _names(session: Session) -> dict[str, str]:
    return {u.id: u.display_name or u.username for u in session.scalars(select(User))}


def list_schedules(session: Session) -> list[ScheduleView]:
    """The schedules on this device: running ones by next due date, then paused ones."""
    pending, names = _pending_ids(session), _names(session)
    rows = sorted(
        session.scalars(select(Schedule)),
        key=lambda s: (s.paused, s.next_due_on or "9999-12-31", s.name.casefold(), s.id),
    )
    return [view_of(row, pending=row.id in pending, names=names) for row in rows]


def _number(value: int | str, *, field_name: str, problems: dict[str, str], sentence: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    problems[field_name] = sentence
    return -1


def _checklist(session: Session, draft: ScheduleDraft, problems: dict[str, str]) -> list[dict[str, Any]]:
    if draft.template_id:
        template = session.get(Template, draft.template_id)
        if template is None:
            problems["checklist"] = "That checklist template is not on this device."
            return []
        return [
            dict(spec) for spec in sorted(template.items or [], key=lambda s: int(s.get("position") or 0))
        ]
    if not draft.items:
        return []  # a schedule may make orders without a checklist
    try:
        return checked_items(draft.items)
    except InvalidInput as err:
        problems["checklist"] = str(err)
        return []


def checked_args(session: Session, draft: ScheduleDraft) -> dict[str, Any]:
    """The draft as schedule.save's args, or ScheduleInvalid naming every problem."""
    problems: dict[str, str] = {}
    every_n = _number(
        draft.every_n,
        field_name="every_n",
        problems=problems,
        sentence="Repeat every 1 to 999 days, weeks or months.",
    )
    lead_days = _number(
        draft.lead_days,
        field_name="lead_days",
        problems=problems,
        sentence="Make orders 0 to 365 days ahead (a whole number).",
    )
    args: dict[str, Any] = {
        "name": draft.name.strip(),
        "site": {
            "name": draft.site_name.strip(),
            "address": draft.site_address.strip() or None,
            "lat": None,
            "lon": None,
        },
        "asset": draft.asset.strip() or None,
        "every": {"n": every_n, "unit": draft.every_unit},
        "anchor": draft.anchor,
        "starts_on": draft.starts_on.strip(),
        "lead_days": lead_days,
        "template": {
            "title": draft.title.strip(),
            "description": draft.description.strip(),
            "kind": draft.kind,
            "priority": draft.priority,
            "requires_signature": bool(draft.requires_signature),
            "checklist": _checklist(session, draft, problems),
        },
        "assignee_id": draft.assignee_id or None,
        "paused": bool(draft.paused),
        "timezone": (draft.timezone or DEFAULT_TIMEZONE).strip(),
    }
    # The same rules the server applies, then the wire's own schema.
    problems = {**schedule_problems(args), **problems}
    if problems:
        raise ScheduleInvalid(problems)
    try:
        ScheduleSaveArgs.model_validate(args)
    except ValidationError as err:
        raise ScheduleInvalid({"form": f"The schedule cannot be saved: {err.errors()[0]['msg']}."}) from err
    return args


def _queue(
    session: Session, *, row_id: str, base_seq: int | None, args: dict[str, Any], now: datetime
) -> None:
    entry = enqueue(
        session,
        type=MutationType.SCHEDULE_SAVE.value,
        entity_id=row_id,
        args=args,
        base_seq=base_seq,
        created_at=now,
    )
    apply_local(session, entry)  # the same function the re-base after a pull uses


def save_schedule(
    session: Session, *, schedule_id: uuid.UUID | None, draft: ScheduleDraft, role: str, now: datetime
) -> ScheduleView:
    """Save a new schedule (`schedule_id` None) or a change to one held here; it shows at
    once and is sent with the next sync. Orders already made are never changed by it."""
    verdict = judge_schedule_save(role=role)
    if not verdict.allowed:
        raise refused(verdict, sentence="Only dispatchers and admins can change maintenance schedules.")
    args = checked_args(session, draft)
    if schedule_id is None:
        row_id, base_seq = str(uuid.uuid4()), None
    else:
        existing = session.get(Schedule, str(schedule_id))
        if existing is None:
            raise InvalidInput("This schedule is not on this device.")
        row_id, base_seq = existing.id, existing.seq or None
    _queue(session, row_id=row_id, base_seq=base_seq, args=args, now=now)
    return _saved(session, row_id)


def set_paused(
    session: Session, *, schedule_id: uuid.UUID, paused: bool, role: str, now: datetime
) -> ScheduleView:
    """Pause or resume: the whole schedule saved again with `paused` changed."""
    verdict = judge_schedule_save(role=role)
    if not verdict.allowed:
        raise refused(verdict, sentence="Only dispatchers and admins can pause maintenance schedules.")
    row = session.get(Schedule, str(schedule_id))
    if row is None:
        raise InvalidInput("This schedule is not on this device.")
    args = {**wire_of(row), "paused": paused}
    _queue(session, row_id=row.id, base_seq=row.seq or None, args=args, now=now)
    return _saved(session, row.id)


def _saved(session: Session, row_id: str) -> ScheduleView:
    saved = session.get(Schedule, row_id)
    if saved is None:  # the local apply judges as the checks above: never here
        raise InvalidInput("The schedule was not saved.")
    return view_of(saved, pending=True, names=_names(session))


def draft_of(view: ScheduleView) -> ScheduleDraft:
    """A view as a draft to edit (its checklist as typed items)."""
    return ScheduleDraft(
        name=view.name,
        site_name=view.site_name,
        site_address=view.site_address,
        asset=view.asset,
        every_n=view.every_n,
        every_unit=view.every_unit,
        anchor=view.anchor,
        starts_on=view.starts_on,
        lead_days=view.lead_days,
        title=view.title,
        description=view.description,
        kind=view.kind,
        priority=view.priority,
        requires_signature=view.requires_signature,
        items=list(view.items),
        assignee_id=view.assignee_id,
        paused=view.paused,
        timezone=view.timezone,
    )


def new_draft(*, today: date, timezone: str = DEFAULT_TIMEZONE) -> ScheduleDraft:
    """A fresh form: monthly from today, a week's lead, maintenance work."""
    return replace(ScheduleDraft(name=""), starts_on=today.isoformat(), timezone=timezone)
