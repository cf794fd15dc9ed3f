"""Photos and signatures, mixed into `Ordo`: captured into the local store (app.services.capture),
their bytes read from this device or downloaded, upload progress heard by the views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.services import media as media_records
from app.services.observe import UploadProgress
from app.services.types import CurrentUser, OrderDetail, OrderId, PhotoBatch

if TYPE_CHECKING:
    from app.services.capture import Capture
    from app.services.tokens import SessionTokens
    from app.settings import ClientSettings
    from app.store.blobfiles import BlobFiles
    from app.sync.blobs import BlobTransfer
    from app.sync.engine import SyncEngine


class MediaApi:
    # Provided by Ordo (app.services.facade).
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
            return data
        with media_records.download_errors():
            data = self._tokens.run(lambda: self._current_engine()[1].download(sha256))
        self._capture.cache_thumbnail(sha256, data)
        self._notify()  # its thumbnail can show now
        return data

    def incoming_dir(self) -> Path:
        self._settings.incoming_dir.mkdir(parents=True, exist_ok=True)
        return self._settings.incoming_dir

    def _upload_progress(self, sha256: str, done: int, total: int) -> None:
        if self._uploading.record(sha256, done, total):
            self._notify()
