"""Signing in on a device without its server: how many wrong passwords it takes before the
device's own check locks, and for how long. Pure; the device keeps the count
(app.services.local_signin). The server has its own throttle (sync-protocol: 10 wrong
credentials per username in 15 minutes)."""

from __future__ import annotations

from datetime import timedelta

# Wrong passwords allowed before the first lock: a typo or two in gloves, not a guessing run.
FREE_TRIES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(minutes=30)


def local_lock(failures: int) -> timedelta | None:
    """How long the device refuses to check a password after `failures` wrong ones in a row:
    nothing for the first few, then a minute, doubling with each further miss, at most half
    an hour (the verifier is a slow hash, so guessing is slow even between locks)."""
    if failures < FREE_TRIES:
        return None
    return min(LONGEST_LOCK, FIRST_LOCK * 2 ** (failures - FREE_TRIES))
