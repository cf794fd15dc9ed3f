"""The order history in words: what a pushed mutation's args said (`brief`, kept in its
ledger row when it is applied or refused) and the one-line summary of each entry.

Summaries are made when the history is read, not when the change is written, so names
(an assignee's display name, a checklist item's label) and wording can improve without
touching stored rows. The args are the device's, so `brief` keeps only a few keys of
the expected types, shortened: a malformed mutation is described as well as it can be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.protocol import MutationType, ResultStatus
from app.domain.skills import skills_words
from server_stub.timeutil import parse_wire

T = MutationType
_TEXT = 120  # characters of free text kept for a summary
_SHOWN = 40  # characters of a value shown in a summary

_BRIEF_KEYS: dict[str, tuple[str, ...]] = {
    T.ORDER_CREATE: ("title", "source", "assignee_id"),
    T.ORDER_TRANSITION: ("from", "to", "reason"),
    T.CHECKLIST_SET: ("item_id", "value", "done"),
    T.PHOTO_ADD: ("caption",),
    T.TIME_ADD: ("kind", "started_at", "ended_at"),
    T.PART_USE: ("sku", "quantity"),
    T.SIGNATURE_ADD: ("signer_name",),
    T.ENTRY_VOID: ("entity", "reason"),
    T.CONFLICT_RESOLVE: ("conflict_id", "choice"),
}


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= _TEXT else value[: _TEXT - 1] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return None  # lists and objects are not kept


def brief(mutation_type: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The few keys of `args` a summary needs."""
    if mutation_type == T.ORDER_UPDATE:
        fields = args.get("fields")
        names = sorted(str(name)[:64] for name in fields)[:20] if isinstance(fields, dict) else []
        return {"fields": names}
    return {key: _scalar(args[key]) for key in _BRIEF_KEYS.get(mutation_type, ()) if key in args}


# --- summaries ----------------------------------------------------------------------

FIELD_WORDS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "kind": "Kind",
    "priority": "Priority",
    "status": "Status",
    "assignee_id": "Assignee",
    "site": "Site",
    "customer": "Customer",
    "asset": "Asset",
    "due_at": "Due",
    "requires_signature": "Signature",
    "checklist": "Checklist",
    "required_skills": "Required skills",
    "voided": "Voided",
}

_MOVES: dict[str, str] = {
    "assigned": "Back to assigned",
    "new": "Unassigned",
    "en_route": "On the way",
    "in_progress": "Started work",
    "on_hold": "Put on hold",
    "completed": "Completed",
    "cannot_complete": "Could not complete",
    "closed": "Closed",
    "cancelled": "Cancelled",
}

_ENTRIES = {"note": "Note", "photo": "Photo", "time_log": "Time entry", "part_usage": "Part used"}
_CHOICES = {"mine": "kept the sent value", "theirs": "kept the value held", "value": "set a new value"}


