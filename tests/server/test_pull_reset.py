"""Tombstone retention and `reset` (sync-protocol.md, Pull): out-of-scope tombstones
are pruned after a retention window, and a cursor that may have missed a pruned one
restarts from the beginning of the caller's scope, on the server and through the
client's real sync engine (whose unsent mutations survive and are pushed)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.outbox import queued
from server_stub.cli import main as server_cli
from server_stub.clock import FakeClock
from server_stub.db import Database, make_engine
from server_stub.main import create_app
from server_stub.migrate import alembic_config, migrate
from server_stub.models import ScopeExit
from server_stub.settings import Settings
from server_stub.sync.tombstones import prune_tombstones
from server_stub.testing import read_order

from .conftest import PASSWORD, Device, World, sign_in

RETENTION = timedelta(days=30)
DAY = 24 * 3600


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Tokens that outlive the months these tests move the clock by: the stories are
    about cursors, and signing in again is tested elsewhere."""
    return Settings(data_dir=tmp_path, database_url=database_url, token_ttl_seconds=90 * DAY)


def _reassign(disp: Device, order_id: str, to_user: str) -> None:
    changes, _ = disp.pull_all()
    seq = next(c["seq"] for c in changes if c["id"] == order_id)
    update = disp.mutation("order.update", order_id, {"fields": {"assignee_id": to_user}}, base_seq=seq)
    assert disp.push([update])["results"][0]["status"] == "applied"


def _tombstones(db: Database) -> dict[tuple[str, str], int]:
    with db.read() as session:
        return {(r.user_id, r.order_id): r.seq for r in session.execute(select(ScopeExit)).scalars()}


def _walk(dev: Device, *, cursor: str | None = None, limit: int = 2) -> list[dict[str, Any]]:
    """Page to the end, failing (not looping) if any page resets the walk again."""
    changes: list[dict[str, Any]] = []
    for _ in range(100):
        page = dev.pull(cursor=cursor, limit=limit)
        assert page["reset"] is False, "a walk was reset by its own cursor"
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes
    raise AssertionError("the walk never ended")


def _ids_and_seqs(changes: list[dict[str, Any]]) -> list[tuple[str, int, bool]]:
    return [(c["id"], c["seq"], c["deleted"]) for c in changes]


