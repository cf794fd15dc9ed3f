"""Reading a live event stream in tests: any httpx.Client (a TestClient too), on a thread."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx

EVENTS = "/api/v1/sync/events"
WAIT = 10.0  # seconds a test waits for something that should come at once


class Stream:
    """One open event stream, read on a thread; its frames (blank-line separated) queue up."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self.frames: queue.Queue[str] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.status = 0
        self.content_type = ""
        self.error: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._read, args=(client, headers), daemon=True)
        self._thread.start()
        assert self.opened.wait(WAIT), "the stream did not open"

    def _read(self, client: httpx.Client, headers: dict[str, str]) -> None:
        try:
            with client.stream("GET", EVENTS, headers=headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    response.read()
                    self.error = response.json()["error"]
                    return
                self.content_type = response.headers["content-type"]
                self.opened.set()
                lines: list[str] = []
                for line in response.iter_lines():
                    if line:
                        lines.append(line)
                    elif lines:
                        self.frames.put("\n".join(lines))
                        lines = []
        except httpx.HTTPError:
            pass  # a real server went away: the stream has ended
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, *, timeout: float = WAIT) -> str:
        return self.frames.get(timeout=timeout)

    def next_seq(self, *, timeout: float = WAIT) -> int:
        """The seq of the next frame, which must be a well-formed `changed`."""
        frame = self.next(timeout=timeout)
        fields = dict(line.split(": ", 1) for line in frame.splitlines())
        assert fields["event"] == "changed", frame
        seq = json.loads(fields["data"])["seq"]
        assert fields["id"] == str(seq) and fields["data"] == json.dumps({"seq": seq})
        return int(seq)

    def changed_at_least(self, seq: int, *, timeout: float = WAIT) -> int:
        """Skip pings and older pokes until one carries `seq` or newer."""
        while True:
            frame = self.next(timeout=timeout)
            if frame.startswith("event: changed"):
                fields = dict(line.split(": ", 1) for line in frame.splitlines())
                got = int(json.loads(fields["data"])["seq"])
                if got >= seq:
                    return got
