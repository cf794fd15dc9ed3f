"""Photo and signature bytes to and from the server (sync-protocol.md, "Blobs").

Uploads are content-addressed and resumable: HEAD asks how much the server holds,
PATCH sends the rest from there in chunks of at most 4 MiB. A cut at any byte is
resumed from the server's offset, not ours; a hash mismatch (the server discards
its partial) restarts from zero; bytes the server already holds are never sent.
The metadata (photo.add) travels in the outbox, apart and at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import httpx
from sqlalchemy import select

from app.domain.blobs import MAX_CHUNK, UPLOAD_LENGTH, UPLOAD_OFFSET, is_sha256
from app.store import LocalStore
from app.store.blobfiles import BlobCorrupt, BlobFiles, sha256_of
from app.store.models import BlobUpload
from app.store.outbox import sync_state
from app.sync.errors import NotSignedIn, ProtocolError, SyncError
from app.sync.http import request, server_message, server_name

log = logging.getLogger(__name__)

BLOB_PATH = "/api/v1/blobs/{sha256}"
PIECE = 64 * 1024  # progress is reported per piece of a chunk
MAX_RESTARTS = 3  # hash mismatches in one sync before leaving the blob for the next one

# (sha256, bytes sent or held so far, total): for "uploading NN%".
Progress = Callable[[str, int, int], None]


class UploadState(StrEnum):
    QUEUED = "queued"  # waiting, or partly on the server (see BlobUpload.offset)
    DONE = "done"  # the server holds the bytes
    REFUSED = "refused"  # the server will never take them (too large, not an image)


class BlobUnavailable(SyncError):
    """The bytes are not on the server (yet): the device that made them has not uploaded them."""

    retry = True


@dataclass(frozen=True, slots=True)
class TransferReport:
    uploaded: int = 0  # blobs the server took whole in this run
    already_there: int = 0  # blobs the server held already: nothing sent
    bytes_sent: int = 0
    restarts: int = 0  # uploads begun again after a hash mismatch
    refused: int = 0


def _offset(response: httpx.Response) -> int | None:
    try:
        value = int(response.headers.get(UPLOAD_OFFSET, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


class BlobTransfer:
    """Moves blobs over the httpx.Client it is given (tests hand it a faulty transport)."""

    def __init__(
        self,
        *,
        store: LocalStore,
        files: BlobFiles,
        client: httpx.Client,
        clock: Callable[[], datetime],
        on_progress: Progress | None = None,
        chunk_size: int = MAX_CHUNK,
    ) -> None:
        if not 0 < chunk_size <= MAX_CHUNK:
            raise ValueError(f"chunk_size must be 1..{MAX_CHUNK}")
        self.store = store
        self.files = files
        self.client = client
        self.clock = clock
        self.on_progress = on_progress
        self.chunk_size = chunk_size

    def _token(self) -> str:
        with self.store.read() as s:
            token = sync_state(s).access_token
        if not token:
            raise NotSignedIn("Sign in to sync.")
        return token

    # --- uploads --------------------------------------------------------------

    def upload_pending(self) -> TransferReport:
        """Upload every queued blob, oldest first. Raises SyncError (Offline, ...) at the first
        failure that stops them all; what was sent stays on the server for the next try."""
        token = self._token()
        with self.store.read() as s:
            queued = list(
                s.scalars(
                    select(BlobUpload.sha256)
                    .where(BlobUpload.state == UploadState.QUEUED)
                    .order_by(BlobUpload.created_at, BlobUpload.sha256)
                )
            )
        totals = TransferReport()
        for sha in queued:
            report = self._upload_one(sha, token=token)
            totals = TransferReport(
                uploaded=totals.uploaded + report.uploaded,
                already_there=totals.already_there + report.already_there,
                bytes_sent=totals.bytes_sent + report.bytes_sent,
                restarts=totals.restarts + report.restarts,
                refused=totals.refused + report.refused,
            )
        return totals

    def _upload_one(self, sha: str, *, token: str) -> TransferReport:
        try:
            data = self.files.read(sha, verify=True)
        except BlobCorrupt:
            data = None
        if data is None:
            # Nothing can bring these bytes back; say so instead of retrying forever.
            self._finish(sha, UploadState.REFUSED, error="The file on this device is missing or damaged.")
            return TransferReport(refused=1)
        path = BLOB_PATH.format(sha256=sha)
        offset = self._server_offset(path, token=token)
        if offset is None:
            self._finish(sha, UploadState.DONE)
            return TransferReport(already_there=1)
        sent = restarts = 0
        while True:
            chunk = data[offset : offset + self.chunk_size]
            response = request(
                self.client,
                "PATCH",
                path,
                token=token,
                headers={
                    UPLOAD_OFFSET: str(offset),
                    UPLOAD_LENGTH: str(len(data)),
                    "Content-Type": "application/offset+octet-stream",
                    # Set, so the streamed body goes with a length rather than chunked.
                    "Content-Length": str(len(chunk)),
                },
                content=self._pieces(sha, chunk, start=offset, total=len(data)),
            )
            code = response.status_code
            if code in (200, 201):
                sent += len(chunk) if code == 201 else 0
                self._finish(sha, UploadState.DONE)
                if code == 200:
                    return TransferReport(already_there=1, bytes_sent=sent, restarts=restarts)
                return TransferReport(uploaded=1, bytes_sent=sent, restarts=restarts)
            if code == 204:
                new = _offset(response)
                if new is None or new <= offset or new > len(data):
                    raise ProtocolError(f"{server_name(self.client)} gave a bad Upload-Offset after a chunk")
                sent += new - offset
                offset = new
                self._record_offset(sha, offset)
            elif code == 409:
                # Not where the server is (a cut upload, or another device on the same bytes).
                held = _offset(response)
                offset = held if held is not None else self._server_offset(path, token=token)
                if offset is None:
                    self._finish(sha, UploadState.DONE)
                    return TransferReport(already_there=1, bytes_sent=sent, restarts=restarts)
            elif code == 422:
                restarts += 1
                self._record_offset(sha, 0, restarted=True)
                log.warning("upload of %s refused for a hash mismatch (try %d)", sha, restarts)
                if restarts >= MAX_RESTARTS:
                    raise ProtocolError(
                        f"{server_name(self.client)} keeps refusing a photo's bytes as damaged in transit"
                    )
                offset = 0
            elif code in (413, 415):
                detail = server_message(response) or f"HTTP {code}"
                self._finish(sha, UploadState.REFUSED, error=f"The server refused it: {detail}")
                return TransferReport(refused=1, bytes_sent=sent, restarts=restarts)
            else:
                detail = server_message(response)
                raise ProtocolError(
                    f"{server_name(self.client)} refused an upload (HTTP {code})"
                    + (f": {detail}" if detail else "")
                )

    def _pieces(self, sha: str, chunk: bytes, *, start: int, total: int) -> Iterator[bytes]:
        for i in range(0, len(chunk), PIECE):
            piece = chunk[i : i + PIECE]
            yield piece
            if self.on_progress is not None:
                self.on_progress(sha, start + i + len(piece), total)

    def _server_offset(self, path: str, *, token: str) -> int | None:
        """How many bytes the server holds: None when it holds them all."""
        response = request(self.client, "HEAD", path, token=token)
        code = response.status_code
        if code == 200:
            return None
        if code == 404:
            return 0
        if code == 204:
            held = _offset(response)
            if held is not None:
                return held
        raise ProtocolError(f"{server_name(self.client)} answered HEAD of a blob with HTTP {code}")

    def _record_offset(self, sha: str, offset: int, *, restarted: bool = False) -> None:
        with self.store.transaction() as s:
            row = s.get(BlobUpload, sha)
            if row is not None:
                row.offset = offset
                row.restarts += int(restarted)

    def _finish(self, sha: str, state: UploadState, *, error: str | None = None) -> None:
        with self.store.transaction() as s:
            row = s.get(BlobUpload, sha)
            if row is not None:
                row.state = state.value
                row.error = error
                if state is UploadState.DONE:
                    row.offset = row.size
                    row.done_at = self.clock()

    # --- downloads ------------------------------------------------------------

    def download(self, sha: str) -> bytes:
        """The bytes from the server, checked against their name and kept on this device."""
        if not is_sha256(sha):
            raise ValueError(f"not a SHA-256: {sha!r}")
        response = request(self.client, "GET", BLOB_PATH.format(sha256=sha), token=self._token())
        if response.status_code == 404:
            raise BlobUnavailable(
                "This photo is not on the server yet: the device that took it has not uploaded it."
            )
        if response.status_code != 200:
            raise ProtocolError(
                f"{server_name(self.client)} answered a download with HTTP {response.status_code}"
            )
        data = response.content
        if sha256_of(data) != sha:
            raise ProtocolError(f"{server_name(self.client)} sent damaged bytes for a photo")
        self.files.put(sha, data)
        return data
