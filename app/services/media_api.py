"""Photos and signatures, mixed into `Ordo`: captured into the local store (app.services.capture),
their bytes read from this device or downloaded, upload progress heard by the views."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.services import media as media_records
from app.services import storage
from app.services.observe import UploadProgress
from app.services.types import CurrentUser, OrderDetail, OrderId, PhotoBatch

if TYPE_CHECKING:
    from app.services.capture import Capture
    from app.services.tokens import SessionTokens
    from app.settings import ClientSettings
    from app.store import LocalStore
    from app.store.blobfiles import BlobFiles
    from app.sync.blobs import BlobTransfer
    from app.sync.engine import SyncEngine

log = logging.getLogger(__name__)


class MediaApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _clock: Callable[[], datetime]
    _capture: Capture
    _files: BlobFiles
    _settings: ClientSettings
    _tokens: SessionTokens
    _uploading: UploadProgress

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _after_write(self, order_id: OrderId) -> OrderDetail:
        raise NotImplementedError

    def _notify(self) -> None:
        raise NotImplementedError

    def _current_engine(self) -> tuple[SyncEngine, BlobTransfer]:
        raise NotImplementedError

    def add_photos(
        self,
        order_id: OrderId,
        files: Sequence[Path],
        *,
        caption: str = "",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> PhotoBatch:
        self._who()
        added, problems = self._capture.add_photos(
            order_id=order_id, paths=files, caption=caption, progress=progress
        )
        return PhotoBatch(detail=self._after_write(order_id), added=added, problems=problems)

    def add_signature(
        self,
        order_id: OrderId,
        *,
        signer_name: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: float,
        height: float,
    ) -> OrderDetail:
        self._who()
        self._capture.add_signature(
            order_id=order_id,
            signer_name=signer_name,
            strokes=strokes,
            width=width,
            height=height,
        )
        return self._after_write(order_id)

    def photo_bytes(self, sha256: str) -> bytes:
        data = self._files.read(sha256)
        if data is not None:
            # Least recently viewed leaves the cache first: this one goes to the back.
            storage.mark_viewed(self._files, sha256, now=self._clock())
            return data
        with media_records.download_errors():
            data = self._tokens.run(lambda: self._current_engine()[1].download(sha256))
        storage.mark_viewed(self._files, sha256, now=self._clock())
        self._capture.cache_thumbnail(sha256, data)
        self._keep_cache_under_cap(spare=sha256)
        self._notify()  # its thumbnail can show now
        return data

    def _keep_cache_under_cap(self, *, spare: str) -> None:
        try:
            freed = storage.enforce_cap(
                self._store,
                self._files,
                cap_bytes=self._settings.photo_cache_mb * 1_000_000,
                now=self._clock(),
                spare=[spare],
            )
        except Exception:  # tidying the cache never costs the user the photo they opened
            log.exception("the photo cache could not be brought under its limit")
            return
        if freed.count:
            log.info("photo cache over its limit: removed %d photos (%d bytes)", freed.count, freed.bytes)

    def storage_report(self) -> storage.StorageReport:
        return storage.report(
            self._store, self._files, cap_bytes=self._settings.photo_cache_mb * 1_000_000, now=self._clock()
        )

    def free_cached_photos(self) -> storage.FreedReport:
        return storage.free_cached(self._store, self._files, now=self._clock())

    def incoming_dir(self) -> Path:
        self._settings.incoming_dir.mkdir(parents=True, exist_ok=True)
        return self._settings.incoming_dir

    def _upload_progress(self, sha256: str, done: int, total: int) -> None:
        if self._uploading.record(sha256, done, total):
            self._notify()