def test_prune_forgets_only_tombstones_past_retention_and_remembers_the_highest_seq(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    disp, users = sign_in(client, "disp"), world.users
    _reassign(disp, world.orders["a"], users["tech2"])  # tech1 leaves a, at START
    clock.advance(seconds=10 * DAY)
    _reassign(disp, world.orders["b"], users["tech1"])  # tech2 leaves b, 10 days later
    held = _tombstones(db)
    old, young = held[(users["tech1"], world.orders["a"])], held[(users["tech2"], world.orders["b"])]

    clock.advance(seconds=25 * DAY)  # a's tombstone is 35 days old, b's 25
    report = prune_tombstones(db, now=clock.now(), retention=RETENTION)
    assert (report.deleted, report.pruned_through) == (1, old)
    assert _tombstones(db) == {(users["tech2"], world.orders["b"]): young}
    again = prune_tombstones(db, now=clock.now(), retention=RETENTION)
    assert (again.deleted, again.pruned_through) == (0, old)  # idempotent; the mark stays


def test_a_cursor_behind_a_pruned_tombstone_is_reset_to_the_whole_scope(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    _, before = tech1.pull_all()
    _reassign(disp, world.orders["a"], world.users["tech2"])
    _, after_exit = tech1.pull_all(cursor=before)  # a device that did see the tombstone
    clock.advance(seconds=31 * DAY)
    assert prune_tombstones(db, now=clock.now(), retention=RETENTION).deleted == 1

    fresh, _ = tech1.pull_all()
    # A walk from the beginning after the prune: its small cursors are below the pruned
    # seq, yet it is never reset (it carries the pruning mark as its floor).
    walked = _walk(tech1)
    assert _ids_and_seqs(walked) == _ids_and_seqs(fresh)
    page = tech1.pull(cursor=before, limit=2)
    assert page["reset"] is True
    # The first page of the whole scope, as if no cursor had been sent; no tombstone.
    assert _ids_and_seqs(page["changes"]) == _ids_and_seqs(fresh[:2]) and page["has_more"]
    rest = _walk(tech1, cursor=page["cursor"])
    assert _ids_and_seqs(page["changes"] + rest) == _ids_and_seqs(fresh)
    assert world.orders["a"] not in {c["id"] for c in fresh}
    # Only cursors below the pruned seq are reset; from the beginning needs no reset either.
    assert tech1.pull(cursor=after_exit)["reset"] is False
    assert tech1.pull()["reset"] is False


def test_a_tombstone_inside_retention_still_arrives_without_reset(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    _, cursor = tech1.pull_all()
    _reassign(disp, world.orders["a"], world.users["tech2"])
    clock.advance(seconds=29 * DAY)
    assert prune_tombstones(db, now=clock.now(), retention=RETENTION).deleted == 0
    page = tech1.pull(cursor=cursor)
    assert page["reset"] is False
    assert [(c["id"], c.get("reason")) for c in page["changes"] if c["deleted"]] == [
        (world.orders["a"], "out_of_scope")
    ]


def test_leaving_again_after_a_prune_writes_a_fresh_tombstone(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    disp, tech1, a = sign_in(client, "disp"), sign_in(client, "tech1"), world.orders["a"]
    _reassign(disp, a, world.users["tech2"])
    clock.advance(seconds=31 * DAY)
    first = prune_tombstones(db, now=clock.now(), retention=RETENTION)
    _reassign(disp, a, world.users["tech1"])
    _, cursor = tech1.pull_all()
    _reassign(disp, a, world.users["tech2"])  # leaves again: its time is now, not 31 days ago
    assert prune_tombstones(db, now=clock.now(), retention=RETENTION).deleted == 0
    page = tech1.pull(cursor=cursor)
    assert page["reset"] is False and [c["id"] for c in page["changes"] if c["deleted"]] == [a]
    assert page["changes"][-1]["seq"] > first.pruned_through


@pytest.fixture
def short_retention_app(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"tombstone_retention": timedelta(hours=1), "tombstone_prune_interval": timedelta(hours=6)}
    )
    with TestClient(create_app(tuned, clock=clock)) as test_client:
        yield test_client


def test_pulls_prune_by_themselves_at_most_once_an_interval(
    short_retention_app: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    disp, tech1 = sign_in(short_retention_app, "disp"), sign_in(short_retention_app, "tech1")
    _, cursor = tech1.pull_all()  # the first pull of the process prunes (nothing yet)
    _reassign(disp, world.orders["a"], world.users["tech2"])
    clock.advance(seconds=2 * 3600)  # past retention, but the last prune was 2 h ago
    disp.pull()
    assert len(_tombstones(db)) == 1
    clock.advance(seconds=4 * 3600)  # 6 h since the last prune: this pull prunes first
    page = tech1.pull(cursor=cursor)
    assert _tombstones(db) == {}
    assert page["reset"] is True and world.orders["a"] not in {c["id"] for c in page["changes"]}


def test_the_prune_command(
    client: TestClient, world: World, database_url: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command uses the real clock, so the tombstone is written years ago.
    clock.advance(seconds=-5 * 365 * DAY)
    _reassign(sign_in(client, "disp"), world.orders["a"], world.users["tech2"])
    assert server_cli(["prune", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "Pruned 1 out-of-scope tombstones" in out and "will re-pull" in out
    assert server_cli(["prune", "--database-url", database_url, "--older-than", "0"]) == 0
    assert "Pruned 0 " in capsys.readouterr().out


# --- through the client's real sync engine -------------------------------------------


def _device(app: Any, tmp_path: Path, clock: FakeClock, hooks: list[Any]) -> Ordo:
    def client_factory(url: str) -> httpx.Client:
        test_client = TestClient(app, base_url=url)
        # httpx copies the hook list, so one hook calls whatever the test put in `hooks` by then.
        test_client.event_hooks = {"request": [lambda request: [hook(request) for hook in hooks]]}
        return test_client

    settings = ClientSettings(data_dir=tmp_path / "client", server_url="https://testserver")
    return Ordo(
        store=LocalStore.open(settings.db_path),
        client_factory=client_factory,
        clock=clock.now,
        settings=settings,
        start_worker=False,
    )


def _notes(ordo: Ordo, order_id: str) -> dict[str, bool]:
    detail = ordo.get_order(uuid.UUID(order_id))
    assert detail is not None
    return {n.text: n.pending for n in detail.notes}


def test_a_device_reset_by_a_pruned_tombstone_keeps_and_pushes_its_unsent_work(
    settings: Settings, world: World, db: Database, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    app = create_app(settings, clock=clock)
    hooks: list[Any] = []
    ordo = _device(app, tmp_path, clock, hooks)
    a, sig = world.orders["a"], world.orders["sig"]
    try:
        ordo.sign_in(server_url="https://testserver", username="tech1", password=PASSWORD)
        ordo.sync_blocking()
        assert ordo.get_order(uuid.UUID(a)) is not None

        # Offline for a month: work on both orders, while a dispatcher moves `a` away.
        ordo.add_note(uuid.UUID(a), "Seal replaced")
        ordo.add_note(uuid.UUID(sig), "Customer away")
        _reassign(sign_in(TestClient(app), "disp"), a, world.users["tech2"])
        clock.advance(seconds=31 * DAY)

        # The user keeps typing while the sync runs: this note is queued, unsent, at the reset.
        def type_during_the_pull(request: httpx.Request) -> None:
            if request.url.path.endswith("/sync/pull") and not hooks_fired:
                hooks_fired.append(request)
                ordo.add_note(uuid.UUID(sig), "Typed during the sync")

        hooks_fired: list[httpx.Request] = []
        hooks.append(type_during_the_pull)
        report = ordo.sync_blocking()

        assert report.resets == 1 and hooks_fired
        assert _tombstones(db) == {}  # pruned by that pull: only the reset removes `a` now
        assert ordo.get_order(uuid.UUID(a)) is None
        assert _notes(ordo, sig) == {"Customer away": False, "Typed during the sync": True}
        with ordo._store.read() as s:
            assert [e.args["text"] for e in queued(s)] == ["Typed during the sync"]

        report = ordo.sync_blocking()
        assert report.resets == 0 and report.pushed == 1
        assert _notes(ordo, sig) == {"Customer away": False, "Typed during the sync": False}
        with ordo._store.read() as s:
            assert queued(s) == []
        on_server = {o: read_order(database_url=database_url, order_id=o) for o in (a, sig)}
        assert [n["text"] for n in on_server[a]["notes"]] == ["Seal replaced"]  # type: ignore[index]
        texts = sorted(n["text"] for n in on_server[sig]["notes"])  # type: ignore[index]
        assert texts == ["Customer away", "Typed during the sync"]
    finally:
        ordo.close()


def test_upgrading_starts_old_tombstones_on_a_full_window(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = alembic_config(f"sqlite:///{path}")
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
    engine.dispose()
    with closing(sqlite3.connect(path)) as raw, raw:  # the driver's own: no foreign keys to satisfy
        raw.execute("INSERT INTO scope_exits (user_id, order_id, seq) VALUES ('u', 'o', 7)")
    before = datetime.now(UTC).replace(tzinfo=None)
    migrate(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as raw:
        [(left_at,)] = raw.execute("SELECT left_at FROM scope_exits").fetchall()
        [(mark,)] = raw.execute("SELECT value FROM counters WHERE name = 'tombstones_pruned_through'")
    assert datetime.fromisoformat(left_at) >= before and mark == 0
