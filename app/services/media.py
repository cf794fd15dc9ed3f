"""Photos and signatures: the writes that queue them and the read models that show them.

The bytes are on disk (app.store.blobfiles) before the transaction that names them
commits, so a queued photo.add never points at bytes this device does not hold.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.domain.blobs import BLOB_STORED
from app.domain.limits import MAX_CAPTION, MAX_SIGNER_NAME
from app.domain.protocol import MutationType
from app.media import ProcessedImage
from app.services.refusals import names
from app.services.types import BlobState, InvalidInput, OrderDetail, PhotoView, ServiceError, SignatureView
from app.services.writes import evidence_order, queue_change, wire_time
from app.store.blobfiles import BlobFiles
from app.store.models import BlobUpload, OutboxEntry, Photo, Signature
from app.sync.blobs import BlobUnavailable, UploadState
from app.sync.errors import Offline, ServerUnavailable, SyncError

# sha256 -> (bytes sent so far, total) for uploads running now.
Active = Mapping[str, tuple[int, int]]


def _queue_upload(session: Session, image: ProcessedImage, *, now: datetime) -> None:
    if session.get(BlobUpload, image.sha256) is None:  # the same bytes twice upload once
        session.add(
            BlobUpload(
                sha256=image.sha256,
                size=image.size,
                content_type=image.content_type,
                state=UploadState.QUEUED.value,
                offset=0,
                restarts=0,
                created_at=now,
            )
        )


def names_blob(session: Session, sha256: str) -> bool:
    """Whether any row of this device names these bytes (they must stay on disk then)."""
    return (
        session.get(BlobUpload, sha256) is not None
        or session.scalar(select(exists().where(Photo.sha256 == sha256))) is True
        or session.scalar(select(exists().where(Signature.sha256 == sha256))) is True
    )


def check_caption(caption: str) -> str:
    text = (caption or "").strip()
    if len(text) > MAX_CAPTION:
        raise InvalidInput(f"The caption is too long (at most {MAX_CAPTION} characters).")
    return text


def add_photo(
    session: Session, *, order_id: uuid.UUID, image: ProcessedImage, caption: str, now: datetime
) -> OutboxEntry:
    order = evidence_order(session, order_id=order_id, kind=MutationType.PHOTO_ADD)
    text = check_caption(caption)
    _queue_upload(session, image, now=now)
    args = {
        "id": str(uuid.uuid4()),
        "sha256": image.sha256,
        "size": image.size,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "caption": text,
        "taken_at": wire_time(image.taken_at or now),
    }
    return queue_change(
        session, type=MutationType.PHOTO_ADD, order=order, args=args, base_seq=order.seq, at=now
    )


def check_signer(signer_name: str) -> str:
    name = (signer_name or "").strip()
    if not name:
        raise InvalidInput("Enter the name of the person signing.")
    if len(name) > MAX_SIGNER_NAME:
        raise InvalidInput(f"The name is too long (at most {MAX_SIGNER_NAME} characters).")
    return name


def add_signature(
    session: Session,
    *,
    order_id: uuid.UUID,
    image: ProcessedImage,
    signer_name: str,
    now: datetime,
) -> OutboxEntry:
    order = evidence_order(session, order_id=order_id, kind=MutationType.SIGNATURE_ADD)
    name = check_signer(signer_name)
    _queue_upload(session, image, now=now)
    args = {"id": str(uuid.uuid4()), "signer_name": name, "sha256": image.sha256, "signed_at": wire_time(now)}
    return queue_change(
        session, type=MutationType.SIGNATURE_ADD, order=order, args=args, base_seq=order.seq, at=now
    )


@contextmanager
def download_errors() -> Iterator[None]:
    """A failed download as a ServiceError whose text can be shown as is."""
    try:
        yield
    except (Offline, ServerUnavailable) as exc:
        raise ServiceError(
            f"This photo is not on this device yet, and the server cannot be reached ({exc})."
        ) from exc
    except BlobUnavailable as exc:
        raise ServiceError(str(exc)) from exc
    except SyncError as exc:
        raise ServiceError(f"The photo could not be downloaded: {exc}") from exc


# --- read models ---------------------------------------------------------------


def with_media(
    session: Session, detail: OrderDetail, *, user_id: str, files: BlobFiles, active: Active, now: datetime
) -> OrderDetail:
    """`detail` with its photos and signatures, each saying where its bytes are."""
    order_id = str(detail.summary.id)
    queued = list(session.scalars(select(OutboxEntry).where(OutboxEntry.entity_id == order_id)))
    return dataclasses.replace(
        detail,
        photos=photo_views(
            session, order_id=order_id, user_id=user_id, queued=queued, files=files, active=active, now=now
        ),
        signatures=signature_views(
            session, order_id=order_id, queued=queued, files=files, active=active, now=now
        ),
    )


def _state(
    sha: str, *, upload: BlobUpload | None, server_status: str | None, active: Active
) -> tuple[BlobState, int]:
    """Where the bytes are, and the percent uploaded while uploading."""
    if upload is None:  # made on another device
        stored = server_status is None or server_status == BLOB_STORED
        return (BlobState.ON_SERVER if stored else BlobState.AWAITING), 0
    if upload.state == UploadState.DONE:
        return BlobState.ON_SERVER, 100
    done, total = active.get(sha, (upload.offset, upload.size))
    if sha in active or upload.offset:
        percent = min(99, int(100 * done / total)) if total else 0
        return BlobState.UPLOADING, percent
    return BlobState.LOCAL, 0


def _uploads(session: Session, shas: set[str]) -> dict[str, BlobUpload]:
    if not shas:
        return {}
    return {u.sha256: u for u in session.scalars(select(BlobUpload).where(BlobUpload.sha256.in_(shas)))}


def _pending(queued: list[OutboxEntry], kind: MutationType) -> set[str]:
    return {str(e.args.get("id")) for e in queued if e.type == kind}


def photo_views(
    session: Session,
    *,
    order_id: str,
    user_id: str,
    queued: list[OutboxEntry],
    files: BlobFiles,
    active: Active,
    now: datetime,
) -> list[PhotoView]:
    rows = list(session.scalars(select(Photo).where(Photo.order_id == order_id, Photo.voided.is_(False))))
    rows.sort(key=lambda p: (p.taken_at or now, p.id))
    uploads = _uploads(session, {p.sha256 for p in rows})
    people = names(session)
    pending = _pending(queued, MutationType.PHOTO_ADD)
    views = []
    for p in rows:
        state, percent = _state(
            p.sha256, upload=uploads.get(p.sha256), server_status=p.blob_status, active=active
        )
        views.append(
            PhotoView(
                id=uuid.UUID(p.id),
                sha256=p.sha256,
                caption=p.caption,
                taken_at=p.taken_at,
                width=p.width,
                height=p.height,
                size=p.size,
                author_name="You" if p.author_id == user_id else people.get(p.author_id or "", "Someone"),
                pending=p.id in pending,
                mine=p.author_id == user_id,
                state=state,
                upload_percent=percent,
                thumbnail=files.thumbnail(p.sha256),
            )
        )
    return views


def signature_views(
    session: Session,
    *,
    order_id: str,
    queued: list[OutboxEntry],
    files: BlobFiles,
    active: Active,
    now: datetime,
) -> list[SignatureView]:
    rows = list(session.scalars(select(Signature).where(Signature.order_id == order_id)))
    rows.sort(key=lambda r: (r.signed_at or now, r.id))
    uploads = _uploads(session, {r.sha256 for r in rows})
    pending = _pending(queued, MutationType.SIGNATURE_ADD)
    views = []
    for r in rows:
        # Signatures carry no blob_status on the wire: one made elsewhere counts as uploaded.
        state, percent = _state(r.sha256, upload=uploads.get(r.sha256), server_status=None, active=active)
        views.append(
            SignatureView(
                id=uuid.UUID(r.id),
                signer_name=r.signer_name,
                signed_at=r.signed_at or now,
                sha256=r.sha256,
                state=state,
                upload_percent=percent,
                pending=r.id in pending,
                image=files.read(r.sha256) if r.sha256 else None,
            )
        )
    return views
