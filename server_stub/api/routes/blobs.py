"""Blobs: photo and signature bytes, content-addressed and uploaded resumably
(sync-protocol.md, "Blobs"; tus-like headers). The files live in the BlobStore;
this module speaks HTTP."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from app.domain.blobs import MAX_CHUNK, UPLOAD_LENGTH, UPLOAD_OFFSET, is_sha256, sniff_content_type
from app.domain.protocol import SHA256_PATTERN
from server_stub.api.deps import ClockDep, DbDep, SettingsDep, current_principal
from server_stub.api.errors import ApiError, error_response
from server_stub.auth import policy
from server_stub.auth.security import Principal
from server_stub.blobs.store import BlobKind, BlobStore, HashMismatch, NotAnImage, Upload, UploadBusy
from server_stub.db import Database
from server_stub.sync.apply.evidence import blob_stored

router = APIRouter(prefix="/blobs", tags=["blobs"])

# Blobs never change under their name: a device may keep them as long as it likes.
_CACHE_FOREVER = "private, max-age=31536000, immutable"
# Offsets move with every PATCH: never cache a HEAD answer.
_NO_STORE = "no-store"


async def get_store(request: Request) -> BlobStore:  # never waits: no thread-pool hop
    return request.app.state.blobs


StoreDep = Annotated[BlobStore, Depends(get_store)]


def blob_principal(request: Request, db: DbDep, clock: ClockDep) -> Principal:
    """The bearer check of api.deps.current_principal (its session is closed before the
    route runs: an upload may take minutes and must not hold a database connection all
    that time), and may this account use blobs."""
    principal = current_principal(request, db, clock)
    if not policy.may_use_blobs(principal.user):
        raise ApiError(403, "forbidden", "this account may not use blobs")
    return principal


BlobUser = Annotated[Principal, Depends(blob_principal)]

# The name as the document states it. Documented, not enforced by FastAPI: a bad name
# stays the protocol's 400 `bad_sha256` (from _checked_sha), not a 422.
Sha256 = Annotated[
    str,
    Path(
        description="the SHA-256 of the bytes: 64 lowercase hex characters",
        json_schema_extra={"pattern": SHA256_PATTERN},
    ),
]


def _checked_sha(sha256: str) -> str:
    if not is_sha256(sha256):
        message = "a blob is named by its SHA-256: exactly 64 lowercase hex characters"
        raise ApiError(400, "bad_sha256", message)
    return sha256


def _header_int(request: Request, name: str, *, minimum: int) -> int:
    text = request.headers.get(name)
    if text is None:
        raise ApiError(400, "malformed", f"the {name} header is missing")
    text = text.strip()
    # Digits only: int() would also take "+5", " 5", "5_0" and "٥".
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < minimum:
        raise ApiError(400, "malformed", f"{name} must be a whole number of at least {minimum}, not {text!r}")
    return int(text)


def _offset_headers(offset: int, *, length: int | None = None) -> dict[str, str]:
    headers = {UPLOAD_OFFSET: str(offset), "Cache-Control": _NO_STORE}
    if length is not None:
        headers[UPLOAD_LENGTH] = str(length)
    return headers


@router.head(
    "/{sha256}",
    responses={204: {"description": "a partial upload is held; Upload-Offset says how much"}, 404: {}},
)
def head_blob(sha256: Sha256, principal: BlobUser, store: StoreDep) -> Response:
    state = store.state(org_id=principal.user.org_id, sha256=_checked_sha(sha256))
    if state.kind is BlobKind.COMPLETE:
        return Response(status_code=200, headers=_offset_headers(state.offset, length=state.length))
    if state.kind is BlobKind.PARTIAL:
        return Response(status_code=204, headers=_offset_headers(state.offset, length=state.length))
    raise ApiError(404, "not_found", f"no blob {sha256}")


@router.get("/{sha256}", response_class=FileResponse, responses={304: {}, 404: {}})
def get_blob(request: Request, sha256: Sha256, principal: BlobUser, db: DbDep, store: StoreDep) -> Response:
    sha = _checked_sha(sha256)
    org_id = principal.user.org_id
    with db.read() as session:
        visible = bool(session.execute(select(policy.blob_visible(principal.user, sha256=sha))).scalar())
    # Not referenced by an order this user sees and not held are the same answer:
    # existence is never revealed (no 403).
    if not visible or not store.has(org_id=org_id, sha256=sha):
        raise ApiError(404, "not_found", f"no blob {sha}")
    headers = {"ETag": f'"{sha}"', "Cache-Control": _CACHE_FOREVER}
    if sha in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    content_type = sniff_content_type(store.head(org_id=org_id, sha256=sha)) or "application/octet-stream"
    return FileResponse(store.path(org_id=org_id, sha256=sha), media_type=content_type, headers=headers)


@router.patch(
    "/{sha256}",
    status_code=204,
    responses={200: {}, 201: {}, 400: {}, 404: {}, 409: {}, 413: {}, 415: {}, 422: {}},
)
async def patch_blob(
    request: Request, sha256: Sha256, principal: BlobUser, store: StoreDep, settings: SettingsDep, db: DbDep
) -> Response:
    sha = _checked_sha(sha256)
    org_id = principal.user.org_id
    offset = _header_int(request, UPLOAD_OFFSET, minimum=0)
    length = _header_int(request, UPLOAD_LENGTH, minimum=1)
    if length > settings.blob_max_bytes:
        raise ApiError(413, "blob_too_large", f"a blob may be at most {settings.blob_max_bytes} bytes")
    declared = request.headers.get("content-length")
    body_size = int(declared) if declared is not None and declared.isdigit() else None
    if body_size is not None and body_size > MAX_CHUNK:
        raise ApiError(413, "chunk_too_large", f"send at most {MAX_CHUNK} bytes per PATCH")
    if offset > length or (body_size is not None and offset + body_size > length):
        raise ApiError(400, "past_length", f"Upload-Offset plus the body exceed Upload-Length {length}")
    known = store.state(org_id=org_id, sha256=sha)
    if known.kind is BlobKind.COMPLETE:
        return await _already_complete(db=db, org_id=org_id, sha256=sha, size=known.offset)
    try:
        with store.upload(org_id=org_id, sha256=sha) as upload:
            return await _upload(request, upload=upload, db=db, offset=offset, length=length)
    except UploadBusy:
        held = store.state(org_id=org_id, sha256=sha).offset
        raise ApiError(
            409, "upload_busy", "another upload of these bytes is in progress; ask HEAD where it got",
            headers=_offset_headers(held),
        ) from None  # fmt: skip


async def _already_complete(*, db: Database, org_id: str, sha256: str, size: int) -> Response:
    # Nothing is written; the photos are settled again in case a crash came
    # between the blob's completion and its database transaction.
    await run_in_threadpool(_settle, db, org_id, sha256)
    return Response(status_code=200, headers=_offset_headers(size))


async def _upload(request: Request, *, upload: Upload, db: Database, offset: int, length: int) -> Response:
    state = upload.state()
    if state.kind is BlobKind.COMPLETE:  # finished by someone else since the check above
        return await _already_complete(db=db, org_id=upload.org_id, sha256=upload.sha256, size=state.offset)
    if state.kind is BlobKind.PARTIAL and state.length != length:
        raise ApiError(
            400, "length_mismatch", f"this upload was begun with Upload-Length {state.length}, not {length}"
        )
    held = state.offset if state.kind is BlobKind.PARTIAL else 0
    if offset != held:
        raise ApiError(
            409, "offset_mismatch", f"the server holds {held} bytes of this blob; continue from there",
            headers=_offset_headers(held),
        )  # fmt: skip
    if state.kind is BlobKind.ABSENT:
        upload.begin(length=length)
    room = min(MAX_CHUNK, length - offset)
    received = await _append_body(request, upload=upload, offset=offset, room=room)
    if received is None:
        # The client is gone: what arrived stays, and its next HEAD resumes from there.
        await run_in_threadpool(upload.sync)
        return error_response(400, "incomplete_body", "the connection closed before the body ended")
    now_held = offset + received
    if now_held < length:
        await run_in_threadpool(upload.sync)
        return Response(status_code=204, headers=_offset_headers(now_held))
    try:
        # Hashing up to blob_max_bytes is too long for the event loop.
        await anyio.to_thread.run_sync(upload.finish)
    except HashMismatch as exc:
        raise ApiError(
            422, "hash_mismatch", f"the bytes hash to {exc.actual}, not {upload.sha256}; upload them again"
        ) from None
    except NotAnImage:
        raise ApiError(415, "not_an_image", "a blob must be a JPEG, PNG or WebP image") from None
    await run_in_threadpool(_settle, db, upload.org_id, upload.sha256)
    return Response(status_code=201, headers=_offset_headers(length))


async def _append_body(request: Request, *, upload: Upload, offset: int, room: int) -> int | None:
    """Append the body to the partial as it arrives; returns how many bytes came,
    or None when the client went away mid-body (keeping what arrived). A body
    larger than `room` is refused and leaves the partial as it was."""
    received = 0
    try:
        with upload.open_append() as f:
            async for chunk in request.stream():
                if received + len(chunk) > room:
                    over_chunk = received + len(chunk) > MAX_CHUNK
                    f.close()
                    upload.truncate(offset=offset)
                    if over_chunk:
                        raise ApiError(413, "chunk_too_large", f"send at most {MAX_CHUNK} bytes per PATCH")
                    raise ApiError(400, "past_length", "Upload-Offset plus the body exceed Upload-Length")
                f.write(chunk)
                received += len(chunk)
    except ClientDisconnect:
        return None
    return received


def _settle(db: Database, org_id: str, sha256: str) -> None:
    with db.write() as session, session.begin():
        blob_stored(session, org_id=org_id, sha256=sha256)
