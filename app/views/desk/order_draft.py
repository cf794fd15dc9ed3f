"""The order form's state as typed, and the one function that turns it into an `OrderDraft`.

Everything stays text until Save (due date, coordinates, limits), so a failed save keeps
exactly what the user typed; `build_draft` says per field what is wrong, in words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain import DEFAULT_DUE, Priority
from app.domain.limits import MAX_ADDRESS, MAX_ASSET, MAX_DESCRIPTION, MAX_NAME, MAX_TITLE
from app.services.desk_types import OrderDraft
from app.views.desk.checklist_rows import Rows, items_from_rows
from app.views.order.checklist import parse_number

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"


@dataclass(frozen=True, slots=True)
class FormState:
    title: str = ""
    description: str = ""
    kind: str = "repair"
    priority: str = Priority.NORMAL.value
    due_date: str = ""  # only read when due_set: otherwise the priority decides
    due_time: str = ""
    due_set: bool = False  # the user chose a due time; until then it follows the priority
    customer_name: str = ""
    customer_contact: str = ""
    site_name: str = ""
    site_address: str = ""
    site_lat: str = ""
    site_lon: str = ""
    asset: str = ""
    requires_signature: bool = False
    assignee: str = ""  # a technician's id, "" for nobody yet
    rows: Rows = ()
    skills: tuple[str, ...] = ()  # required skills, normalized (app.views.desk.skills)


def default_due_at(priority: str, *, now: datetime) -> datetime:
    return now + DEFAULT_DUE[Priority(priority)]


def span_words(span: timedelta) -> str:
    """4 h, 24 h, 3 days, 7 days: how the defaults are said."""
    hours = int(span.total_seconds() // 3600)
    if hours <= 24:
        return "1 hour" if hours == 1 else f"{hours} hours"
    days = hours // 24
    return "1 day" if days == 1 else f"{days} days"


def default_due_words(priority: str) -> str:
    """'Default for urgent: 4 hours from saving'."""
    return f"Default for {priority} priority: {span_words(DEFAULT_DUE[Priority(priority)])} from saving"


def due_fields(at: datetime) -> tuple[str, str]:
    local = at.astimezone()
    return local.strftime(DATE_FORMAT), local.strftime(TIME_FORMAT)


def parse_due(date_text: str, time_text: str) -> datetime:
    """'2025-11-26' and '14:30' (or '14.30', '9:05') in local time; ValueError with words."""
    try:
        day = datetime.strptime(date_text.strip(), DATE_FORMAT).date()
    except ValueError:
        raise ValueError(
            f"Due date “{date_text.strip()}”: write it as year-month-day, e.g. 2025-11-26"
        ) from None
    cleaned = time_text.strip().replace(".", ":") or "00:00"
    try:
        clock = datetime.strptime(cleaned, TIME_FORMAT).time()
    except ValueError:
        raise ValueError(f"Due time “{time_text.strip()}”: write it as hours:minutes, e.g. 14:30") from None
    return datetime.combine(day, clock).astimezone()


def _coordinate(text: str, *, name: str, limit: float) -> tuple[float | None, str]:
    try:
        value = parse_number(text)
    except ValueError:
        return None, f"{name} “{text.strip()}” is not a number (e.g. 51.4545)"
    if value is not None and not -limit <= value <= limit:
        return None, f"{name} must be between -{limit:g} and {limit:g}"
    return (None if value is None else float(value)), ""


def _too_long(errors: dict[str, str], key: str, text: str, *, limit: int, name: str) -> None:
    if len(text) > limit:
        errors[key] = f"The {name} is longer than {limit} characters."


def build_draft(form: FormState) -> tuple[OrderDraft | None, dict[str, str]]:
    """The draft to save, or None and what is wrong: {field: words}; row keys for checklist rows."""
    errors: dict[str, str] = {}
    title = form.title.strip()
    if not title:
        errors["title"] = "Give the order a title: what needs doing, in a few words."
    _too_long(errors, "title", title, limit=MAX_TITLE, name="title")
    _too_long(errors, "description", form.description, limit=MAX_DESCRIPTION, name="description")
    _too_long(errors, "customer", form.customer_name.strip(), limit=MAX_NAME, name="customer's name")
    _too_long(errors, "customer_contact", form.customer_contact.strip(), limit=MAX_ADDRESS, name="contact")
    _too_long(errors, "site", form.site_name.strip(), limit=MAX_NAME, name="site's name")
    _too_long(errors, "site_address", form.site_address.strip(), limit=MAX_ADDRESS, name="address")
    _too_long(errors, "asset", form.asset.strip(), limit=MAX_ASSET, name="asset")
    due_at: datetime | None = None
    if form.due_set:
        try:
            due_at = parse_due(form.due_date, form.due_time)
        except ValueError as err:
            errors["due"] = str(err)
    lat, lat_err = _coordinate(form.site_lat, name="Latitude", limit=90)
    lon, lon_err = _coordinate(form.site_lon, name="Longitude", limit=180)
    if lat_err:
        errors["site_lat"] = lat_err
    if lon_err:
        errors["site_lon"] = lon_err
    if (lat is None) != (lon is None) and not (lat_err or lon_err):
        errors["site_lat"] = "Give both latitude and longitude, or neither."
    items, item_errors = items_from_rows(form.rows)
    errors.update(item_errors)
    if errors:
        return None, errors
    customer = {
        k: v
        for k, v in (("name", form.customer_name.strip()), ("contact", form.customer_contact.strip()))
        if v
    }
    site: dict[str, object] = {
        k: v for k, v in (("name", form.site_name.strip()), ("address", form.site_address.strip())) if v
    }
    if lat is not None and lon is not None:
        site |= {"lat": lat, "lon": lon}
    return (
        OrderDraft(
            title=title,
            description=form.description.strip(),
            kind=form.kind,
            priority=form.priority,
            due_at=due_at,
            customer=customer,
            site=site,
            asset=form.asset.strip() or None,
            requires_signature=form.requires_signature,
            checklist=items,
            assignee_id=uuid.UUID(form.assignee) if form.assignee else None,
            required_skills=tuple(form.skills),
        ),
        {},
    )


def error_summary(errors: dict[str, str]) -> str:
    """One line under the form: how many things to fix, and the first of them."""
    if not errors:
        return ""
    first = next(iter(errors.values()))
    if len(errors) == 1:
        return f"Not saved: {first}"
    return f"Not saved: {len(errors)} things to fix. {first}"
