"""What a commit that took seqs announces (server_stub.announce), on SQLite (the process's
listeners) and PostgreSQL (NOTIFY, read here by a LISTEN connection of the test's own):
its highest seq; the organisations whose dispatchers it concerns; and whose technician
scope it touched, only when every seq it took is accounted for."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from server_stub.db import LIVE_CHANNEL, Database, next_seq
from server_stub.live.bridge import libpq_dsn
from server_stub.models import Note, WorkOrder
from server_stub.seeding.records import create_part

from .conftest import START, World, sign_in
from .kit import new_id, seq_of, update


class Heard:
    """The messages announced by commits on the test's database, in order: on SQLite
    through the listeners of each Database hooked (the test's own, the app's), on
    PostgreSQL through a LISTEN connection of the test's own."""

    def __init__(self, database_url: str) -> None:
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._conn: psycopg.Connection[Any] | None = None
        if not database_url.startswith("sqlite"):
            self._conn = psycopg.connect(libpq_dsn(database_url), autocommit=True)
            self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(LIVE_CHANNEL)))

    def hook(self, db: Database) -> None:
        db.seq_listeners.append(self._messages.put)

    def __call__(self) -> dict[str, Any]:
        if self._conn is None:
            return self._messages.get(timeout=5)
        for notify in self._conn.notifies(timeout=5, stop_after=1):
            return dict(json.loads(notify.payload))
        raise AssertionError("nothing was announced")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


@pytest.fixture
def heard(db: Database, database_url: str) -> Iterator[Heard]:
    listening = Heard(database_url)
    listening.hook(db)
    yield listening
    listening.close()


def test_a_note_names_its_organisation_and_its_orders_assignee(
    db: Database, world: World, heard: Heard
) -> None:
    with db.write() as session, session.begin():
        order = session.get(WorkOrder, world.orders["a"])
        assert order is not None
        seq = order.seq = next_seq(session)
        note = Note(id=new_id(), order_id=order.id, author_id=world.users["tech1"], text="hi", at=START)
        note.seq = seq
        session.add(note)
    assert heard() == {"seq": seq, "orgs": [world.org_id], "users": [world.users["tech1"]]}


def test_a_reassignment_names_both_technicians(client: TestClient, world: World, heard: Heard) -> None:
    heard.hook(client.app.state.db)  # type: ignore[attr-defined]
    disp = sign_in(client, "disp")
    base = seq_of(disp, world.orders["a"])
    result = disp.push([update(disp, world.orders["a"], base, assignee_id=world.users["tech2"])])
    message = heard()
    while message["seq"] < result["results"][0]["seq"]:  # earlier commits (sign-in, pulls)
        message = heard()
    assert message["orgs"] == [world.org_id]
    assert set(message["users"]) == {world.users["tech1"], world.users["tech2"]}  # the exit, the entry


def test_a_part_concerns_everyone_of_the_organisation(db: Database, world: World, heard: Heard) -> None:
    with db.write() as session, session.begin():
        part = create_part(session, org_id=world.org_id, sku="NEW-1", name="New", unit="pcs")
    message = heard()
    assert message == {"seq": part.seq, "orgs": [world.org_id]}  # no "users": anyone's


def test_seqs_of_a_rolled_back_savepoint_are_not_announced(db: Database, world: World, heard: Heard) -> None:
    with db.write() as session, session.begin():
        order = session.get(WorkOrder, world.orders["b"])
        assert order is not None
        order.seq = kept = next_seq(session)
        savepoint = session.begin_nested()
        next_seq(session)
        savepoint.rollback()
    message = heard()
    assert message["seq"] == kept  # the counter went back with the savepoint
    assert "users" not in message  # a seq taken and not on a row: whose it was is not known


def test_a_commit_without_seqs_announces_nothing(db: Database, world: World, heard: Heard) -> None:
    with db.write() as session, session.begin():
        order = session.get(WorkOrder, world.orders["new"])
        assert order is not None and order.assignee_id is None
    with db.write() as session, session.begin():
        create_part(session, org_id=world.org_id, sku="NEXT", name="Next", unit="pcs")
    assert "users" not in heard()  # the first commit said nothing; this is the part's


def test_a_technicians_device_row_names_the_organisation_and_no_technician(
    client: TestClient, world: World, heard: Heard
) -> None:
    """The row is written with Core statements, no ORM row in the session (issue 11): the
    organisation is named all the same, and no technician (they never pull device rows)."""
    heard.hook(client.app.state.db)  # type: ignore[attr-defined]
    tech = sign_in(client, "tech1")
    tech.pull_all()
    message = heard()
    while "users" not in message or message["users"]:  # the sign-in's commits come first
        message = heard()
    assert message["orgs"] == [world.org_id] and message["users"] == []
