"""A new order made on the desk: every field checked, then ONE local transaction (the
caller's) writes the order under a provisional number with its checklist, queues its
order.create and, when an assignee was chosen, the assign after it. Also the customers and
sites seen before, for the form to offer."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Priority, Role, default_due
from app.domain.rules import judge_create
from app.services.checklist_spec import clean_checklist, clean_item
from app.services.desk_types import KnownPlaces, OrderDraft
from app.services.dispatch import assign, clean_field, queue_new_order
from app.services.types import InvalidInput
from app.services.writes import refused
from app.store.models import Order

__all__ = ["clean_checklist", "clean_item", "clean_site", "create_order", "known_places"]


def clean_site(session: Session, site: Mapping[str, Any]) -> dict[str, Any]:
    clean = clean_field(session, "site", site)
    if (clean["lat"] is None) != (clean["lon"] is None):
        raise InvalidInput("Give the site's latitude and longitude both, or neither.")
    return clean


def create_order(session: Session, draft: OrderDraft, *, user_id: str, role: str, now: datetime) -> str:
    """Check `draft`, make the order here (provisional number until synced) and queue it;
    returns its id. `user_id` and `role` are who creates it (the rulebook's judge_create)."""
    verdict = judge_create(role=role, assigned=draft.assignee_id is not None)
    if not verdict.allowed:
        if role == Role.TECHNICIAN:
            raise refused(verdict, sentence="Only a dispatcher creates an order for someone.")
        raise refused(verdict)
    priority = clean_field(session, "priority", draft.priority)
    due = (
        draft.due_at if draft.due_at is not None else default_due(priority=Priority(priority), created_at=now)
    )
    fields: dict[str, Any] = {
        "title": clean_field(session, "title", draft.title),
        "description": clean_field(session, "description", draft.description),
        "kind": clean_field(session, "kind", draft.kind),
        "priority": priority,
        "customer": clean_field(session, "customer", draft.customer),
        "site": clean_site(session, draft.site),
        "asset": clean_field(session, "asset", draft.asset),
        "due_at": clean_field(session, "due_at", due),
        "requires_signature": clean_field(session, "requires_signature", draft.requires_signature),
    }
    skills = clean_field(session, "required_skills", list(draft.required_skills))
    if skills:  # none: left out, as a server from before required skills takes the create
        fields["required_skills"] = skills
    checklist = [{"id": str(uuid.uuid4()), **item} for item in clean_checklist(draft.checklist)]
    # Checked before anything is queued: a bad choice leaves nothing half made.
    assignee = clean_field(session, "assignee_id", draft.assignee_id)
    entry = queue_new_order(session, fields=fields, checklist=checklist, now=now)
    if assignee is not None:
        assign(session, order_id=uuid.UUID(entry.entity_id), assignee_id=uuid.UUID(assignee), now=now)
    return entry.entity_id


# --- customers and sites seen before --------------------------------------------------------


def _key(*parts: Any) -> tuple[str, ...]:
    return tuple(" ".join(str(p or "").casefold().split()) for p in parts)


def known_places(session: Session) -> KnownPlaces:
    """Customers and sites of the orders on this device, most used first (then by name); for
    each, the details of its latest order (the most recent contact, address, coordinates)."""
    uses: Counter[tuple[str, ...]] = Counter()
    place_uses: Counter[tuple[str, ...]] = Counter()
    customers: dict[tuple[str, ...], tuple[datetime, dict[str, Any]]] = {}
    # A site's details: of its latest order that placed it on a map, else of its latest.
    sites: dict[tuple[str, ...], tuple[tuple[bool, datetime], dict[str, Any]]] = {}
    oldest = datetime.min.replace(tzinfo=UTC)
    rows = session.execute(select(Order.customer, Order.site, Order.created_at, Order.updated_at))
    for customer, site, created, updated in rows:
        at = updated or created or oldest
        customer, site = dict(customer or {}), dict(site or {})
        name = str(customer.get("name") or "").strip()
        if name:
            key = _key(name)
            uses[key] += 1
            if key not in customers or at >= customers[key][0]:
                customers[key] = (at, {"name": name, "contact": customer.get("contact") or None})
        site_name = str(site.get("name") or "").strip()
        if site_name:
            key = _key(site_name, site.get("address"))
            place_uses[key] += 1
            lat, lon = site.get("lat"), site.get("lon")
            rank = (lat is not None and lon is not None, at)
            if key not in sites or rank >= sites[key][0]:
                details = {"name": site_name, "address": site.get("address") or None, "lat": lat, "lon": lon}
                sites[key] = (rank, details)
    return KnownPlaces(
        customers=[customers[k][1] for k in sorted(customers, key=lambda k: (-uses[k], k))],
        sites=[sites[k][1] for k in sorted(sites, key=lambda k: (-place_uses[k], k))],
    )
