"""Turning picked files and drawn strokes into stored, queued evidence.

Pillow work runs on the caller's thread (never the UI event: views call from a
worker thread); only the final, short SQLite transaction takes the write lock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from app import media
from app.domain.protocol import MutationType
from app.media import MediaError, ProcessedImage
from app.services import media as records
from app.services.types import InvalidInput, PhotoProblem
from app.services.writes import evidence_order
from app.store import LocalStore
from app.store.blobfiles import BlobFiles

log = logging.getLogger(__name__)

# A file this large is refused before it is read: no phone photo comes near it.
MAX_SOURCE_BYTES = 200 * 1024 * 1024


class Capture:
    def __init__(
        self,
        *,
        store: LocalStore,
        files: BlobFiles,
        incoming: Path,
        clock: Callable[[], datetime],
        keep_metadata: bool,
    ) -> None:
        self._store = store
        self._files = files
        self._incoming = incoming
        self._clock = clock
        self._keep_metadata = keep_metadata

    def _keep(self, image: ProcessedImage) -> None:
        """Bytes and thumbnail on disk, durable, before any row names them."""
        self._files.put(image.sha256, image.data)
        self._files.put_thumbnail(image.sha256, image.thumbnail)

    def _forget(self, sha256: str) -> None:
        """Remove bytes kept for a write that did not commit, unless a row already names them
        (the same picture taken before is another photo's too)."""
        with self._store.read() as s:
            if records.names_blob(s, sha256):
                return
        self._files.discard(sha256)

    def cache_thumbnail(self, sha256: str, data: bytes) -> None:
        """A thumbnail for bytes downloaded from the server, so the gallery shows them next time."""
        try:
            self._files.put_thumbnail(sha256, media.make_thumbnail(data))
        except MediaError:
            log.warning("no thumbnail for %s", sha256)

    def _process(self, path: Path) -> ProcessedImage:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise MediaError(f"{path.name} could not be read ({exc.strerror or exc}).") from exc
        if size > MAX_SOURCE_BYTES:
            raise MediaError(f"{path.name} is too large ({size // (1024 * 1024)} MB; at most 200 MB).")
        return media.process_photo(path, name=path.name, keep_metadata=self._keep_metadata)

    def _discard_incoming(self, path: Path) -> None:
        """Files the web view uploaded for us are ours to remove once read; never the user's own."""
        try:
            if path.resolve().is_relative_to(self._incoming.resolve()):
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", path)

    def add_photos(
        self,
        *,
        order_id: uuid.UUID,
        paths: Sequence[Path],
        caption: str,
        progress: Callable[[int, int, str], None] | None,
    ) -> tuple[int, list[PhotoProblem]]:
        records.check_caption(caption)  # before any work, so a long caption fails the batch at once
        with self._store.read() as s:
            # The rulebook first: a refused photo is never processed, so it leaves no file behind.
            evidence_order(s, order_id=order_id, kind=MutationType.PHOTO_ADD)
        total = len(paths)
        added = 0
        problems: list[PhotoProblem] = []
        for done, path in enumerate(paths):
            name = path.name  # web uploads keep their name in a folder of their own
            if progress is not None:
                progress(done, total, name)
            try:
                image = self._process(path)
                self._keep(image)
                # One transaction per photo: a later bad file never undoes an earlier good one.
                try:
                    with self._store.transaction() as s:
                        records.add_photo(
                            s, order_id=order_id, image=image, caption=caption, now=self._clock()
                        )
                except BaseException:
                    self._forget(image.sha256)
                    raise
                added += 1
            except MediaError as exc:
                problems.append(PhotoProblem(name=name, message=str(exc)))
            except OSError as exc:  # disk full, storage gone: this photo is not kept, say so
                log.warning("could not store %s: %s", name, exc)
                problems.append(
                    PhotoProblem(
                        name=name,
                        message=f"{name} could not be saved on this device ({exc.strerror or exc}).",
                    )
                )
            finally:
                self._discard_incoming(path)
        if progress is not None:
            progress(total, total, "")
        return added, problems

    def add_signature(
        self,
        *,
        order_id: uuid.UUID,
        signer_name: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: float,
        height: float,
    ) -> None:
        records.check_signer(signer_name)  # before drawing anything
        with self._store.read() as s:
            # The rulebook first: a refused signature is never drawn, so it leaves no file behind.
            evidence_order(s, order_id=order_id, kind=MutationType.SIGNATURE_ADD)
        try:
            image = media.render_signature(strokes, width=int(width), height=int(height))
        except MediaError as exc:
            raise InvalidInput(str(exc)) from exc
        self._keep(image)
        try:
            with self._store.transaction() as s:
                records.add_signature(
                    s, order_id=order_id, image=image, signer_name=signer_name, now=self._clock()
                )
        except BaseException:
            # Refused after all (the order changed meanwhile): no file names a row that is not there.
            self._forget(image.sha256)
            raise
