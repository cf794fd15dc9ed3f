"""`ordo-server user ...` and `ordo-server device ...`, called in-process (the `cli`
function) on SQLite and PostgreSQL, and once through the installed `ordo-server` entry."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server_stub.cli import main
from server_stub.clock import SystemClock
from server_stub.db import Database
from server_stub.main import create_app
from server_stub.models import Organisation, User
from server_stub.settings import Settings
from server_stub.testing import read_order

from .conftest import World, sign_in
from .kit import codes, seq_of, update

TOKEN = "/api/v1/auth/token"
PULL = "/api/v1/sync/pull"
NEW_PASSWORD = "a long enough password"


def _cli(
    database_url: str,
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch,
) -> int:
    """Run one command with --database-url; `stdin` feeds --password-stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    return main([*argv, "--database-url", database_url])


def _sign_in(client: TestClient, username: str, password: str, device_id: str | None = None) -> Any:
    return client.post(
        TOKEN, json={"username": username, "password": password, "device_id": device_id or str(uuid.uuid4())}
    )


@pytest.fixture
def live(settings: Settings) -> Any:
    # The system clock: the CLI stamps revocations with the real time.
    with TestClient(create_app(settings, clock=SystemClock())) as client:
        yield client


HELP = [
    ["user", "--help"],
    ["user", "create", "--help"],
    ["user", "reset-password", "--help"],
    ["user", "disable", "--help"],
    ["user", "enable", "--help"],
    ["device", "--help"],
    ["device", "list", "--help"],
    ["device", "revoke", "--help"],
]


@pytest.mark.parametrize("argv", HELP, ids=[" ".join(a[:-1]) for a in HELP])
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: ordo-server" in capsys.readouterr().out


