"""`ordo demo` notices when its server dies: real processes, waited on, never slept for."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.demo import ServerWatch, died_words
from server_stub.testing import free_port


def ordo(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("ordo")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "app.cli", *args]


# A stand-in server: it lives until its stdin closes, then exits with the code it was given.
WAITER = "import sys; sys.stdin.read(); sys.exit({code})"


@contextlib.contextmanager
def stand_in(*, code: int = 0) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", WAITER.format(code=code)], stdin=subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        assert proc.stdin is not None
        proc.stdin.close()


def test_the_words_say_why_and_what_still_works() -> None:
    words = died_words(3, last_words="database is locked\nshutting down")
    assert "the demo server stopped (exit code 3)" in words
    assert "keeps working offline" in words and "run `ordo demo` again" in words
    assert "    database is locked\n    shutting down" in words
    assert "killed (SIGKILL)" in died_words(-signal.SIGKILL, last_words="")
    assert "last lines" not in died_words(1, last_words="")


def test_a_killed_server_is_reported_once_with_its_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("INFO started\n\nINFO GET /api/v1/health 200\n")
    said: list[str] = []
    with stand_in() as proc:
        watch = ServerWatch(proc, log=log, say=said.append)
        watch.start()
        assert not watch.join(timeout=0)  # it runs: nothing to say
        assert said == [] and watch.died_with is None
        proc.kill()
        assert watch.join(timeout=30)
    assert watch.died_with == -signal.SIGKILL
    (words,) = said
    assert "the demo server was killed (SIGKILL)" in words
    assert "    INFO started\n    INFO GET /api/v1/health 200" in words


def test_an_exit_code_is_reported(tmp_path: Path) -> None:
    said: list[str] = []
    with stand_in(code=3) as proc:
        watch = ServerWatch(proc, log=tmp_path / "no.log", say=said.append)
        watch.start()
        assert proc.stdin is not None
        proc.stdin.close()  # the stand-in ends by itself, with its code
        assert watch.join(timeout=30)
    assert watch.died_with == 3
    assert len(said) == 1 and "(exit code 3)" in said[0] and "last lines" not in said[0]


def test_a_server_the_demo_stops_itself_is_no_news(tmp_path: Path) -> None:
    said: list[str] = []
    with stand_in() as proc:
        watch = ServerWatch(proc, log=tmp_path / "server.log", say=said.append)
        watch.start()
        watch.stopping()
        proc.terminate()
        assert watch.join(timeout=30)
    assert said == [] and watch.died_with is None


class Lines:
    """A process's output, read line by line on a thread, waited for with a deadline."""

    def __init__(self, stream: object) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, words: str, *, deadline: float) -> None:
        while not any(words in line for line in self.seen):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{words!r} never came; output so far:\n{''.join(self.seen)}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the output ended before {words!r}:\n{''.join(self.seen)}")
            self.seen.append(line)

    def rest(self, *, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
        return "".join(self.seen)


def server_pid(*, port: int) -> int:
    """The `ordo-server run --port <port>` process the demo started, found in /proc."""
    wanted = ["server_stub.cli", "run", "--port", str(port)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue  # ended meanwhile
        if all(word in args for word in wanted):
            return int(entry.name)
    raise AssertionError(f"no demo server on port {port}")


@pytest.mark.slow
def test_the_demo_says_when_its_server_dies_and_the_client_goes_on(tmp_path: Path) -> None:
    port, server_port = free_port(), free_port()
    env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1", "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        ordo("demo", "--port", str(port), "--server-port", str(server_port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        out = Lines(proc.stdout)
        deadline = time.monotonic() + 120
        out.wait_for("Press Ctrl-C to stop both.", deadline=deadline)
        os.kill(server_pid(port=server_port), signal.SIGKILL)
        out.wait_for("the demo server was killed (SIGKILL)", deadline=deadline)
        assert proc.poll() is None, "the client goes on"
        while True:  # the client's web view still answers (it may still have been starting)
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2.0).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the client stopped answering"
            assert proc.poll() is None, "the client went with the server"
            time.sleep(0.2)  # polling a real process, with a deadline
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        text = out.rest(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 1, text  # it ran, but not as it should have
    assert text.count("the demo server was killed") == 1, text
    assert "keeps working offline" in text
    assert "Ordo demo stopped (its server had stopped before it)." in text
    assert not list(tmp_path.glob("ordo-demo-*")), "the temporary folder is removed"
