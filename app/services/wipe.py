"""Erasing this device's data when an administrator asks (401 `device_wiped`), without
losing work: a revoked token cannot push, so everything not yet on the server is first
exported to a file that is written, flushed to disk, renamed into place and read back.

    <data_dir>/exports/ordo-unsent-<device_id>-<UTC time>.zip
        manifest.json    who, where, when; the mutations and blobs it holds
        mutations.json   every queued mutation, in mid order, as it would be pushed
        blobs/<sha256>   the bytes of each photo or signature not uploaded yet

Order of the steps, and what a crash at any point leaves:
1. export (temporary name → fsync → rename → verify): the data, perhaps a stray temp file;
2. one SQLite transaction erases orders, children, outbox, conflicts, users and tokens:
   the data (rolled back) or the export with no data;
3. blob files and thumbnails are removed: the export, plus files nothing refers to.
Never neither. A wipe interrupted before step 2 runs again on the next sync.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from app.store import LocalStore
from app.store.blobfiles import BlobFiles
from app.store.models import BlobUpload, OutboxEntry
from app.store.outbox import restart_pull, sync_state
from app.store.rows import clear_server_rows

FORMAT = "ordo-unsent/1"
WIPED = "This device was signed out by an administrator and its data erased"


class ExportFailed(Exception):
    """The export could not be written or did not read back whole: nothing was erased."""


@dataclass(frozen=True, slots=True)
class WipeReport:
    export: Path | None  # None: nothing was waiting to be sent
    mutations: int
    blobs: int
    missing_blobs: int  # queued uploads whose file was already gone from this device

    @property
    def message(self) -> str:
        """What the user is told, in place of the sign-in screen's and the sync bar's text."""
        if self.export is None:
            return f"{WIPED}; nothing was waiting to be sent."
        return f"{WIPED}; unsent work was saved to {self.export}"


@dataclass(frozen=True, slots=True)
class _Unsent:
    manifest: dict[str, Any]
    mutations: list[dict[str, Any]]
    blobs: dict[str, bytes]
    missing: list[str]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _collect(store: LocalStore, files: BlobFiles, *, now: datetime) -> _Unsent | None:
    with store.read() as s:
        state = sync_state(s)
        entries = list(s.scalars(select(OutboxEntry).order_by(OutboxEntry.mid)))
        uploads = list(s.scalars(select(BlobUpload).where(BlobUpload.state != "done")))
        device_id, user, server_url = state.device_id, state.user, state.server_url
    if not entries and not uploads:
        return None
    mutations = [
        {
            "mid": e.mid,
            "type": e.type,
            "entity_id": e.entity_id,
            "args": e.args,
            "base_seq": e.base_seq,
            "created_at": _iso(e.created_at),
            # The last push answer, if any (None: the server never answered this one).
            "result_status": e.result_status,
            "result_error": e.result_error,
        }
        for e in entries
    ]
    blobs: dict[str, bytes] = {}
    missing: list[str] = []
    listed: list[dict[str, Any]] = []
    for upload in uploads:
        data = files.read(upload.sha256)
        if data is None:
            missing.append(upload.sha256)
        else:
            blobs[upload.sha256] = data
        listed.append(
            {
                "sha256": upload.sha256,
                "size": upload.size,
                "content_type": upload.content_type,
                "state": upload.state,
                "file": f"blobs/{upload.sha256}" if data is not None else None,
            }
        )
    manifest = {
        "format": FORMAT,
        "device_id": device_id,
        "user": user,
        "server_url": server_url,
        "exported_at": now.isoformat(),
        "mutations": len(mutations),
        "blobs": listed,
    }
    return _Unsent(manifest=manifest, mutations=mutations, blobs=blobs, missing=missing)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify(path: Path, unsent: _Unsent) -> None:
    """Read the file back: every member's CRC, the mutations equal to what was meant, each
    blob hashing to its name."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise ExportFailed(f"{path}: {bad} is damaged")
            if json.loads(archive.read("mutations.json")) != unsent.mutations:
                raise ExportFailed(f"{path}: the mutations did not read back as written")
            if json.loads(archive.read("manifest.json")) != unsent.manifest:
                raise ExportFailed(f"{path}: the manifest did not read back as written")
            for sha in unsent.blobs:
                if hashlib.sha256(archive.read(f"blobs/{sha}")).hexdigest() != sha:
                    raise ExportFailed(f"{path}: the file of {sha} did not read back as written")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExportFailed(f"{path} could not be read back: {exc}") from exc


def export_unsent(store: LocalStore, files: BlobFiles, *, exports_dir: Path, now: datetime) -> WipeReport:
    """Save every queued mutation and the bytes of every upload not done; verified on disk
    before this returns. No file when nothing is waiting. Raises ExportFailed."""
    unsent = _collect(store, files, now=now)
    if unsent is None:
        return WipeReport(export=None, mutations=0, blobs=0, missing_blobs=0)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
    final = exports_dir / f"ordo-unsent-{unsent.manifest['device_id']}-{stamp}.zip"
    try:
        exports_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=exports_dir, prefix=".tmp-", suffix=".zip")
    except OSError as exc:
        raise ExportFailed(f"cannot write to {exports_dir}: {exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("manifest.json", json.dumps(unsent.manifest, indent=2))
                archive.writestr("mutations.json", json.dumps(unsent.mutations, indent=2))
                for sha, data in unsent.blobs.items():
                    # Photos are JPEG/WebP/PNG already: deflating them only costs time.
                    archive.writestr(f"blobs/{sha}", data, compress_type=zipfile.ZIP_STORED)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, final)
        _fsync_dir(exports_dir)
    except OSError as exc:
        raise ExportFailed(f"cannot write {final}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    _verify(final, unsent)
    return WipeReport(
        export=final,
        mutations=len(unsent.mutations),
        blobs=len(unsent.blobs),
        missing_blobs=len(unsent.missing),
    )


def erase(store: LocalStore, *, notice: str) -> None:
    """One transaction: every pulled row, the outbox, uploads, the user and their tokens.
    The device id stays (it is this installation's identity), and the server address (to
    sign in again); `notice` tells the next person who opens the app what happened."""
    with store.transaction() as s:
        # The server holds every mutation it answered; the next mid must follow those.
        answered = s.scalar(select(func.max(OutboxEntry.mid)).where(OutboxEntry.result_status.is_not(None)))
        clear_server_rows(s)
        s.execute(delete(OutboxEntry))
        s.execute(delete(BlobUpload))
        state = sync_state(s)
        restart_pull(state)
        state.user = None
        state.access_token = None
        state.refresh_token = None
        state.token_expires_at = None
        state.last_synced_at = None
        # What the server is known to hold of this device's mutations: the next mid follows
        # it. (The first pull after a sign-in sets it from the server, as on any empty outbox.)
        state.last_mid = max(state.acked_mid, answered or 0)
        state.notice = notice


def wipe_device(
    store: LocalStore, files: BlobFiles, *, exports_dir: Path, incoming_dir: Path, now: datetime
) -> WipeReport:
    """Export what is unsent, then erase; ExportFailed (nothing erased) when the export
    could not be made safely."""
    report = export_unsent(store, files, exports_dir=exports_dir, now=now)
    erase(store, notice=report.message)
    files.clear()
    shutil.rmtree(incoming_dir, ignore_errors=True)
    return report
