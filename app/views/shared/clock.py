"""A screen's own clock: a count that goes up while the screen is shown, so words that age
with time (lateness, "due in", a running work clock) are redrawn even when no data changes."""

from __future__ import annotations

import asyncio

import flet as ft


def use_clock(*, every_s: float) -> int:
    """A count that goes up every `every_s` seconds while the screen is shown: lateness and
    "due in" words age with the clock even when no data changes."""
    page = ft.context.page
    tick, set_tick = ft.use_state(0)
    running = ft.use_ref(None)

    async def count() -> None:
        n = 0
        while True:
            await asyncio.sleep(every_s)
            n += 1
            set_tick(n)

    def start() -> None:
        running.current = page.run_task(count)

    def stop() -> None:
        if running.current is not None:
            running.current.cancel()

    ft.use_effect(start, [], cleanup=stop)
    return tick
