"""The desk's schedule services, mixed into `Ordo`: thin shells over app.services.schedules
(who is signed in, one local read or transaction, then a poke of the sync worker)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.services import picker, schedules
from app.services.schedules import ScheduleDraft, ScheduleView
from app.services.types import CurrentUser

if TYPE_CHECKING:
    from app.store import LocalStore


@dataclass(frozen=True, slots=True)
class TechnicianName:
    id: str
    name: str


class ScheduleApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _clock: Callable[[], datetime]

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _poke_and_notify(self) -> None:
        raise NotImplementedError

    def list_schedules(self) -> list[ScheduleView]:
        self._who()
        with self._store.read() as s:
            return schedules.list_schedules(s)

    def schedule_technicians(self) -> list[TechnicianName]:
        """Who may be a schedule's default technician (active technicians), by name."""
        self._who()
        with self._store.read() as s:
            people = [
                TechnicianName(id=u.id, name=u.display_name or u.username)
                for u in picker.active_technicians(s)
            ]
        return sorted(people, key=lambda t: t.name.casefold())

    def save_schedule(self, schedule_id: uuid.UUID | None, draft: ScheduleDraft) -> ScheduleView:
        user = self._who()
        with self._store.transaction() as s:
            saved = schedules.save_schedule(
                s, schedule_id=schedule_id, draft=draft, role=user.role, now=self._clock()
            )
        self._poke_and_notify()
        return saved

    def pause_schedule(self, schedule_id: uuid.UUID, *, paused: bool) -> ScheduleView:
        user = self._who()
        with self._store.transaction() as s:
            saved = schedules.set_paused(
                s, schedule_id=schedule_id, paused=paused, role=user.role, now=self._clock()
            )
        self._poke_and_notify()
        return saved
