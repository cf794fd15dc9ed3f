"""Preventive maintenance schedules on this device: a pulled row's columns, who may save
one, and a save's local effect (shown at once, over the server's copy, until the server's
row comes back in a pull)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain import Role
from app.domain.protocol import MutationType
from app.domain.rules import Verdict
from app.domain.schedules import DEFAULT_TIMEZONE, local_date, next_due_on, rule_of, schedule_problems
from app.store.access import device_user
from app.store.models import Schedule
from app.store.templates import judge_org_save


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    at = datetime.fromisoformat(str(value))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a schedule from its wire fields (pulled, or a save's args)."""
    every = data.get("every") if isinstance(data.get("every"), Mapping) else {}
    return {
        "name": str(data.get("name") or ""),
        "site": dict(data.get("site") or {}),
        "asset": data.get("asset") or None,
        "every_n": int(every.get("n") or 1),
        "every_unit": str(every.get("unit") or "month"),
        "anchor": str(data.get("anchor") or "fixed"),
        "starts_on": str(data.get("starts_on") or ""),
        "lead_days": int(data.get("lead_days") or 0),
        "template": dict(data.get("template") or {}),
        "assignee_id": None if data.get("assignee_id") is None else str(data["assignee_id"]),
        "paused": bool(data.get("paused", False)),
        "timezone": str(data.get("timezone") or DEFAULT_TIMEZONE),
    }


def schedule_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """A pulled `schedule` row's columns (rows.KINDS)."""
    return {
        **_fields(data),
        "next_due_on": data.get("next_due_on"),
        "updated_at": _time(data.get("updated_at")),
    }


def wire_of(row: Schedule) -> dict[str, Any]:
    """The schedule as schedule.save sends it (all but next_due_on)."""
    return {
        "name": row.name,
        "site": dict(row.site or {}),
        "asset": row.asset,
        "every": {"n": row.every_n, "unit": row.every_unit},
        "anchor": row.anchor,
        "starts_on": row.starts_on,
        "lead_days": row.lead_days,
        "template": dict(row.template or {}),
        "assignee_id": row.assignee_id,
        "paused": row.paused,
        "timezone": row.timezone,
    }


def judge_schedule_save(*, role: Role | str | None) -> Verdict:
    return judge_org_save(MutationType.SCHEDULE_SAVE, role=role)


def apply_schedule_save(
    session: Session, schedule_id: str, args: dict[str, Any], *, at: datetime | None
) -> bool:
    """Write a queued schedule.save over the local row; False when the rulebook says the
    server will refuse it (nothing is shown then)."""
    if not judge_schedule_save(role=device_user(session).role).allowed:
        return False
    if schedule_problems(args):
        return False  # the server refuses it too (invalid_args): nothing to show
    row = session.get(Schedule, schedule_id)
    if row is None:
        row = Schedule(id=schedule_id, seq=0, server_data=None)
        session.add(row)
    fields = _fields(args)
    changed_rule = any(
        getattr(row, key, None) != fields[key]
        for key in ("every_n", "every_unit", "anchor", "starts_on", "lead_days", "timezone")
    )
    for key, value in fields.items():
        setattr(row, key, value)
    if changed_rule or row.next_due_on is None:
        # Until the server's row comes back: the next date by the same rule, from the day of
        # the save (the server knows which occurrences were made; this device may not).
        when = at or datetime.now(UTC)
        found = next_due_on(rule_of(args), today=local_date(when, fields["timezone"]), last=None)
        row.next_due_on = None if found is None else found.isoformat()
    if at is not None:
        row.updated_at = at
    session.flush()
    return True
