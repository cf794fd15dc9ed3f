"""Runs the generator in a server process every `every` seconds (0: never), from the app's
lifespan. Each run asks the server's clock for the time, so tests move a FakeClock and
call `run_once` rather than wait. Every process may run it: the generator is safe to run
side by side (server_stub.schedules.generate)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anyio import to_thread
from sqlalchemy.exc import SQLAlchemyError

from server_stub.clock import Clock
from server_stub.db import Database
from server_stub.schedules.generate import RunReport, run_schedules

log = logging.getLogger(__name__)


class ScheduleTimer:
    def __init__(self, *, db: Database, clock: Clock, every: float) -> None:
        self._db = db
        self._clock = clock
        self._every = every
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def run_once(self) -> RunReport | None:
        """One run now; None when the database failed it (the next run tries again)."""
        try:
            report = run_schedules(self._db, now=self._clock.now())
        except SQLAlchemyError:
            log.warning("making scheduled orders failed; the next run tries again", exc_info=True)
            return None
        if report.made:
            log.info("schedules: %s", report.words())
        return report

    async def _loop(self) -> None:
        while not self._stop.is_set():
            await to_thread.run_sync(self.run_once)
            # Waits for the interval or for stop(), whichever comes first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._every)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._every <= 0 or (self._task is not None and self._task.get_loop() is loop):
            return
        # A fresh event and task on this loop: an app may be started again on another loop
        # (each TestClient lifespan has its own), and an asyncio.Event binds to the first.
        self._stop = asyncio.Event()
        self._task = loop.create_task(self._loop(), name="ordo-schedules")

    async def stop(self) -> None:
        if self._task is None:
            return
        task, self._task = self._task, None
        if task.get_loop() is not asyncio.get_running_loop():
            # Started on a loop that is not this one: that loop ends it (a run under way
            # finishes in its thread; the generator is safe to stop between occurrences).
            with contextlib.suppress(RuntimeError):  # that loop is closed: the task died with it
                task.get_loop().call_soon_threadsafe(task.cancel)
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
