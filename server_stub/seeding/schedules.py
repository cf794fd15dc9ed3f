"""The demo organisation's preventive maintenance: two schedules, so `/schedules` has
something to show. Their first dates lie beyond their lead time from `now`, so seeding
(and a server started on the seeded data) makes no order from them at once: the demo's
order counts stay what they were.

Ids are name-based (`ordo-demo:schedule:<name>`), so other seeders can refer to them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.schedules import local_date
from server_stub.db import next_seq
from server_stub.models import Schedule, User
from server_stub.seeding.data import SITES, TEMPLATES
from server_stub.timeutil import to_db

ZONE = "Europe/London"  # the demo's sites are in Bristol


def schedule_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ordo-demo:schedule:{name}"))


def _checklist(template_name: str) -> list[dict[str, object]]:
    _, _, _, items = next(t for t in TEMPLATES if t[0] == template_name)
    return [
        {
            "position": n,
            "label": label,
            "kind": kind.value,
            "required": required,
            "unit": unit,
            "min": low,
            "max": high,
        }
        for n, (label, kind, required, unit, low, high) in enumerate(items, start=1)
    ]


def seed_schedules(session: Session, *, org_id: str, technicians: list[User], now: datetime) -> int:
    today = local_date(now, ZONE)
    at = to_db(now)
    boiler = {
        "title": "Quarterly boiler service",
        "description": "Service both boilers; record the flue gas readings.",
        "kind": "maintenance",
        "priority": "normal",
        "requires_signature": True,
        "checklist": _checklist("Boiler service"),
    }
    fire = {
        "title": "Fortnightly fire alarm test",
        "description": "",
        "kind": "inspection",
        "priority": "high",
        "requires_signature": False,
        "checklist": [],
    }
    rows = [
        # (name, site, asset, every, anchor, starts in days, lead days, template, assignee, paused)
        ("Boiler service, Harbour View", SITES[0], "BOILER-HV-1", {"n": 3, "unit": "month"}, "fixed", 21, 7,
         boiler, technicians[0].id, False),
        ("Fire alarm test, Riverside School", SITES[3], "FIRE-PANEL-RS", {"n": 2, "unit": "week"},
         "completion", 10, 3, fire, None, True),
    ]  # fmt: skip
    for name, site, asset, every, anchor, starts_in, lead, template, assignee, paused in rows:
        starts_on = (today + timedelta(days=starts_in)).isoformat()
        session.add(
            Schedule(
                id=schedule_id(name), org_id=org_id, name=name, site=dict(site), asset=asset, every=every,
                anchor=anchor, starts_on=starts_on, lead_days=lead, template=template, assignee_id=assignee,
                paused=paused, next_due_on=starts_on, timezone=ZONE, saved_at=at, updated_at=at,
                updated_by=None, seq=next_seq(session),
            )
        )  # fmt: skip
    session.flush()
    return len(rows)
