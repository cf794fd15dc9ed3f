"""The work clock's rules: which kind of time an order's state runs, how a stopped clock
becomes time logs, and which logs of one person overlap. Pure; the device's services keep
the running clock (app.services.timer), the server flags overlaps it receives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.states import Status


class TimeKind(StrEnum):
    TRAVEL = "travel"
    WORK = "work"
    BREAK = "break"


# One time log is at most a day long (the server's limit, and a clock left running overnight
# is still written: as several logs, never dropped).
MAX_LOG = timedelta(hours=24)
# Shorter than this is a tap on Start and Stop, not time worked: nothing is written.
LEAST_LOG = timedelta(seconds=1)

# The state that runs the clock, and the kind of time it counts.
_RUNS: dict[Status, TimeKind] = {Status.EN_ROUTE: TimeKind.TRAVEL, Status.IN_PROGRESS: TimeKind.WORK}


def clock_kind(status: Status) -> TimeKind | None:
    """What the clock counts while an order is in `status`: travel on the road, work on site;
    None where it does not run (on hold, completed, ...)."""
    return _RUNS.get(status)


def closed_spans(*, started_at: datetime, ended_at: datetime) -> list[tuple[datetime, datetime]]:
    """The logs a clock stopped at `ended_at` writes: one per day at most, none when it ran
    under a second (or the device's clock went back)."""
    if ended_at - started_at < LEAST_LOG:
        return []
    spans: list[tuple[datetime, datetime]] = []
    start = started_at
    while ended_at - start > MAX_LOG:
        spans.append((start, start + MAX_LOG))
        start += MAX_LOG
    spans.append((start, ended_at))
    return spans


@dataclass(frozen=True, slots=True)
class Span:
    id: str
    user_id: str
    started_at: datetime
    ended_at: datetime


def overlapping(spans: Iterable[Span]) -> set[str]:
    """Ids of the spans that overlap another of the same person (touching ends do not): one
    person cannot work twice at once, so such logs are flagged, never dropped."""
    by_user: dict[str, list[Span]] = {}
    for span in spans:
        by_user.setdefault(span.user_id, []).append(span)
    flagged: set[str] = set()
    for own in by_user.values():
        own.sort(key=lambda s: s.started_at)
        latest: Span | None = None  # the span reaching furthest so far
        for span in own:
            if latest is not None and span.started_at < latest.ended_at:
                flagged.update((span.id, latest.id))
            if latest is None or span.ended_at > latest.ended_at:
                latest = span
    return flagged
