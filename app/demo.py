"""`ordo demo`: a seeded server and the client together, in a temporary folder, for newcomers."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
        _server_cmd("seed", "--demo", "--data-dir", str(data_dir)),
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


@contextlib.contextmanager
def demo_server(*, root: Path, port: int) -> Iterator[str]:
    """A seeded `ordo-server run` on 127.0.0.1:port; yields its URL, stops it on exit."""
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
    try:
        wait_healthy(url=url, proc=proc, log=log)
        yield url
    finally:
        stop(proc)


def run_demo(*, port: int, server_port: int) -> int:
    from app.main import run
    from app.settings import ClientSettings

    root = Path(tempfile.mkdtemp(prefix="ordo-demo-"))
    try:
        with demo_server(root=root, port=server_port) as server_url:
            settings = ClientSettings(data_dir=root / "client", server_url=server_url)
            print(f"Ordo demo server: {server_url}", flush=True)
            print(f"Ordo demo client: http://{HOST}:{port}", flush=True)
            for user, password, role in CREDENTIALS:
                print(f"  sign in as {user} / {password} ({role})", flush=True)
            print("Press Ctrl-C to stop both.", flush=True)
            run(settings=settings, web=True, host=HOST, port=port)
    except DemoError as err:
        print(f"ordo demo: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass  # Ctrl-C before the client was up: clean up below like any other stop
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("Ordo demo stopped.", flush=True)
    return 0
