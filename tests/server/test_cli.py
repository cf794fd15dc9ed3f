"""`ordo-server` commands, called in-process (the real process is in test_process.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server_stub.cli import main
from server_stub.seeding.data import INTAKE
from server_stub.testing import database_url_for, read_order


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["seed", "--help"], ["migrate", "--help"]])
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: ordo-server" in capsys.readouterr().out


def test_seed_twice_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--demo", "--data-dir", str(tmp_path)]) == 0
    assert f"{60 + len(INTAKE)} orders" in capsys.readouterr().out  # the intake ones included
    assert main(["seed", "--demo", "--data-dir", str(tmp_path)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    order = read_order(database_url=database_url_for(tmp_path), number="WO-000060")
    assert order is not None and len(order["checklist"]) >= 3
    last = f"WO-{60 + len(INTAKE):06d}"
    assert read_order(database_url=database_url_for(tmp_path), number=last) is not None
    assert read_order(database_url=database_url_for(tmp_path), number=f"WO-{61 + len(INTAKE):06d}") is None


def test_seed_without_demo_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--data-dir", str(tmp_path)]) == 2
    assert "--demo" in capsys.readouterr().err


def test_migrate_creates_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--data-dir", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new" / "ordo.db").exists()
    assert "up to date" in capsys.readouterr().out


def test_run_settles_the_collector_once_the_app_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal

    import uvicorn

    from server_stub import collector
    from server_stub.api import logging as request_log

    steps: list[str] = []
    monkeypatch.setattr(signal, "signal", lambda *_args: None)  # pytest keeps its own handlers
    # Nor does the access log keep a handler on this test's captured stderr.
    monkeypatch.setattr(request_log, "log_requests_to", lambda **_kw: None)
    monkeypatch.setattr(collector, "settle", lambda: steps.append("settled"))
    monkeypatch.setattr(uvicorn, "run", lambda app, **_kw: steps.append(type(app).__name__))
    assert main(["run", "--data-dir", str(tmp_path), "--port", "0"]) == 0
    assert steps == ["settled", "FastAPI"]  # built, settled, then served
