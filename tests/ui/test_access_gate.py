"""The web view served with --allow-remote: every browser session gives the printed access
code before it sees anything, and the gate says whose device this is."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, REPO, SCREENSHOTS, ClientProcess, ordo_command

pytestmark = pytest.mark.ui

CODE_LINE = re.compile(r"^  Access code: ([A-Z0-9]{8}) ", re.MULTILINE)


class RemoteClient(ClientProcess):
    """`ordo run --web --allow-remote`, still bound to 127.0.0.1: the only address this machine
    can safely serve on, and --allow-remote asks for the code whatever the address."""

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [*ordo_command(), "run", "--web", "--allow-remote", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--data-dir", str(self.data_dir), "--server", self.server_url]
        env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1", "FLET_WEB_NO_CDN": "true"}
        env.pop("ORDO_ACCESS_CODE", None)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.data_dir
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"ordo run exited with {self._proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)  # polling a real process, with a deadline
        self.stop()
        raise TimeoutError(f"the client did not answer within {self.startup_timeout}s:\n{self.log_tail()}")

    def access_code(self) -> str:
        """The code as the person who started it reads it: from what the command printed."""
        found = CODE_LINE.search(self.log_tail())
        assert found, self.log_tail()
        return found.group(1)


@pytest.fixture
def remote_client(server: ServerProcess, tmp_path: Path) -> Iterator[RemoteClient]:
    client = RemoteClient(data_dir=tmp_path / "client", server_url=server.url)
    client.start()
    yield client
    client.stop()
    # No traceback through our code, whatever was typed.
    assert f'File "{REPO / "app"}' not in client.log_tail(chars=200_000), client.log_tail()


def test_the_gate_asks_every_browser_session_for_the_printed_code(
    remote_client: RemoteClient, open_ui: Callable[..., FlutterPage], tmp_path: Path
) -> None:
    code = remote_client.access_code()
    ui = open_ui(remote_client.url, path="/", viewport=PHONE)
    ui.wait_id("access-code", timeout_ms=30_000)
    assert "This is the Ordo device on 127.0.0.1: everyone who opens it uses the same signed-in account" in (
        ui.text("access-device")
    )
    assert not ui.has("login-username")  # nothing of the app before the code
    ui.stable_screenshot(SCREENSHOTS / "access-gate-phone.png")

    # A wrong code is said to be wrong, and the app stays shut.
    wrong = "WRONG234" if code != "WRONG234" else "WRONG235"
    ui.fill("access-code", wrong)
    ui.click("access-submit")
    assert "not the access code" in ui.wait_text("access-error", lambda t: "access code" in t)
    assert not ui.has("login-username")
    ui.stable_screenshot(tmp_path / "access-gate-wrong-phone.png")
    print(f"the gate after a wrong code: {tmp_path / 'access-gate-wrong-phone.png'}")

    # The code, typed as a person might (lower case, a space), opens the app in this session.
    ui.fill("access-code", f"{code[:4].lower()} {code[4:].lower()}")
    ui.click("access-submit")
    ui.wait_id("login-username", timeout_ms=30_000)
    ui.wait_path("/login")
    assert not ui.has("access-code")

    # Another browser session (another person, another tab) is asked again.
    other = open_ui(remote_client.url, path="/orders", viewport=PHONE)
    other.wait_id("access-code", timeout_ms=30_000)
    assert not other.has("login-username") and not other.has("order-list")
