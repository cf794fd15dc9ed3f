"""Races the sync model makes on purpose, mixed into SyncModel like the photo rules.

The random rules meet these only by luck: two people must decide the same conflict before
either hears of the other. Each rule here sets its race up in full, then lets it run.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from hypothesis.stateful import rule
from servicekit import conflicts_of
from sqlalchemy import select

from app.domain.rules import TECHNICIAN_CONFLICTS
from server_stub import models as srv

from .world import TECHS, USERS

if TYPE_CHECKING:
    from .world import Device, World


class RaceRules:
    """The host class is SyncModel (world, dev, _order, _write, sync)."""

    world: World
    events: set[str]

    def _newest_lost(self, *, order_id: str, username: str) -> str | None:
        """The id of the newest open conflict on the order that `username` lost and may
        settle as well as the dispatcher."""
        with self.world.db.read() as s:
            rows = s.scalars(
                select(srv.Conflict)
                .where(
                    srv.Conflict.order_id == order_id,
                    srv.Conflict.user_id == self.world.users[username],
                    srv.Conflict.status == "open",
                )
                .order_by(srv.Conflict.seq.desc())
            )
            return next((c.id for c in rows if (c.entity, c.field) in TECHNICIAN_CONFLICTS), None)

    @rule(n=st.integers(0, len(TECHS) - 1), pick=st.integers(0, 50))
    def settle_twice(self, n: int, pick: int) -> None:
        """A technician logs two overlapping stretches of work; then they keep theirs while
        the dispatcher, not knowing, voids it: the decision that arrives second is refused
        (already resolved), and the desk shows the log again."""
        desk_n = USERS.index("disp")
        tech, desk = self.dev(n), self.dev(desk_n)
        order = self._order(tech, pick)
        if order is None:
            return
        end = self.world.clock() - timedelta(minutes=pick)
        for start, stop in ((90, 40), (60, 0)):  # a half-hour overlap
            at = (end - timedelta(minutes=start), end - timedelta(minutes=stop))
            self._write(
                tech, tech.ordo.log_time, uuid.UUID(order.id), kind="work", started_at=at[0], ended_at=at[1]
            )
        for who in (n, desk_n):
            self.sync(who, 0.0, 0)  # the overlap is flagged, and both hear of it
        conflict_id = self._newest_lost(order_id=order.id, username=tech.username)
        if conflict_id is None:
            return  # refused on the device (the order is closed), or held up on the way
        if not all(_open_for(device, order_id=order.id, conflict_id=conflict_id) for device in (tech, desk)):
            return  # not pulled (a held request came late)
        for device, choice in ((tech, "mine"), (desk, "theirs")):
            self._write(device, device.ordo.resolve_conflict, uuid.UUID(conflict_id), choice=choice)
        for who in (n, desk_n):
            self.sync(who, 0.0, 0)
        self.events.add("settled_twice")


def _open_for(device: Device, *, order_id: str, conflict_id: str) -> bool:
    """Whether `device` shows the conflict open, for its user to settle there and now."""
    return any(
        str(c.id) == conflict_id and c.status == "open" and c.may_resolve and not c.pending
        for c in conflicts_of(device.ordo, uuid.UUID(order_id))
    )
