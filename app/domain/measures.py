"""The facts an order keeps for the dashboard's measures, and the one rule that sets them.

- `first_assigned_at`: when the order first had an assignee. `assigned_at` moves with
  every reassignment (and back to `new` and again), so the time to assign is measured
  from this one, set once and never moved.
- `reopen_count`: how many times a completed order was taken back to work
  (completed -> in_progress); a reopened order is not a first-time fix.
- `follow_up_of`: the order a follow-up was made from (set at creation, never changed).

The server's appliers and the device's optimistic local apply both call these, so a
lone device shows the facts the server will hold.
"""

from __future__ import annotations

from datetime import datetime

from app.domain.states import Status


def first_assigned(
    *, current: datetime | None, assignee_id: str | None, at: datetime | None
) -> datetime | None:
    """`first_assigned_at` after the order's assignee became `assignee_id` at `at`: kept
    when already set (never moved), else `at` when there is now an assignee."""
    if current is not None or assignee_id is None:
        return current
    return at


def is_reopen(*, frm: Status, to: Status) -> bool:
    """Whether the move takes a completed order back to work."""
    return frm is Status.COMPLETED and to is Status.IN_PROGRESS


def reopens_after(*, count: int | None, frm: Status, to: Status) -> int:
    """`reopen_count` after the move `frm` -> `to`."""
    return (count or 0) + (1 if is_reopen(frm=frm, to=to) else 0)
