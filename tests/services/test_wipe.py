"""An administrator's wipe (401 device_wiped): the unsent work is exported to a verified
zip first, then the device's data is erased; a crash at any step leaves the data, or the
export and the data, never neither. Real files, real Pillow images, a scripted server."""

from __future__ import annotations

import hashlib
import json
import stat
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.services import wipe as wiping
from app.store.models import (
    BlobUpload,
    ChecklistItem,
    Conflict,
    Note,
    Order,
    OutboxEntry,
    Photo,
    Signature,
    User,
)
from app.store.outbox import queued, sync_state
from app.sync.errors import DeviceWiped

from .tokenkit import REFRESH, TokenRig, make_rig, signed_in_rig

TABLES = (Order, ChecklistItem, Note, Photo, Signature, OutboxEntry, Conflict, User, BlobUpload)


@pytest.fixture
def rig(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield from signed_in_rig(tmp_path)


def _jpeg(path: Path, color: tuple[int, int, int]) -> Path:
    Image.new("RGB", (640, 480), color).save(path, "JPEG", quality=90)
    return path


def _unsent_work(rig: TokenRig, tmp_path: Path) -> dict[str, Any]:
    """A note, two photos and a signature made offline; returns the outbox and the blobs."""
    order = uuid.UUID(rig.order)
    rig.ordo.add_note(order, "Valve replaced, leak stopped")
    batch = rig.ordo.add_photos(
        order, [_jpeg(tmp_path / "a.jpg", (200, 30, 30)), _jpeg(tmp_path / "b.jpg", (30, 200, 30))]
    )
    assert batch.added == 2
    rig.ordo.add_signature(
        order, signer_name="Ann Customer", strokes=[[(5, 5), (80, 40)]], width=100, height=60
    )
    with rig.ordo._store.read() as s:
        outbox = [(e.mid, e.type, e.entity_id, e.args, e.base_seq) for e in queued(s)]
        blobs = {u.sha256: rig.ordo._files.read(u.sha256) for u in s.scalars(select(BlobUpload))}
    assert len(outbox) == 4 and len(blobs) == 3 and all(blobs.values())
    return {"outbox": outbox, "blobs": blobs}


def _rows(rig: TokenRig) -> dict[str, int]:
    with rig.ordo._store.read() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}


def _exports(rig: TokenRig) -> list[Path]:
    folder = rig.settings.data_dir / "exports"
    return sorted(folder.glob("ordo-unsent-*.zip")) if folder.exists() else []


def _export_holds(path: Path, work: dict[str, Any]) -> bool:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        mutations = json.loads(archive.read("mutations.json"))
        sent = [(m["mid"], m["type"], m["entity_id"], m["args"], m["base_seq"]) for m in mutations]
        blobs = {
            name.removeprefix("blobs/"): archive.read(name) for name in archive.namelist() if "/" in name
        }
    return sent == work["outbox"] and blobs == work["blobs"]


def _device_id(rig: TokenRig) -> str:
    with rig.ordo._store.read() as s:
        return sync_state(s).device_id


def test_a_wipe_exports_the_unsent_work_then_erases_everything(rig: TokenRig, tmp_path: Path) -> None:
    work = _unsent_work(rig, tmp_path)
    device_id = _device_id(rig)
    rig.server.revoked = "device_wiped"
    with pytest.raises(DeviceWiped) as exc:
        rig.ordo.sync_blocking()

    [export] = _exports(rig)
    assert export.name.startswith(f"ordo-unsent-{device_id}-20261125T090000")
    assert str(exc.value) == (
        "This device was signed out by an administrator and its data erased;"
        f" unsent work was saved to {export}"
    )
    assert stat.S_IMODE(export.stat().st_mode) == 0o600  # customers' data: the owner's only
    assert _export_holds(export, work)
    with zipfile.ZipFile(export) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "ordo-unsent/1" and manifest["device_id"] == device_id
    assert manifest["user"]["username"] == "tech1" and manifest["mutations"] == 4
    assert {b["sha256"] for b in manifest["blobs"]} == set(work["blobs"])

    assert set(_rows(rig).values()) == {0}
    with rig.ordo._store.read() as s:
        state = sync_state(s)
        assert state.device_id == device_id  # the installation stays itself
        assert (state.user, state.access_token, state.refresh_token, state.cursor) == (None, None, None, None)
        assert state.notice == str(exc.value)
    blob_dir = rig.settings.blob_dir
    assert not blob_dir.exists() or not any(p.is_file() for p in blob_dir.rglob("*"))
    assert rig.ordo.current_user() is None
    assert rig.ordo.sync_status().message == str(exc.value)


def test_the_notice_survives_a_restart_and_the_next_sign_in_clears_it(rig: TokenRig, tmp_path: Path) -> None:
    _unsent_work(rig, tmp_path)
    rig.server.revoked = "device_wiped"
    with pytest.raises(DeviceWiped):
        rig.ordo.sync_blocking()
    rig.ordo.close()
    again = make_rig(tmp_path, server=rig.server)  # the app opened again on the same data
    try:
        assert "unsent work was saved to" in again.ordo.sync_status().message
        rig.server.revoked = None
        again.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
        assert again.ordo.sync_status().message == ""
    finally:
        again.ordo.close()


