"""`ordo demo`: a seeded server and the client together, in a temporary folder, for newcomers."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
CREDENTIALS = (("tech1", "demo-tech", "technician"), ("dispatcher", "demo-dispatcher", "dispatcher"))


class DemoError(RuntimeError):
    """The demo could not start; the message says why."""


def _server_cmd(*args: str) -> list[str]:
    # The server is its own program (ordo-server); run it as one, never import it here.
    return [sys.executable, "-m", "server_stub.cli", *args]


def seed(*, data_dir: Path) -> None:
    done = subprocess.run(
        _server_cmd("seed", "--demo", "--history", "--data-dir", str(data_dir)),  # the dashboard has a past
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DemoError(f"seeding the demo server failed:\n{done.stdout}{done.stderr}")


def wait_healthy(*, url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"the server stopped at start (exit {proc.returncode}):\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)  # polling a process we started, with a deadline
    raise DemoError(f"the server did not answer at {url} within {timeout:.0f}s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no server log)"


def stop(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def died_words(returncode: int, *, last_words: str) -> str:
    """What the demo says when its server ends on its own: why, and what still works."""
    if returncode < 0:
        try:
            how = f"was killed ({signal.Signals(-returncode).name})"
        except ValueError:
            how = f"was killed (signal {-returncode})"
    else:
        how = f"stopped (exit code {returncode})"
    lines = [
        f"ordo demo: the demo server {how}.",
        "  The client keeps working offline: changes wait on the device, but nothing syncs now.",
        "  For a demo that syncs, press Ctrl-C and run `ordo demo` again: a fresh one, as this",
        "  one's data is removed when it stops.",
    ]
    if last_words:
        lines.append("  The server's last lines:")
        lines += [f"    {line}" for line in last_words.splitlines()]
    return "\n".join(lines)


def _last_lines(log: Path, *, count: int = 5) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return "\n".join(lines[-count:])


class ServerWatch:
    """Waits on the demo server in a thread of its own. If the server ends before the demo
    stops it, says so once (offline-first: the client goes on, so nobody else would notice)."""

    def __init__(
        self, proc: subprocess.Popen[bytes], *, log: Path, say: Callable[[str], None] | None = None
    ) -> None:
        self._proc = proc
        self._log = log
        self._say = say or _say_on_stderr
        self._lock = threading.Lock()
        self._stopping = False
        self.died_with: int | None = None  # the server's exit code, when it ended on its own
        self._thread = threading.Thread(target=self._wait, name="ordo-demo-server-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stopping(self) -> None:
        """The demo is stopping the server itself: its end is no news."""
        with self._lock:
            self._stopping = True

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the server's end to have been handled; whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _wait(self) -> None:
        returncode = self._proc.wait()
        with self._lock:
            if self._stopping:
                return
            self.died_with = returncode
        self._say(died_words(returncode, last_words=_last_lines(self._log)))


def _say_on_stderr(words: str) -> None:
    print(words, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class DemoServer:
    url: str
    watch: ServerWatch


@contextlib.contextmanager
def demo_server(*, root: Path, port: int) -> Iterator[DemoServer]:
    """A seeded `ordo-server run` on 127.0.0.1:port, watched; stops it on exit."""
    data_dir = root / "server"
    seed(data_dir=data_dir)
    log = root / "server.log"
    url = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        # Own session: a Ctrl-C in the terminal reaches us, and we stop the server in order.
        proc = subprocess.Popen(
            _server_cmd("run", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir)),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            start_new_session=True,
        )
    watch = ServerWatch(proc, log=log)
    try:
        wait_healthy(url=url, proc=proc, log=log)
        watch.start()  # from here on, its end is news (before, wait_healthy says so)
        yield DemoServer(url=url, watch=watch)
    finally:
        watch.stopping()
        stop(proc)


def run_demo(*, port: int, server_port: int) -> int:
    from app.main import run
    from app.settings import ClientSettings

    root = Path(tempfile.mkdtemp(prefix="ordo-demo-"))
    died_with: int | None = None
    try:
        with demo_server(root=root, port=server_port) as server:
            settings = ClientSettings(data_dir=root / "client", server_url=server.url)
            print(f"Ordo demo server: {server.url}", flush=True)
            print(f"Ordo demo client: http://{HOST}:{port}", flush=True)
            for user, password, role in CREDENTIALS:
                print(f"  sign in as {user} / {password} ({role})", flush=True)
            print("Press Ctrl-C to stop both.", flush=True)
            try:
                run(settings=settings, web=True, host=HOST, port=port)
            finally:
                died_with = server.watch.died_with
    except DemoError as err:
        print(f"ordo demo: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass  # Ctrl-C before the client was up: clean up below like any other stop
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if died_with is not None:
        # The demo ran, but not as it should have: say so in the exit status too.
        print("Ordo demo stopped (its server had stopped before it).", flush=True)
        return 1
    print("Ordo demo stopped.", flush=True)
    return 0
