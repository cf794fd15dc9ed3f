"""The assignee picker's data: the organisation's active technicians, with how loaded each
is today, from the local store (a dispatcher's device holds every order of the organisation)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import OPEN, Role
from app.domain.rules import is_dispatcher
from app.domain.sla import todays_work
from app.domain.suggest import normalize_skill
from app.services.types import InvalidInput, TechnicianChoice
from app.services.writes import order_on_device
from app.store.access import device_user
from app.store.models import Order, User


def open_today(session: Session, *, now: datetime) -> Counter[str]:
    """Open orders per assignee that are due today (in `now`'s zone) or overdue, or under way
    (app.domain.sla.todays_work: the same count as the board's lanes)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    rows = session.execute(
        select(Order.assignee_id, Order.status, Order.due_at).where(
            Order.assignee_id.is_not(None), Order.status.in_([s.value for s in OPEN])
        )
    )
    return Counter(who for who, status, due in rows if todays_work(status=status, due_at=due, now=now))


def active_technicians(session: Session) -> list[User]:
    """The organisation's technicians who may be given work (the picker's and the board's)."""
    stmt = select(User).where(User.role == Role.TECHNICIAN.value, User.active.is_(True))
    return list(session.scalars(stmt))


def skills_of(user: User) -> list[str]:
    return [str(skill) for skill in (user.skills or []) if str(skill).strip()]


def known_skills(session: Session) -> list[str]:
    """Skills to offer an order's form: those of active technicians and those orders on this
    device already require, as tags (normalised: one spelling each), sorted."""
    tags = {normalize_skill(skill) for user in active_technicians(session) for skill in skills_of(user)}
    for required in session.scalars(select(Order.required_skills)):
        tags.update(normalize_skill(str(skill)) for skill in required or [])
    tags.discard("")
    return sorted(tags)


def _matches(user: User, words: list[str]) -> bool:
    """Every word of the query is in the name, the username or one of the skills."""
    haystack = [
        user.display_name.casefold(),
        user.username.casefold(),
        *(s.casefold() for s in skills_of(user)),
    ]
    return all(any(word in text for text in haystack) for word in words)


def technicians(
    session: Session, *, order_id: uuid.UUID, query: str, now: datetime
) -> list[TechnicianChoice]:
    """Active technicians matching `query`, fewest open orders today first, then by name."""
    if not is_dispatcher(device_user(session).role):
        raise InvalidInput("Only a dispatcher assigns orders.")
    order = order_on_device(session, order_id)
    load = open_today(session, now=now)
    words = query.casefold().split()
    choices = [
        TechnicianChoice(
            id=uuid.UUID(u.id),
            username=u.username,
            display_name=u.display_name or u.username,
            skills=skills_of(u),
            open_today=load[u.id],
            current=u.id == order.assignee_id,
        )
        for u in active_technicians(session)
        if _matches(u, words)
    ]
    choices.sort(key=lambda c: (c.open_today, c.display_name.casefold(), c.username))
    return choices
