"""What the `/orders` table asks for: the search words, filters, sorting and page, as plain
data, and the one function that turns them into the services' `OrderQuery`.

Kept apart from the screen so the meaning of each choice ("Overdue", "Due today", "Open")
is one pure function with tests, not something spread over click handlers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.domain import OPEN, Priority, Source, Status
from app.services.desk_types import OrderQuery, SortKey
from app.services.words import STATUS_WORD

PAGE_SIZE = 50
ANY = "any"
OPEN_CHOICE = "open"
UNASSIGNED = "none"

STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    (ANY, "Any status"),
    (OPEN_CHOICE, "Open (not done)"),
    *((s.value, STATUS_WORD[s]) for s in Status),
)
PRIORITY_CHOICES: tuple[tuple[str, str], ...] = (
    (ANY, "Any priority"),
    *(
        (p.value, p.value.capitalize())
        for p in (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
    ),
)
DUE_CHOICES: tuple[tuple[str, str], ...] = (
    (ANY, "Any due time"),
    ("overdue", "Overdue"),
    ("today", "Due today"),
    ("week", "Due in the next 7 days"),
    ("later", "Due after 7 days"),
    ("none", "No due time"),
)
SOURCE_WORD: dict[str, str] = {
    Source.MANUAL.value: "Manual",
    Source.REQUEST.value: "Request",
    Source.ALERT.value: "Alert",
    Source.SCHEDULE.value: "Schedule",
    Source.IMPORT.value: "Import",
}
SOURCE_CHOICES: tuple[tuple[str, str], ...] = ((ANY, "Any source"), *SOURCE_WORD.items())
SORT_WORD: dict[SortKey, str] = {
    SortKey.RELEVANCE: "Best match",
    SortKey.DUE: "Due time",
    SortKey.PRIORITY: "Priority",
    SortKey.NUMBER: "Number",
    SortKey.STATUS: "Status",
    SortKey.UPDATED: "Last changed",
}


@dataclass(frozen=True, slots=True)
class TableAsk:
    """Everything the user has chosen on the table; changing any of it but the page starts
    again at the first page."""

    text: str = ""
    status: str = ANY  # ANY, OPEN_CHOICE or a Status value
    priority: str = ANY
    assignee: str = ANY  # ANY, UNASSIGNED or a technician's id
    due: str = ANY  # a DUE_CHOICES key
    source: str = ANY
    sort: SortKey = SortKey.DUE
    descending: bool = False
    sort_chosen: bool = False  # the user picked a sort; otherwise words sort by best match
    page: int = 0

    @property
    def active_filters(self) -> int:
        return sum(v != ANY for v in (self.status, self.priority, self.assignee, self.due, self.source))

    @property
    def filtered(self) -> bool:
        return self.active_filters > 0

    @property
    def effective_sort(self) -> SortKey:
        """Words without a chosen sort rank by best match; best match without words means due."""
        if self.text.strip() and not self.sort_chosen:
            return SortKey.RELEVANCE
        if self.sort is SortKey.RELEVANCE and not self.text.strip():
            return SortKey.DUE
        return self.sort

    def changed(self, **changes: object) -> TableAsk:
        """A new choice: back to the first page (the old page number means nothing now)."""
        return replace(self, **changes, page=0)  # type: ignore[arg-type]

    def sorted_by(self, key: SortKey) -> TableAsk:
        """A column header clicked: that column ascending, or the other way on a second click."""
        if self.effective_sort is key:
            return replace(self, sort=key, descending=not self.descending, sort_chosen=True, page=0)
        return replace(self, sort=key, descending=False, sort_chosen=True, page=0)

    def cleared(self) -> TableAsk:
        return TableAsk(sort=self.sort, descending=self.descending, sort_chosen=self.sort_chosen)


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def to_query(ask: TableAsk, *, now: datetime) -> OrderQuery:
    """The services' query for what the user chose; `now` is aware (the local zone)."""
    statuses: tuple[Status, ...] = ()
    if ask.status == OPEN_CHOICE:
        statuses = tuple(sorted(OPEN, key=list(Status).index))
    elif ask.status != ANY:
        statuses = (Status(ask.status),)
    due_from: datetime | None = None
    due_to: datetime | None = None
    if ask.due == "overdue":
        due_to = now
        # Overdue means "not done in time": a closed order past its due time is not overdue.
        statuses = (
            tuple(s for s in statuses if s in OPEN)
            if statuses
            else tuple(sorted(OPEN, key=list(Status).index))
        )
    elif ask.due == "today":
        due_from = _start_of_day(now)
        due_to = due_from + timedelta(days=1)
    elif ask.due == "week":
        due_from, due_to = now, now + timedelta(days=7)
    elif ask.due == "later":
        due_from = now + timedelta(days=7)
    assignees: tuple[uuid.UUID | None, ...] = ()
    if ask.assignee == UNASSIGNED:
        assignees = (None,)
    elif ask.assignee != ANY:
        assignees = (uuid.UUID(ask.assignee),)
    return OrderQuery(
        text=ask.text.strip(),
        statuses=statuses,
        priorities=() if ask.priority == ANY else (Priority(ask.priority),),
        assignee_ids=assignees,
        due_from=due_from,
        due_to=due_to,
        sources=() if ask.source == ANY else (ask.source,),
        sort=ask.effective_sort,
        descending=ask.descending,
        limit=PAGE_SIZE,
        offset=ask.page * PAGE_SIZE,
    )


def range_text(*, page: int, shown: int, total: int) -> str:
    """'Showing 51–100 of 312 orders', '1 order', 'No orders'."""
    if total == 0:
        return "No orders"
    if shown >= total and page == 0:
        return "1 order" if total == 1 else f"{total} orders"
    first = page * PAGE_SIZE + 1
    return f"Showing {first}–{first + shown - 1} of {total} orders"


def sort_direction_words(key: SortKey, *, descending: bool) -> str:
    """How the order runs, in words: 'earliest first', 'most urgent first'."""
    words = {
        SortKey.DUE: ("earliest first", "latest first"),
        SortKey.PRIORITY: ("most urgent first", "least urgent first"),
        SortKey.NUMBER: ("lowest first", "highest first"),
        SortKey.STATUS: ("in workflow order", "in reverse workflow order"),
        SortKey.UPDATED: ("oldest change first", "newest change first"),
        SortKey.RELEVANCE: ("best first", "best first"),
    }[key]
    return words[1] if descending else words[0]
