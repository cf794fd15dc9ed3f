"""Who to tell when something changed, and how far running uploads are."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

STEPS = 20  # redraw on every 5% of an upload, not on every 64 KiB piece


class Listeners:
    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def add(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register `callback`; returns the function that removes it."""
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def notify(self) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one broken view must not break the others or the write
                log.exception("listener failed")


class UploadProgress:
    """sha256 -> (bytes sent, total) of uploads running now; the store has the rest."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def record(self, sha256: str, done: int, total: int) -> bool:
        """Note progress; True when it crossed a step worth a redraw."""
        with self._lock:
            before = self._running.get(sha256, (0, total))[0]
            self._running[sha256] = (done, total)
        return bool(total) and (STEPS * done) // total != (STEPS * before) // total

    def snapshot(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return dict(self._running)

    def clear(self) -> None:
        with self._lock:
            self._running.clear()