def test_create_a_user_who_then_signs_in(
    database_url: str,
    world: World,
    live: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _cli(
        database_url,
        "user", "create", "newtech", "--role", "technician", "--org", "Test Org",
        "--display-name", "New Tech", "--password-stdin",
        stdin=NEW_PASSWORD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Created technician 'newtech'" in out and "'Test Org'" in out
    assert NEW_PASSWORD not in out
    with db.read() as session:
        user = session.execute(select(User).where(User.username == "newtech")).scalar_one()
        assert (user.org_id, user.role, user.display_name) == (world.org_id, "technician", "New Tech")
        assert NEW_PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")
    response = _sign_in(live, "newtech", NEW_PASSWORD)
    assert response.status_code == 200
    token = response.json()["access_token"]
    # Pulled like any user: the directory shows them to their organisation.
    page = live.get(PULL, headers={"Authorization": f"Bearer {token}"}).json()
    assert "newtech" in {c["data"]["username"] for c in page["changes"] if c["entity"] == "user"}


def test_create_by_organisation_id_and_prompted_password(
    database_url: str, world: World, live: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", _Tty())
    assert main(["user", "create", "boss", "--role", "admin", "--org", world.org_id,
                 "--database-url", database_url]) == 0  # fmt: skip
    assert _sign_in(live, "boss", NEW_PASSWORD).json()["user"]["role"] == "admin"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_create_org_on_a_fresh_server(
    database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["user", "create", "admin", "--role", "admin", "--org", "Acme", "--password-stdin"]
    assert _cli(database_url, *argv, stdin=NEW_PASSWORD, monkeypatch=monkeypatch) == 1
    assert "no organisation 'Acme'" in capsys.readouterr().err
    assert _cli(database_url, *argv, "--create-org", stdin=NEW_PASSWORD, monkeypatch=monkeypatch) == 0
    assert "organisation 'Acme' created" in capsys.readouterr().out
    with db.read() as session:
        assert session.execute(select(Organisation.name)).scalars().all() == ["Acme"]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["tech1", "--org", "Test Org"], NEW_PASSWORD, "username 'tech1' is taken"),
        (["x y", "--org", "Test Org"], NEW_PASSWORD, "not a valid username"),
        (["short", "--org", "Test Org"], "1234567", "too short"),
        (["empty", "--org", "Test Org"], "", "standard input is empty"),
        (["lost", "--org", "Nowhere"], NEW_PASSWORD, "Known: Other Org, Test Org"),
    ],
    ids=["taken", "bad-username", "weak-password", "no-password", "unknown-org"],
)
def test_create_refusals_exit_1_with_one_line(
    database_url: str,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    code = _cli(
        database_url, "user", "create", argv[0], "--role", "technician", *argv[1:], "--password-stdin",
        stdin=stdin, monkeypatch=monkeypatch,
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_prompted_passwords_must_match_and_a_pipe_needs_the_flag(
    database_url: str, world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", _Tty())
    argv = [
        "user",
        "create",
        "someone",
        "--role",
        "technician",
        "--org",
        "Test Org",
        "--database-url",
        database_url,
    ]
    assert main(argv) == 1
    assert "differ" in capsys.readouterr().err
    # Not a terminal and no --password-stdin: refused rather than reading a password blindly.
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD))
    assert main(argv) == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_role_outside_the_list_is_a_usage_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["user", "create", "k", "--role", "integration", "--org", "x", "--database-url", database_url])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_reset_password_revokes_and_the_new_one_works(
    database_url: str,
    world: World,
    live: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from .conftest import PASSWORD

    old = _sign_in(live, "tech1", PASSWORD).json()
    code = _cli(database_url, "user", "reset-password", "tech1", "--password-stdin",
                stdin=NEW_PASSWORD, monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0
    assert "2 token(s) revoked" in capsys.readouterr().out
    response = live.get(PULL, headers={"Authorization": f"Bearer {old['access_token']}"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "token_revoked")
    assert _sign_in(live, "tech1", PASSWORD).status_code == 401
    assert _sign_in(live, "tech1", NEW_PASSWORD).status_code == 200
    assert _cli(database_url, "user", "reset-password", "ghost", "--password-stdin",
                stdin=NEW_PASSWORD, monkeypatch=monkeypatch) == 1  # fmt: skip
    assert "no user 'ghost'" in capsys.readouterr().err


def test_disable_and_enable(
    database_url: str,
    world: World,
    live: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from .conftest import PASSWORD

    token = _sign_in(live, "tech2", PASSWORD).json()["access_token"]
    assert _cli(database_url, "user", "disable", "tech2", monkeypatch=monkeypatch) == 0
    assert "Disabled 'tech2'" in capsys.readouterr().out
    refused = _sign_in(live, "tech2", PASSWORD)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_credentials")
    assert live.get(PULL, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _cli(database_url, "user", "enable", "tech2", monkeypatch=monkeypatch) == 0
    assert _sign_in(live, "tech2", PASSWORD).status_code == 200
    assert _cli(database_url, "user", "disable", "nobody", monkeypatch=monkeypatch) == 1


def test_disabling_a_technician_reaches_every_device_and_stops_assignments(
    database_url: str, world: World, live: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    disp = sign_in(live, "disp")
    _, cursor = disp.pull_all()
    new = world.orders["new"]

    def directory_since(after: str) -> tuple[dict[str, dict[str, Any]], str]:
        changes, cursor = disp.pull_all(cursor=after)
        return {c["data"]["username"]: c["data"] for c in changes if c["entity"] == "user"}, cursor

    def assign_new_to_tech2() -> list[str | None]:
        return codes(disp.push([update(disp, new, seq_of(disp, new), assignee_id=world.users["tech2"])]))

    assert _cli(database_url, "user", "disable", "tech2", monkeypatch=monkeypatch) == 0
    # The directory row comes again (a new seq), now inactive; no one else's row moved.
    directory, cursor = directory_since(cursor)
    assert list(directory) == ["tech2"] and directory["tech2"]["active"] is False
    assert assign_new_to_tech2() == ["unknown_assignee"]
    made = str(uuid.uuid4())
    create = {"id": made, "title": "For tech2", "assignee_id": world.users["tech2"]}
    assert codes(disp.push([disp.mutation("order.create", made, create)])) == ["unknown_assignee"]
    # Disabling twice changes nothing a device must pull.
    assert _cli(database_url, "user", "disable", "tech2", monkeypatch=monkeypatch) == 0
    assert directory_since(cursor)[0] == {}
    assert _cli(database_url, "user", "enable", "tech2", monkeypatch=monkeypatch) == 0
    directory, cursor = directory_since(cursor)
    assert list(directory) == ["tech2"] and directory["tech2"]["active"] is True
    assert assign_new_to_tech2() == [None]
    assert _order_status(database_url, new) == "assigned"


def _order_status(database_url: str, order_id: str) -> str:
    row = read_order(database_url=database_url, order_id=order_id)
    assert row is not None
    return str(row["status"])


def test_device_list_and_revoke(
    database_url: str,
    world: World,
    live: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from .conftest import PASSWORD

    phone, tablet = str(uuid.uuid4()), str(uuid.uuid4())
    phone_token = _sign_in(live, "tech1", PASSWORD, phone).json()["access_token"]
    tablet_token = _sign_in(live, "tech1", PASSWORD, tablet).json()["access_token"]
    _sign_in(live, "disp", PASSWORD)
    capsys.readouterr()

    assert _cli(database_url, "device", "list", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert phone in out and tablet in out and "disp" in out
    assert _cli(database_url, "device", "list", "--user", "tech1", monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("DEVICE") and len(lines) == 3
    assert all(line.endswith("active") for line in lines[1:])

    assert _cli(database_url, "device", "revoke", phone, "--wipe", monkeypatch=monkeypatch) == 0
    assert "device_wiped" in capsys.readouterr().out
    assert _cli(database_url, "device", "revoke", tablet, monkeypatch=monkeypatch) == 0
    wiped = live.get(PULL, headers={"Authorization": f"Bearer {phone_token}"})
    assert wiped.status_code == 401 and wiped.json()["error"] == {
        "code": "device_wiped",
        "message": "this device was signed out by an administrator and must erase its data",
        "wipe": True,
    }
    revoked = live.get(PULL, headers={"Authorization": f"Bearer {tablet_token}"})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "device_revoked"
    assert "wipe" not in revoked.json()["error"]

    capsys.readouterr()
    assert _cli(database_url, "device", "list", "--user", "tech1", monkeypatch=monkeypatch) == 0
    statuses = {line.split()[0]: line.split()[-1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert statuses == {phone: "revoked+wipe", tablet: "revoked"}

    for argv, message in (
        (["device", "revoke", "not-a-uuid"], "not a device id"),
        (["device", "revoke", str(uuid.uuid4())], "no device"),
        (["device", "list", "--user", "ghost"], "no user 'ghost'"),
    ):
        assert _cli(database_url, *argv, monkeypatch=monkeypatch) == 1
        assert message in capsys.readouterr().err


def test_through_the_installed_entry_point(tmp_path: Path) -> None:
    exe = shutil.which("ordo-server", path=str(Path(sys.executable).parent))
    # Installed by `pip install -e .` (scripts/test.sh): missing is a broken install, not a skip.
    assert exe is not None, "ordo-server is not installed in this environment: pip install -e '.[test]'"
    data = str(tmp_path / "server")
    create = subprocess.run(
        [exe, "user", "create", "first", "--role", "admin", "--org", "Acme", "--create-org",
         "--password-stdin", "--data-dir", data],
        input=NEW_PASSWORD + "\n", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    assert "Created admin 'first'" in create.stdout
    again = subprocess.run(
        [exe, "user", "create", "first", "--role", "admin", "--org", "Acme", "--password-stdin",
         "--data-dir", data],
        input=NEW_PASSWORD + "\n", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 1 and again.stderr.strip() == "error: the username 'first' is taken"
    listing = subprocess.run(
        [exe, "device", "list", "--data-dir", data], capture_output=True, text=True, timeout=120, check=False
    )
    assert (listing.returncode, listing.stdout.strip()) == (0, "No devices.")
