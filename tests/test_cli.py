"""`ordo` on the command line: help everywhere, and a real demo that starts and stops cleanly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.cli import build_parser, main
from server_stub.testing import free_port


def ordo(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("ordo")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "app.cli", *args]


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["demo", "--help"]])
def test_help_exits_zero(args: list[str]) -> None:
    done = subprocess.run(ordo(*args), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage: ordo" in done.stdout


def test_run_options_parse() -> None:
    args = build_parser().parse_args(
        [
            "run",
            "--web",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--data-dir",
            "/tmp/x",
            "--server",
            "http://h:1",
        ]
    )
    assert (args.web, args.host, args.port, args.data_dir, args.server) == (
        True,
        "0.0.0.0",
        9000,
        "/tmp/x",
        "http://h:1",
    )


@pytest.mark.parametrize("bad", [["run", "--port", "seventy"], ["run", "--port", "70000"], ["fly"], []])
def test_bad_arguments_are_refused_with_usage(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(bad)
    assert exit_info.value.code == 2
    assert "usage: ordo" in capsys.readouterr().err


def _wait_for(url: str, *, proc: subprocess.Popen[str], deadline: float) -> httpx.Response:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ordo demo exited early with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(url, timeout=2.0)
        time.sleep(0.2)  # polling a real process, with a deadline
    raise AssertionError(f"{url} did not answer in time")


@pytest.mark.slow
def test_demo_serves_both_and_stops_on_sigint(tmp_path: Path) -> None:
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
        deadline = time.monotonic() + 90
        health = _wait_for(f"http://127.0.0.1:{server_port}/api/v1/health", proc=proc, deadline=deadline)
        assert health.json() == {"status": "ok", "protocol": 1}
        client = _wait_for(f"http://127.0.0.1:{port}/", proc=proc, deadline=deadline)
        assert client.status_code == 200
        assert "<html" in client.text.lower()
        assert list(tmp_path.glob("ordo-demo-*")), "the demo keeps its data in a temporary folder"

        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{server_port}" in out
    assert f"http://127.0.0.1:{port}" in out
    assert re.search(r"tech1 / demo-tech", out) and "dispatcher / demo-dispatcher" in out
    assert "Ordo demo stopped." in out
    with pytest.raises(httpx.ConnectError):  # the server went with it
        httpx.get(f"http://127.0.0.1:{server_port}/api/v1/health", timeout=2.0)
    assert not list(tmp_path.glob("ordo-demo-*")), "the temporary folder is removed"
