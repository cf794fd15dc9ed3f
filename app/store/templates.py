"""Checklist templates on this device: who may save them, and a save's local effect
(shown at once, over the server's copy, until the server's row comes back in a pull)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain import Role
from app.domain.protocol import MutationType
from app.domain.rules import Relation, Verdict, access, is_dispatcher
from app.store.access import device_user
from app.store.models import Template


def judge_org_save(mutation: MutationType, *, role: Role | str | None) -> Verdict:
    """What belongs to the organisation (templates, schedules) has no order to stand to: a
    dispatcher or admin stands to it as to every order of the organisation, anyone else as a
    technician without a tie to it."""
    relation = Relation.DISPATCH if is_dispatcher(role) else Relation.OTHER_TECHNICIAN
    return access(mutation, relation)


def judge_template_save(*, role: Role | str | None) -> Verdict:
    return judge_org_save(MutationType.TEMPLATE_SAVE, role=role)


def apply_template_save(
    session: Session, template_id: str, args: dict[str, Any], *, at: datetime | None
) -> bool:
    """Write a queued template.save over the local row; False when the rulebook says the
    server will refuse it (nothing is shown then)."""
    if not judge_template_save(role=device_user(session).role).allowed:
        return False
    template = session.get(Template, template_id)
    if template is None:
        template = Template(id=template_id, seq=0, server_data=None)
        session.add(template)
    template.name = str(args.get("name") or "")
    template.kind = str(args.get("kind") or "repair")
    template.items = [dict(item) for item in args.get("items") or []]
    template.archived = bool(args.get("archived", False))
    if at is not None:
        template.updated_at = at
    session.flush()
    return True
