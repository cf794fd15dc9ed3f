"""What a customer is told about their order (sync-protocol.md, "Customer status links" and
"Reports"): the states in a customer's words, and when the completion report exists.

Pure, beside the states (app.domain.states): the server's status page and PDF read their
words here, and the desk asks `report_ready` before it offers the download.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote, urlencode

from app.domain.states import Status


class Stage(StrEnum):
    """Where the job stands, as a customer sees it: fewer steps than the states, no jargon."""

    RECEIVED = "received"
    SCHEDULED = "scheduled"
    ON_THE_WAY = "on_the_way"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    CANCELLED = "cancelled"


STAGE_WORDS: Mapping[Stage, str] = {
    Stage.RECEIVED: "Received",
    Stage.SCHEDULED: "Scheduled",
    Stage.ON_THE_WAY: "Technician on the way",
    Stage.IN_PROGRESS: "Work in progress",
    Stage.ON_HOLD: "On hold",
    Stage.COMPLETED: "Completed",
    Stage.NOT_COMPLETED: "Could not be completed",
    Stage.CANCELLED: "Cancelled",
}

# One sentence under the status word: what it means for the customer, what comes next.
STAGE_SENTENCES: Mapping[Stage, str] = {
    Stage.RECEIVED: "We have your request and will schedule a technician.",
    Stage.SCHEDULED: "A technician is booked for this job.",
    Stage.ON_THE_WAY: "Your technician is travelling to you now.",
    Stage.IN_PROGRESS: "Your technician is working on the job.",
    Stage.ON_HOLD: "The work is paused for now; we will be in touch.",
    Stage.COMPLETED: "The work is done.",
    Stage.NOT_COMPLETED: "The work could not be finished on this visit; we will be in touch.",
    Stage.CANCELLED: "This job was cancelled.",
}

# The order of the steps a customer follows (the page shows where the job is among them).
PROGRESS: tuple[Stage, ...] = (
    Stage.RECEIVED,
    Stage.SCHEDULED,
    Stage.ON_THE_WAY,
    Stage.IN_PROGRESS,
    Stage.COMPLETED,
)

_BY_STATUS: Mapping[Status, Stage] = {
    Status.NEW: Stage.RECEIVED,
    Status.ASSIGNED: Stage.SCHEDULED,
    Status.EN_ROUTE: Stage.ON_THE_WAY,
    Status.IN_PROGRESS: Stage.IN_PROGRESS,
    Status.ON_HOLD: Stage.ON_HOLD,
    Status.COMPLETED: Stage.COMPLETED,
    Status.CANNOT_COMPLETE: Stage.NOT_COMPLETED,
    Status.CANCELLED: Stage.CANCELLED,
}


def completed_last(*, completed_at: datetime | None, cannot_complete_at: datetime | None) -> bool:
    """Whether the work's last outcome was a completion (not a "cannot complete" after it)."""
    if completed_at is None:
        return False
    return cannot_complete_at is None or completed_at >= cannot_complete_at


def stage_of(
    status: Status, *, completed_at: datetime | None = None, cannot_complete_at: datetime | None = None
) -> Stage:
    """The customer's stage of an order. A closed order is filed away: the customer reads how
    the work ended (completed, or could not be completed)."""
    if status is Status.CLOSED:
        done = completed_last(completed_at=completed_at, cannot_complete_at=cannot_complete_at)
        return Stage.COMPLETED if done else Stage.NOT_COMPLETED
    return _BY_STATUS[status]


def report_ready(
    status: Status, *, completed_at: datetime | None, cannot_complete_at: datetime | None
) -> bool:
    """The completion report exists for a completed order, and for a closed one whose work was
    completed; not before (409 `not_completed`), nor after a reopen until it completes again."""
    return stage_of(status, completed_at=completed_at, cannot_complete_at=cannot_complete_at) is (
        Stage.COMPLETED
    )


def first_name(display_name: str | None) -> str:
    """The technician as the customer reads them: the first word of their name only."""
    words = (display_name or "").split()
    return words[0] if words else ""


# A customer contact is free text ("Pat, 0151 …", "pat@example.com"): an address is taken
# from it only when one is plainly there; otherwise the mail opens with no recipient.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def status_mail(*, url: str, number: str, title: str, contact: str | None) -> str:
    """A `mailto:` link with the status link in a short message, to the contact's email
    address when the contact holds one: the desk's "Send by email"."""
    found = _EMAIL.search(contact or "")
    to = found.group(0) if found else ""
    subject = f"Your job {number}: {title}"
    body = (
        f"Hello,\n\nYou can follow your job {number} ({title}) here, with no sign-in:\n{url}\n\n"
        "The page shows where the job stands, and the report once the work is done."
    )
    query = urlencode({"subject": subject, "body": body}, quote_via=quote)
    return f"mailto:{quote(to, safe='@')}?{query}"
