"""The order history in words, for the history screen and the desk's evidence: values as
people read them (never JSON), who did it, when and where, how it ended, and why a copy is old.

Pure functions, no Flet: tested in tests/views/test_desk_close_views.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.domain import Status
from app.services.desk_types import HistoryEntry, HistoryView
from app.views.order.checklist import number_text
from app.views.shared.theme import STATUS_WORD

# How each change ended, in words (the screen adds an icon and a colour, never colour alone).
RESULT_WORD: dict[str, str] = {
    "applied": "Applied",
    "merged": "Merged",
    "conflict": "Conflict: kept for a decision",
    "rejected": "Refused",
    "unsent": "Not sent yet",
}

ARROW = "→"

_FIELD_WORD = {
    "assignee_id": "Assignee",
    "due_at": "Due",
    "requires_signature": "Signature required",
    "status_reason": "Reason",
    "value": "Value",
}


def when_text(at: datetime | None, *, now: datetime | None = None) -> str:
    """'25 Nov 14:02' this year, '25 Nov 2025 14:02' otherwise, in local time."""
    if at is None:
        return "—"
    local = at.astimezone()
    year = (now or datetime.now().astimezone()).year
    return f"{local:%d %b %H:%M}" if local.year == year else f"{local:%d %b %Y %H:%M}"


def field_word(name: str) -> str:
    word = _FIELD_WORD.get(name) or name.replace("_", " ")
    return word[:1].upper() + word[1:]


def _as_time(text: str) -> datetime | None:
    if len(text) < 16 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def value_words(name: str, value: Any, *, names: Mapping[str, str] | None = None) -> str:
    """One field value as people read it: statuses and priorities as words, times local, places
    by name, people by name where known; never JSON."""
    if value is None or value == "":
        return "none" if name == "assignee_id" else "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, dict):
        parts = [str(value[k]) for k in ("name", "address", "contact") if value.get(k)]
        return ", ".join(parts) or "—"
    if isinstance(value, list | tuple):
        return "1 item" if len(value) == 1 else f"{len(value)} items"
    text = str(value)
    if text in ("pass", "fail"):  # a pass/fail checklist item
        return text.capitalize()
    if names and text in names:
        return names[text]
    if name == "status":
        try:
            return STATUS_WORD[Status(text)]
        except ValueError:
            return text
    if name in ("priority", "kind", "source"):
        return text.capitalize()
    moment = _as_time(text)
    if moment is not None:
        return when_text(moment)
    if name == "assignee_id":
        try:
            uuid.UUID(text)
            return "someone not on this device"
        except ValueError:
            return text
    return text if len(text) <= 120 else text[:117] + "…"


def change_lines(entry: HistoryEntry, *, names: Mapping[str, str] | None = None) -> list[str]:
    """'Priority: Normal → Urgent', one a field."""
    lines = []
    for name, (before, after) in entry.fields.items():
        # A reading's first value after "not done" (False): the before is nothing, not "No".
        if isinstance(before, bool) and not isinstance(after, bool | None):
            before = None
        was, now = value_words(name, before, names=names), value_words(name, after, names=names)
        lines.append(f"{field_word(name)}: {was} {ARROW} {now}")
    return lines


def result_key(entry: HistoryEntry) -> str:
    return "unsent" if entry.unsent else entry.result


def result_word(entry: HistoryEntry) -> str:
    return RESULT_WORD.get(result_key(entry), entry.result.capitalize())


def device_text(device: str) -> str:
    """'this device' and 'device 3f2a…' as the services say them; a bare id gets the word."""
    return device if device.startswith(("this", "device", "Device")) else f"device {device}"


def byline(entry: HistoryEntry) -> str:
    """'Alex Novak · 25 Nov 14:02 · device 3f2a'."""
    parts = [entry.who or "Someone", when_text(entry.at)]
    if entry.device:
        parts.append(device_text(entry.device))
    return " · ".join(parts)


def spoken(text: str) -> str:
    """'Priority: Normal → Urgent' as said aloud: 'Priority: Normal to Urgent'."""
    return text.replace(f" {ARROW} ", " to ").replace(ARROW, " to ")


def entry_label(entry: HistoryEntry, *, position: int, names: Mapping[str, str] | None = None) -> str:
    """What a screen reader (and a test) hears for one entry."""
    words = [f"{position}. {entry.summary}", byline(entry), result_word(entry)]
    words += change_lines(entry, names=names)
    return spoken(". ".join(w for w in words if w))


def stale_text(view: HistoryView, *, offline: bool = False) -> str:
    """Why the screen shows an old copy ('' when it was fetched just now). Offline is a normal
    state and is said calmly; otherwise the services' reason (a server without the history)."""
    if view.live:
        return ""
    if view.message and not offline:
        return view.message
    if view.fetched_at is None:
        words = "the history has not been fetched on this device yet: only its unsent changes show."
    else:
        words = f"showing the copy fetched {when_text(view.fetched_at)}, plus this device's unsent changes."
    return f"Offline: {words}" if offline else words[:1].upper() + words[1:]
