"""A real ordo-server process and real client stores: the new mutation types made offline
reach the server, come back as pulled rows, and conflicts are decided from the client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from servicekit import conflicts_of, update_fields

from app.domain import Status
from app.store.models import Part, PartUsage, TimeLog
from server_stub.testing import read_order, running_server

from .test_offline_roundtrip import FaultTransport, _client, _outbox, _pick

pytestmark = pytest.mark.slow


def test_time_parts_void_and_follow_up_made_offline_reach_the_server(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = FaultTransport()
        ordo = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            detail = _pick(ordo)
            oid = detail.summary.id
            with ordo._store.read() as s:
                sku = s.query(Part).first().sku  # the catalogue came with the first pull

            transport.cut = True
            now = datetime.now(UTC)
            ordo.log_time(
                oid,
                kind="travel",
                started_at=now - timedelta(minutes=40),
                ended_at=now - timedelta(minutes=10),
            )
            ordo.use_part(oid, sku=sku, quantity=2)
            note = ordo.add_note(oid, "meant for another order").notes[-1].id
            ordo.void_entry(oid, entity="note", entry_id=note, reason="wrong order")
            follow = ordo.create_follow_up(
                oid, title="Replace the valve", description="It weeps", priority="high", kind="repair"
            )
            assert follow.summary.number.startswith("NEW-") and _outbox(ordo) == 6  # with its link note

            transport.cut = False
            ordo.sync_blocking()
            assert _outbox(ordo) == 0
            with ordo._store.read() as s:
                assert s.query(TimeLog).one().server_data is not None
                assert s.query(PartUsage).one().server_data is not None
            local = ordo.get_order(oid)
            assert [t.kind for t in local.time_logs] == ["travel"] and not local.time_logs[0].pending
            assert [p.quantity for p in local.parts] == [2.0]
            assert note not in [n.id for n in local.notes] and local.refusals == []
            created = ordo.get_order(follow.summary.id)
            assert created is not None and created.summary.number.startswith("WO-")
            assert created.summary.status is Status.NEW
            held = read_order(database_url=server.database_url, order_id=str(follow.summary.id))
            assert held is not None and held["title"] == "Replace the valve"
        finally:
            ordo.close()


def test_two_dispatchers_edit_one_title_and_the_loser_decides_the_conflict(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        first = _client(server.url, tmp_path / "a", FaultTransport())
        second = _client(server.url, tmp_path / "b", FaultTransport())
        try:
            for ordo in (first, second):
                ordo.sign_in(server_url=server.url, username="dispatcher", password="demo-dispatcher")
                ordo.sync_blocking()
            oid = _pick(first).summary.id
            update_fields(first, oid, {"title": "Title from desk A"})
            update_fields(second, oid, {"title": "Title from desk B"})
            first.sync_blocking()
            second.sync_blocking()  # B's base_seq is older than A's change: a conflict, not an overwrite

            detail = second.get_order(oid)
            assert detail.summary.title == "Title from desk A" and detail.open_conflicts == 1
            [conflict] = conflicts_of(second, oid)
            assert (conflict.field, conflict.mine, conflict.theirs) == (
                "title",
                "Title from desk B",
                "Title from desk A",
            )
            assert conflict.may_resolve

            assert second.resolve_conflict(conflict.id, choice="mine").summary.title == "Title from desk B"
            second.sync_blocking()
            first.sync_blocking()
            for ordo in (first, second):
                assert ordo.get_order(oid).summary.title == "Title from desk B"
            assert [c.status for c in conflicts_of(first, oid)] == ["resolved"]
        finally:
            first.close()
            second.close()