def _words(value: Any) -> str:
    """A stored value for people: a status or priority word, a place's name, a time."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _words(value.get("name") or None)
    if isinstance(value, list):
        return f"{len(value)} items"
    text = str(value)
    if len(text) == 20 and text[10] == "T" and text.endswith("Z"):  # a wire time
        text = f"{text[:10]} {text[11:16]}"
    text = text.replace("_", " ")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _who(user_id: Any, names: Mapping[str, str]) -> str:
    return names.get(str(user_id), "someone") if user_id else "nobody"


def _field(name: str, before: Any, after: Any, names: Mapping[str, str]) -> str:
    if name == "assignee_id":
        if after is None:
            return f"Unassigned from {_who(before, names)}"
        if before is None:
            return f"Assigned to {_who(after, names)}"
        return f"Reassigned from {_who(before, names)} to {_who(after, names)}"
    if name == "description":
        return "Description changed"
    if name == "requires_signature":
        return "Signature required" if after else "Signature no longer required"
    if name == "checklist":
        return f"Checklist: {len(before or [])} → {len(after or [])} items"
    if name == "required_skills":
        # The new set in full: what a dispatcher checks the assignee against.
        return f"Required skills: {skills_words(after if isinstance(after, list) else [])}"
    if name.startswith("checklist: "):
        return f"{name[len('checklist: ') :]}: {_words(before)} → {_words(after)}"
    return f"{FIELD_WORDS.get(name, name)}: {_words(before)} → {_words(after)}"


def _move(b: Mapping[str, Any]) -> str:
    to, frm = b.get("to"), b.get("from")
    words = _MOVES.get(str(to), f"Moved to {_words(to)}")
    if to == "in_progress" and frm == "completed":
        words = "Reopened"
    elif to == "in_progress" and frm == "on_hold":
        words = "Resumed work"
    reason = b.get("reason")
    return f"{words}: {reason}" if isinstance(reason, str) and reason.strip() else words


def _minutes(b: Mapping[str, Any]) -> str:
    try:
        minutes = round((parse_wire(b["ended_at"]) - parse_wire(b["started_at"])).total_seconds() / 60)
    except (KeyError, TypeError, ValueError):
        return f"Logged {_words(b.get('kind') or 'time')}"
    return f"Logged {minutes} min of {_words(b.get('kind') or 'work')}"


def summary(
    mutation_type: str,
    *,
    result: str,
    brief: Mapping[str, Any],
    fields: Mapping[str, list[Any]],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    conflict_fields: Mapping[str, str],
) -> str:
    """One line for people. `names`: user id -> display name; `labels`: checklist item id
    -> label; `conflict_fields`: conflict id -> the field it was about."""
    written = {name: _field(name, before, after, names) for name, (before, after) in fields.items()}
    if mutation_type == T.ORDER_UPDATE:
        # Assigning moves the status too: the assignee's words say it.
        parts = [w for name, w in written.items() if name != "status" or "assignee_id" not in written]
        sent = brief.get("fields")
        unwritten = ", ".join(FIELD_WORDS.get(n, n).lower() for n in sent or [] if n not in written)
        if result == ResultStatus.CONFLICT:
            parts.append(f"Proposed {unwritten or 'a change'} (kept for a dispatcher)")
        elif unwritten and not parts:
            parts.append(
                f"Change to {unwritten}" if result == ResultStatus.REJECTED else f"No change to {unwritten}"
            )
        return "; ".join(parts) or "Order changed"  # (rows older than the history's details)
    if mutation_type == T.ORDER_TRANSITION:
        return _move(brief)
    if mutation_type == T.ORDER_CREATE:
        return "Created and assigned" if brief.get("assignee_id") else "Created"
    if mutation_type == T.CHECKLIST_SET:
        label = labels.get(str(brief.get("item_id")), "a checklist item")
        value, done = brief.get("value"), brief.get("done")
        if value is None or isinstance(value, bool):
            return f"Ticked: {label}" if done else f"Unticked: {label}"
        return f"{label}: {_words(value)}"
    if mutation_type == T.ENTRY_VOID:
        entry = _ENTRIES.get(str(brief.get("entity")), "Entry")
        reason = brief.get("reason")
        return f"{entry} voided: {reason}" if isinstance(reason, str) and reason else f"{entry} voided"
    if mutation_type == T.CONFLICT_RESOLVE:
        about = conflict_fields.get(str(brief.get("conflict_id")))
        what = f"Conflict over {FIELD_WORDS.get(about, about).lower()}" if about else "Conflict"
        return f"{what} resolved: {_CHOICES.get(str(brief.get('choice')), 'decided')}"
    simple = {
        T.NOTE_ADD: "Note added",
        T.PHOTO_ADD: "Photo added",
        T.SIGNATURE_ADD: f"Signed by {brief.get('signer_name') or 'the customer'}",
        T.PART_USE: f"Used {_words(brief.get('quantity'))} × {brief.get('sku') or 'a part'}",
    }
    if mutation_type in simple:
        return simple[mutation_type]
    if mutation_type == T.TIME_ADD:
        return _minutes(brief)
    return "; ".join(written.values()) or mutation_type
