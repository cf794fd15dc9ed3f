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

from app.cli import CODE_ALPHABET, CODE_LENGTH, build_parser, is_loopback, main, new_access_code
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


# --- the web view beyond this machine: refused unless --allow-remote, then behind a code ---------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", "", "*", "192.168.1.5", "10.0.0.1", "fe80::1"])
def test_hosts_other_machines_reach(host: str) -> None:
    assert not is_loopback(host)


def test_a_name_that_does_not_resolve_is_not_known_to_be_safe() -> None:
    assert not is_loopback("no-such-host.invalid")


def _run_refused(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A subprocess with a timeout: were the check to let it through, it would serve forever.
    return subprocess.run(
        ordo("run", *args), capture_output=True, text=True, timeout=60, check=False, env=env
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_the_web_view_is_not_opened_to_the_network_without_allow_remote(host: str, tmp_path: Path) -> None:
    done = _run_refused("--web", "--host", host, "--data-dir", str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--host {host} would open this device's web view to the network" in done.stderr
    assert "--allow-remote" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""  # nothing was served, nothing announced
    assert not (tmp_path / "ordo.db").exists()


def test_flets_own_address_variable_is_held_to_the_same_rule(tmp_path: Path) -> None:
    # Flet binds to FLET_SERVER_IP over the host it is given: the check looks at that one.
    env = {**os.environ, "FLET_SERVER_IP": "0.0.0.0"}
    done = _run_refused("--web", "--data-dir", str(tmp_path), env=env)
    assert done.returncode == 2
    assert "FLET_SERVER_IP=0.0.0.0 would open" in done.stderr


def test_allow_remote_is_for_the_web_view(tmp_path: Path) -> None:
    done = _run_refused("--allow-remote", "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert "--allow-remote is for the web view" in done.stderr


def test_a_short_access_code_from_the_environment_is_refused_in_words(tmp_path: Path) -> None:
    env = {**os.environ, "ORDO_ACCESS_CODE": "abc"}
    done = _run_refused("--web", "--allow-remote", "--data-dir", str(tmp_path), env=env)
    assert done.returncode == 2
    assert "access_code: Value error, an access code has at least 8 characters" in done.stderr
    assert "Traceback" not in done.stderr and "abc" not in done.stderr  # nor the secret itself


def test_access_codes_are_random_and_unambiguous() -> None:
    codes = {new_access_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == CODE_LENGTH == 8 for code in codes)
    assert set("".join(codes)) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("01ILO")


def test_allow_remote_prints_a_code_and_serves(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1"}
    env.pop("ORDO_ACCESS_CODE", None)
    proc = subprocess.Popen(
        ordo("run", "--web", "--allow-remote", "--port", str(port), "--data-dir", str(tmp_path / "d")),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()
        assert first.startswith(f"Ordo client on http://127.0.0.1:{port} ")
        code = re.fullmatch(
            r"  Access code: ([A-Z0-9]{8}) \(every browser session asks for it first\)\n", second
        )
        assert code and set(code.group(1)) <= set(CODE_ALPHABET), second
        page = _wait_for(f"http://127.0.0.1:{port}/", proc=proc, deadline=time.monotonic() + 60)
        assert page.status_code == 200
        assert code.group(1) not in page.text  # the code is never in what a browser is sent
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_the_access_code_setting_is_a_secret_and_empty_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import ClientSettings

    monkeypatch.delenv("ORDO_ACCESS_CODE", raising=False)
    settings = ClientSettings(access_code="K7QMPX3R")
    assert settings.access_code is not None and settings.access_code.get_secret_value() == "K7QMPX3R"
    assert "K7QMPX3R" not in repr(settings)
    assert ClientSettings(access_code="  ").access_code is None
    assert ClientSettings().access_code is None
    monkeypatch.setenv("ORDO_ACCESS_CODE", "")
    assert ClientSettings().access_code is None
