"""Assigning in words: who has an order, how loaded and skilled a technician is, why a
suggestion ranks where it does, and where the picker returns to. Pure; the screen is
`app.views.order.assign`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.services.desk_types import Suggestion
from app.services.types import Offers, TechnicianChoice

UNASSIGNED = "Unassigned"


def assignee_text(name: str) -> str:
    return name or UNASSIGNED


def open_today_text(count: int) -> str:
    if count == 0:
        return "No open orders today"
    return "1 open order today" if count == 1 else f"{count} open orders today"


def skills_text(skills: list[str]) -> str:
    # Skills are stored as tags ("fire_safety"); people read words.
    return "Skills: " + ", ".join(s.replace("_", " ") for s in skills) if skills else "No skills listed"


def choice_label(choice: TechnicianChoice) -> str:
    """What a screen reader says for one technician: everything the row shows."""
    words = [choice.display_name, open_today_text(choice.open_today), skills_text(choice.skills)]
    if choice.current:
        words.append("assigned now")
    return ", ".join(words)


def suggestion_label(suggestion: Suggestion, *, has_assignee: bool) -> str:
    """What a screen reader says for one suggestion: its rank, who, why, and what a tap does."""
    choice = suggestion.technician
    words = [f"Suggestion {suggestion.rank}: {choice.display_name}", reasons_text(suggestion)]
    if choice.current:
        words.append("assigned now")
    else:
        words.append("tap to reassign" if has_assignee else "tap to assign")
    return ", ".join(w for w in words if w)


def reasons_text(suggestion: Suggestion) -> str:
    """ "Has gas-safe; 2 open today; 3.4 km away" — the services' reasons as one sentence."""
    text = suggestion.summary
    return text[:1].upper() + text[1:] if text else "No particular reason known"


def back_route(*, number: str, route: str) -> str:
    """Where the assign screen returns: the board when it was opened from there, else the order."""
    if parse_qs(urlsplit(route or "").query).get("from") == ["desk"]:
        return "/desk"
    return f"/orders/{number}"


def assign_button_text(assignee_name: str) -> str:
    return "Reassign" if assignee_name else "Assign a technician"


def asks_before_choosing(offers: Offers, choice: TechnicianChoice, *, has_assignee: bool) -> bool:
    """Reassigning away from someone who has started asks first; a first assignment never does."""
    return offers.reassign_needs_confirmation and has_assignee and not choice.current
