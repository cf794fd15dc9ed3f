"""One open live stream, the frames it sends and the protocol's numbers for them
(sync-protocol.md, "Live pokes"); the hub (hub.py) holds the streams of this process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]

# sync-protocol.md: at most one `changed` per 250 ms per stream, a ping every 15 s,
# at most 3 streams per device.
CHANGED_EVERY = 0.25
PING_EVERY = 15.0
STREAMS_PER_DEVICE = 3
# A round asks about this many users in one session; more are split over at most
# CHECKS_AT_ONCE sessions at once.
USERS_PER_SESSION = 16
CHECKS_AT_ONCE = 8
# After a round failed (the database away), the next one is tried this much later.
RETRY_ROUND = 1.0
# Every stream's token is checked this often (seconds): a revoked device loses its stream
# within this, and is never told more than a seq meanwhile.
SWEEP_EVERY = 15.0

PING = b": ping\n\n"


def changed_frame(seq: int) -> bytes:
    # `id` is what an EventSource sends back as Last-Event-ID when it reconnects.
    return f"event: changed\nid: {seq}\ndata: {json.dumps({'seq': seq})}\n\n".encode()


@dataclass(eq=False, slots=True)
class Stream:
    user_id: str
    org_id: str
    dispatch: bool  # a dispatcher's or admin's: their scope is the whole organisation
    device_id: str
    token: str  # digest of the access token it was opened with: revoked, the stream ends
    expires_at: float  # ... and it ends when that token expires (clock seconds)
    told: int  # newest seq it was sent, or what it had seen when it opened
    checked: int  # its user's scope was checked through this seq
    opened_at: float
    due: bool = False  # a commit that may concern it came since: its scope is to be asked
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pending: int = 0  # newest seq to send once the rate limit allows
    last_sent: float = -math.inf  # when the last `changed` went out
    last_write: float = 0.0  # when anything last went out (pings too)
    closed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)


async def wait_for_event(event: asyncio.Event, *, timeout: float | None) -> None:
    """Until `event` is set or `timeout` seconds pass. asyncio.timeout, not wait_for: on
    Python 3.11 wait_for can lose a cancel that arrives as the event fires."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