def test_nothing_unsent_means_no_export_file(rig: TokenRig) -> None:
    rig.server.revoked = "device_wiped"
    with pytest.raises(DeviceWiped) as exc:
        rig.ordo.sync_blocking()
    assert str(exc.value).endswith("its data erased; nothing was waiting to be sent.")
    assert _exports(rig) == []
    assert set(_rows(rig).values()) == {0}


def test_a_wipe_heard_on_refresh_is_carried_out_too(rig: TokenRig, tmp_path: Path) -> None:
    work = _unsent_work(rig, tmp_path)
    rig.server.expire_all()
    rig.clock.advance(hours=2)

    def wiped_on_refresh(request):  # type: ignore[no-untyped-def]
        if request.url.path == REFRESH:
            rig.server.revoked = "device_wiped"
        return rig.server.answer(request)

    rig.server.fault = wiped_on_refresh
    with pytest.raises(DeviceWiped):
        rig.ordo.sync_blocking()
    [export] = _exports(rig)
    assert _export_holds(export, work) and set(_rows(rig).values()) == {0}


def test_a_revoked_device_without_wipe_keeps_its_data(rig: TokenRig, tmp_path: Path) -> None:
    _unsent_work(rig, tmp_path)
    before = _rows(rig)
    rig.server.revoked = "device_revoked"
    with pytest.raises(Exception, match="signed out by an administrator"):
        rig.ordo.sync_blocking()
    assert _rows(rig) == before and _exports(rig) == []


class Crash(Exception):
    """Stands for the process dying at that point."""


def _crash(*_args: Any, **_kwargs: Any) -> None:
    raise Crash("power cut")


CRASH_POINTS = {
    # While writing the zip: no export under its final name, the data untouched.
    "writing": ("zipfile.ZipFile.writestr", "data"),
    "renaming": ("os.replace", "data"),
    # The export is in place, but reading it back fails: nothing is erased.
    "verifying": ("app.services.wipe._verify", "data+export"),
    # Half-way through the erasing transaction: it rolls back.
    "erasing": ("app.services.wipe.restart_pull", "data+export"),
    # After the database is erased, while the files go: the export holds all unsent work.
    "deleting-files": ("app.store.blobfiles.BlobFiles.clear", "export"),
}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_a_crash_anywhere_in_the_wipe_leaves_the_data_or_the_export(
    rig: TokenRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    target, expected = CRASH_POINTS[point]
    work = _unsent_work(rig, tmp_path)
    before = _rows(rig)
    rig.server.revoked = "device_wiped"
    with monkeypatch.context() as patch:
        patch.setattr(target, _crash)
        with pytest.raises((Crash, DeviceWiped)):
            rig.ordo.sync_blocking()

    exports = _exports(rig)
    data_kept = _rows(rig) == before and all(
        rig.ordo._files.read(sha) == b for sha, b in work["blobs"].items()
    )
    export_whole = len(exports) == 1 and _export_holds(exports[0], work)
    assert data_kept or export_whole  # never neither
    assert {"data": data_kept and not exports, "data+export": data_kept and export_whole,
            "export": export_whole and not data_kept}[expected]  # fmt: skip
    assert list((rig.settings.data_dir / "exports").glob(".tmp-*")) == []  # no half-written file left

    if data_kept:
        # Nothing was erased and the tokens were kept: the next sync carries the wipe out.
        with pytest.raises(DeviceWiped):
            rig.ordo.sync_blocking()
        assert set(_rows(rig).values()) == {0}
        assert any(_export_holds(p, work) for p in _exports(rig))


def test_an_export_that_cannot_be_written_erases_nothing_and_says_so(
    rig: TokenRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unsent_work(rig, tmp_path)
    before = _rows(rig)
    (rig.settings.data_dir / "exports").write_text("a file where the folder should be")
    rig.server.revoked = "device_wiped"
    with pytest.raises(DeviceWiped) as exc:
        rig.ordo.sync_blocking()
    assert "could not be saved first" in str(exc.value) and "Nothing was erased yet" in str(exc.value)
    assert _rows(rig) == before
    with rig.ordo._store.read() as s:
        assert sync_state(s).access_token is not None  # kept, so the next sync tries again


def test_export_unsent_reads_back_what_it_wrote(rig: TokenRig, tmp_path: Path) -> None:
    work = _unsent_work(rig, tmp_path)
    report = wiping.export_unsent(
        rig.ordo._store, rig.ordo._files, exports_dir=tmp_path / "out", now=rig.clock()
    )
    assert (report.mutations, report.blobs, report.missing_blobs) == (4, 3, 0)
    assert report.export is not None and _export_holds(report.export, work)
    for sha, data in work["blobs"].items():
        assert hashlib.sha256(data).hexdigest() == sha
    assert _rows(rig)["outbox"] == 4  # exporting alone erases nothing
