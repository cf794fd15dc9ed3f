"""Time in words, wherever it is shown: a log's line, an order's totals, a running clock.
Pure; the technician's time section (app.views.field.time_logs) and the desk's evidence
(app.views.desk.evidence) draw them."""

from __future__ import annotations

from datetime import timedelta

from app.services.types import TimeLogView

TIME_WORD = {"travel": "Travel", "work": "Work", "break": "Break"}


def duration_text(span: timedelta) -> str:
    """'1 h 30 min', '45 min', '2 h', 'under 1 min'; never negative."""
    minutes = max(0, round(span.total_seconds() / 60))
    if minutes == 0 and span.total_seconds() > 0:
        return "under 1 min"  # a short stretch is still time, not nothing
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def time_totals(logs: list[TimeLogView]) -> str:
    """'Work 1 h 30 min · Travel 20 min', in the order people think of them."""
    totals: dict[str, timedelta] = {}
    for log in logs:
        totals[log.kind] = totals.get(log.kind, timedelta()) + (log.ended_at - log.started_at)
    order = [k for k in ("work", "travel", "break") if k in totals] + sorted(
        k for k in totals if k not in TIME_WORD
    )
    return " · ".join(f"{TIME_WORD.get(k, k.capitalize())} {duration_text(totals[k])}" for k in order)


def time_line(log: TimeLogView) -> str:
    """'Work · 25 Nov 09:00–10:30 · 1 h 30 min · Alex Novak'."""
    start, end = log.started_at.astimezone(), log.ended_at.astimezone()
    span = (
        f"{start:%d %b %H:%M}–{end:%H:%M}"
        if start.date() == end.date()
        else f"{start:%d %b %H:%M}–{end:%d %b %H:%M}"
    )
    return " · ".join(
        [
            TIME_WORD.get(log.kind, log.kind.capitalize()),
            span,
            duration_text(end - start),
            log.user_name or "Someone",
        ]
    )


def time_words(logs: list[TimeLogView]) -> str:
    if not logs:
        return "No time logged."
    return ". ".join([time_totals(logs), *(time_line(log) for log in logs)])


def clock_text(elapsed: timedelta) -> str:
    """A running clock: '0:07:05', '12:30:00'; never negative."""
    seconds = max(0, int(elapsed.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def clock_words(*, kind: str, elapsed: timedelta) -> str:
    """What a screen reader says of the running clock: 'Work clock running, 1:05:09'."""
    return f"{TIME_WORD.get(kind, kind.capitalize())} clock running, {clock_text(elapsed)}"
