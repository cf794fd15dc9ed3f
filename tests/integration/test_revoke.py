"""Revoking a lost device against a real ordo-server process: an administrator runs
`ordo-server device revoke` (the real command, in its own process) while the technician
works offline. With --wipe the device saves its unsent work to a file, then erases its
data; without, it is signed out and keeps everything."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.domain import Status
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store.models import BlobUpload, ChecklistItem, Conflict, Note, Order, OutboxEntry, Photo, User
from app.store.outbox import queued, sync_state
from app.sync.errors import DeviceRevoked, DeviceWiped
from server_stub import testing

from .devices import Switch, device

pytestmark = pytest.mark.slow


CutTransport = Switch


def _client(server_url: str, tmp_path: Path, transport: CutTransport) -> tuple[Ordo, ClientSettings]:
    settings = ClientSettings(data_dir=tmp_path / "client", server_url=server_url)
    return device(server_url, settings.data_dir, transport), settings


def _admin(server: testing.ServerProcess, *argv: str) -> str:
    """`ordo-server ...` as an administrator runs it on the server machine."""
    done = subprocess.run(
        [sys.executable, "-m", "server_stub.cli", *argv, "--data-dir", str(server.data_dir),
         "--database-url", server.database_url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _work_offline(ordo: Ordo, tmp_path: Path) -> uuid.UUID:
    groups = ordo.list_orders()
    summary = next(s for s in groups.overdue + groups.today + groups.upcoming if s.status is Status.ASSIGNED)
    oid = summary.id
    ordo.transition(oid, Status.IN_PROGRESS)
    ordo.add_note(oid, "Found the leak behind the boiler")
    photo = tmp_path / "leak.jpg"
    Image.new("RGB", (800, 600), (40, 90, 160)).save(photo, "JPEG", quality=90)
    assert ordo.add_photos(oid, [photo]).added == 1
    ordo.add_note(oid, "Waiting for a part")
    return oid


def _local_counts(ordo: Ordo) -> dict[str, int]:
    with ordo._store.read() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Order, ChecklistItem, Note, Photo, OutboxEntry, Conflict, User, BlobUpload)
        }


def test_a_wiped_device_exports_its_unsent_work_then_is_empty(
    tmp_path: Path, server_database: str | None
) -> None:
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = CutTransport()
        ordo, settings = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            with ordo._store.read() as s:
                device_id = sync_state(s).device_id

            transport.cut = True
            oid = _work_offline(ordo, tmp_path)
            with ordo._store.read() as s:
                unsent = [(e.mid, e.type, e.entity_id, e.args) for e in queued(s)]
                [upload] = list(s.scalars(select(BlobUpload)))
            photo_bytes = ordo._files.read(upload.sha256)
            assert len(unsent) == 4 and photo_bytes

            out = _admin(server, "device", "revoke", device_id, "--wipe")
            assert f"Revoked device {device_id} of 'tech1'" in out
            listing = _admin(server, "device", "list", "--user", "tech1")
            assert f"{device_id}" in listing and "revoked+wipe" in listing

            transport.cut = False
            with pytest.raises(DeviceWiped) as exc:
                ordo.sync_blocking()
            assert transport.statuses[-1] == ("/api/v1/sync/push", 401)  # its first request after

            # Its database is empty, its photo files gone; it is still the same installation.
            assert set(_local_counts(ordo).values()) == {0}
            with ordo._store.read() as s:
                state = sync_state(s)
                assert state.device_id == device_id and state.access_token is None and state.user is None
            assert ordo._files.read(upload.sha256) is None
            assert ordo.current_user() is None

            # The export holds every unsent mutation and the photo's bytes.
            [export] = sorted((settings.data_dir / "exports").glob(f"ordo-unsent-{device_id}-*.zip"))
            assert str(exc.value).endswith(f"unsent work was saved to {export}")
            with zipfile.ZipFile(export) as archive:
                assert archive.testzip() is None
                mutations = json.loads(archive.read("mutations.json"))
                assert archive.read(f"blobs/{upload.sha256}") == photo_bytes
            assert [(m["mid"], m["type"], m["entity_id"], m["args"]) for m in mutations] == unsent
            assert {m["entity_id"] for m in mutations} == {str(oid)}

            # None of it reached the server: a revoked token pushes nothing.
            held = testing.read_order(database_url=server.database_url, order_id=str(oid))
            assert held is not None and held["status"] == "assigned"
            assert "Found the leak behind the boiler" not in [n["text"] for n in held["notes"]]
        finally:
            ordo.close()


def test_a_revoked_device_is_signed_out_and_keeps_its_work(
    tmp_path: Path, server_database: str | None
) -> None:
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = CutTransport()
        ordo, settings = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            with ordo._store.read() as s:
                device_id = sync_state(s).device_id
            transport.cut = True
            oid = _work_offline(ordo, tmp_path)
            before = _local_counts(ordo)

            _admin(server, "device", "revoke", device_id)
            transport.cut = False
            with pytest.raises(DeviceRevoked) as exc:
                ordo.sync_blocking()
            assert not isinstance(exc.value, DeviceWiped)
            assert transport.statuses[-1] == ("/api/v1/sync/push", 401)
            assert "signed out by an administrator" in str(exc.value)
            assert ordo.current_user() is None
            assert _local_counts(ordo) == before  # everything kept
            assert not (settings.data_dir / "exports").exists()

            # Signing in again (the rightful user, with the password) sends it all.
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            held = testing.read_order(database_url=server.database_url, order_id=str(oid))
            assert held is not None and held["status"] == "in_progress"
            assert [n["text"] for n in held["notes"]][-2:] == [
                "Found the leak behind the boiler",
                "Waiting for a part",
            ]
            with ordo._store.read() as s:
                assert queued(s) == []
        finally:
            ordo.close()
