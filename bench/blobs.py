"""Blob upload benchmark: a real `ordo-server` process on loopback, the real client transfer.

Prints one JSON object (figures are read, not asserted: the machines are shared and noisy):

- upload: N photo-sized blobs (noise JPEGs, which do not compress) queued on one
  device and uploaded in 4 MiB chunks; MiB/s over loopback, per-blob median time;
- resume: one blob cut at a random byte and resumed; bytes re-sent after the cut;
- download: the same blobs fetched by a second device (verified, cached).

    .venv/bin/python bench/blobs.py [--blobs 20] [--size-mib 3]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from app.media import ProcessedImage
from app.services import media as media_records
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.sync.blobs import BlobTransfer
from app.sync.errors import SyncError
from server_stub.testing import running_server


def _now() -> datetime:
    return datetime.now(UTC)


def _device(server_url: str, data_dir: Path, username: str, password: str) -> Ordo:
    settings = ClientSettings(data_dir=data_dir, server_url=server_url)
    ordo = Ordo(
        store=LocalStore.open(settings.db_path),
        client_factory=lambda url: httpx.Client(base_url=url, timeout=60),
        clock=_now,
        settings=settings,
        start_worker=False,
    )
    ordo.sign_in(server_url=server_url, username=username, password=password)
    ordo.sync_blocking()
    return ordo


def _blob(rng: random.Random, size: int) -> bytes:
    # A JPEG signature and noise: the server checks magic bytes, not the whole decode.
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size - 4)


def _queue(ordo: Ordo, blobs: list[bytes]) -> None:
    """Each blob as a photo on one of the device's orders (so others may download it);
    the metadata is pushed now, the bytes are left queued for the timed upload."""
    groups = ordo.list_orders()
    order_id = (groups.overdue + groups.today + groups.upcoming)[0].id
    with ordo._store.transaction() as s:
        for data in blobs:
            sha = hashlib.sha256(data).hexdigest()
            ordo._files.put(sha, data)
            image = ProcessedImage(
                data=data,
                content_type="image/jpeg",
                width=4000,
                height=3000,
                sha256=sha,
                size=len(data),
                thumbnail=b"",
                taken_at=None,
            )
            media_records.add_photo(s, order_id=order_id, image=image, caption="bench", now=_now())
    engine, _ = ordo._current_engine()
    engine.sync_once()


def run(*, blobs: int, size_mib: float) -> dict[str, object]:
    rng = random.Random(42)
    size = int(size_mib * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp, running_server(data_dir=Path(tmp) / "server") as server:
        tech = _device(server.url, Path(tmp) / "tech", "tech1", "demo-tech")
        payload = [_blob(rng, size) for _ in range(blobs)]
        _queue(tech, payload)
        _, transfer = tech._current_engine()
        times: list[float] = []
        started = time.perf_counter()
        for data in payload:
            one = time.perf_counter()
            t = BlobTransfer(store=transfer.store, files=transfer.files, client=transfer.client, clock=_now)
            t._upload_one(hashlib.sha256(data).hexdigest(), token=t._token())
            times.append(time.perf_counter() - one)
        upload_s = time.perf_counter() - started

        # Resume after a cut at a random byte: only what the server lacks is sent again.
        extra = _blob(rng, size)
        _queue(tech, [extra])
        cut = rng.randrange(1, size)
        sent = 0

        class Body(httpx.SyncByteStream):
            """The request body as sent, stopping dead (connection dropped) at byte `cut`."""

            def __init__(self, inner: httpx.SyncByteStream) -> None:
                self.inner = inner

            def __iter__(self):  # type: ignore[no-untyped-def]
                nonlocal sent
                for piece in self.inner:
                    if sent + len(piece) >= cut:
                        yield piece[: cut - sent]
                        sent = cut
                        raise httpx.WriteError("connection cut by the benchmark")
                    sent += len(piece)
                    yield piece

        class Cut(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if request.method == "PATCH":
                    request.stream = Body(request.stream)  # type: ignore[arg-type]
                return super().handle_request(request)

        # The cut surfaces as a SyncError (Offline); what reached the server stays there.
        with (
            httpx.Client(base_url=server.url, transport=Cut(), timeout=60) as cut_client,
            contextlib.suppress(SyncError),
        ):
            BlobTransfer(
                store=transfer.store, files=transfer.files, client=cut_client, clock=_now
            ).upload_pending()
        resumed = BlobTransfer(store=transfer.store, files=transfer.files, client=transfer.client, clock=_now)
        report = resumed.upload_pending()

        reader = _device(server.url, Path(tmp) / "dispatcher", "dispatcher", "demo-dispatcher")
        _, fetch = reader._current_engine()
        started = time.perf_counter()
        for data in payload:
            fetch.download(hashlib.sha256(data).hexdigest())
        download_s = time.perf_counter() - started
        tech.close()
        reader.close()

    total_mib = blobs * size / (1024 * 1024)
    return {
        "blobs": blobs,
        "blob_mib": round(size_mib, 2),
        "upload": {
            "seconds": round(upload_s, 3),
            "mib_per_s": round(total_mib / upload_s, 1),
            "median_blob_s": round(statistics.median(times), 3),
        },
        "resume": {
            "blob_bytes": size,
            "cut_at": cut,
            "resent_bytes": report.bytes_sent,
            "held_by_server_after_cut": size - report.bytes_sent,
        },
        "download": {"seconds": round(download_s, 3), "mib_per_s": round(total_mib / download_s, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blobs", type=int, default=20, help="blobs to upload (default 20)")
    parser.add_argument("--size-mib", type=float, default=3.0, help="size of each blob in MiB (default 3)")
    args = parser.parse_args()
    print(json.dumps(run(blobs=args.blobs, size_mib=args.size_mib), indent=2))


if __name__ == "__main__":
    main()
