"""Tests that judge "today" run where it is mid-morning, whatever the hour of the run.

The board's lanes and the phone's "Today" hold today's work (app.domain.sla.todays_work:
due before local midnight, overdue, or under way). A test that makes an order due in an
hour and looks for it there fails, whatever the app does, when the run is late in the
evening: the order is due tomorrow. Such a test runs its clients (this process, and the
processes it starts, which inherit TZ) in a POSIX zone where it is about 10:00.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime


def morning_zone(utc_now: datetime) -> str:
    """A POSIX TZ whose local time is about 10:00 at `utc_now`."""
    ahead = (10 - utc_now.hour) % 24
    ahead = ahead - 24 if ahead > 14 else ahead
    return f"ORDO{-ahead:+d}"  # POSIX counts west of Greenwich as positive


@contextmanager
def local_zone(zone: str) -> Iterator[None]:
    """This process's local time zone (and its children's) is `zone` within the block."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
