"""Editing an order that exists: the form filled from the services' draft, what the form does
not show carried over untouched, and what changed said in words before Save.

The services send only changed fields (`save_edit`); these helpers make sure a field the user
did not touch reads as unchanged: a due time shown to the minute keeps its seconds, and a
customer's phone the form has no field for stays on the order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from app.services.desk_types import OrderDraft
from app.views.desk.checklist_rows import rows_from_items
from app.views.desk.order_draft import FormState, due_fields

# The form's own keys of the customer and the site; any others ride along unchanged.
_CUSTOMER_KEYS = ("name", "contact")
_SITE_KEYS = ("name", "address", "lat", "lon")
# How each changed field is said, in the form's order.
FIELD_WORDS: tuple[tuple[str, str], ...] = (
    ("title", "title"),
    ("description", "description"),
    ("kind", "kind of work"),
    ("asset", "asset"),
    ("priority", "priority"),
    ("due_at", "due time"),
    ("requires_signature", "signature"),
    ("required_skills", "required skills"),
    ("customer", "customer"),
    ("site", "site"),
    ("checklist", "checklist"),
)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def form_from_draft(draft: OrderDraft) -> FormState:
    """The form as the order is now (its due time set, not following the priority)."""
    due_date, due_time = due_fields(draft.due_at) if draft.due_at is not None else ("", "")
    return FormState(
        title=draft.title,
        description=draft.description,
        kind=draft.kind,
        priority=draft.priority,
        due_date=due_date,
        due_time=due_time,
        due_set=draft.due_at is not None,
        customer_name=_text(draft.customer.get("name")),
        customer_contact=_text(draft.customer.get("contact")),
        site_name=_text(draft.site.get("name")),
        site_address=_text(draft.site.get("address")),
        site_lat=_text(draft.site.get("lat")),
        site_lon=_text(draft.site.get("lon")),
        asset=draft.asset or "",
        requires_signature=draft.requires_signature,
        assignee=str(draft.assignee_id) if draft.assignee_id else "",
        rows=rows_from_items(draft.checklist),
        skills=tuple(draft.required_skills),
    )


def _same_minute(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.replace(second=0, microsecond=0) == b.astimezone(a.tzinfo).replace(second=0, microsecond=0)


def _carried(before: dict[str, Any], shown: tuple[str, ...]) -> dict[str, Any]:
    """What of `before` stays whatever the form says: keys it does not show, and shown keys
    that were empty (the form leaves an empty field out; the order said "none" already)."""
    return {k: v for k, v in before.items() if k not in shown or v is None or v == ""}


def keep_unshown(draft: OrderDraft, *, base: OrderDraft) -> OrderDraft:
    """`draft` (built from the form) with what the form does not show taken from `base`: the
    customer's and site's other keys, the due time's seconds when the minute is the same, and
    the assignee (changed from the order's Assign, not here)."""
    customer = _carried(base.customer, _CUSTOMER_KEYS) | draft.customer
    site = _carried(base.site, _SITE_KEYS) | draft.site
    due_at = base.due_at if _same_minute(draft.due_at, base.due_at) else draft.due_at
    return replace(draft, customer=customer, site=site, due_at=due_at, assignee_id=base.assignee_id)


def changed_fields(base: OrderDraft, draft: OrderDraft) -> list[str]:
    """What `draft` changes of `base`, in words and in the form's order (empty: nothing)."""
    changed: list[str] = []
    for name, words in FIELD_WORDS:
        before, after = getattr(base, name), getattr(draft, name)
        if name == "required_skills":
            before, after = tuple(before), tuple(after)
        if name == "checklist":
            before, after = list(before), list(after)
        if before != after:
            changed.append(words)
    return changed


def changes_text(changed: list[str]) -> str:
    """'Changed: title and required skills.'; 'Nothing changed yet.'"""
    if not changed:
        return "Nothing changed yet."
    if len(changed) == 1:
        return f"Changed: {changed[0]}."
    return f"Changed: {', '.join(changed[:-1])} and {changed[-1]}."
