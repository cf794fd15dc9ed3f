"""BlobTransfer against httpx.MockTransport: a small in-memory blob server speaking the
protocol's Blobs section, and answers no honest server gives."""

from __future__ import annotations

import hashlib
import random

import httpx
import pytest
from store.kit import T0, Clock, open_store, sign_in_locally

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from app.store.blobfiles import BlobFiles
from app.store.models import BlobUpload
from app.sync import Offline, ProtocolError
from app.sync.blobs import BlobTransfer, BlobUnavailable, UploadState

JPEG = b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(300_000)
SHA = hashlib.sha256(JPEG).hexdigest()


class BlobServer:
    """Holds partials and complete blobs like the real server, and records what it was sent."""

    def __init__(self) -> None:
        self.partial: dict[str, bytes] = {}
        self.complete: dict[str, bytes] = {}
        self.calls: list[tuple[str, int | None]] = []  # (method, Upload-Offset)
        self.override: dict[str, httpx.Response] = {}  # method -> canned answer, once

    def handle(self, request: httpx.Request) -> httpx.Response:
        sha = request.url.path.rsplit("/", 1)[1]
        offset = request.headers.get(UPLOAD_OFFSET)
        self.calls.append((request.method, None if offset is None else int(offset)))
        if request.method in self.override:
            return self.override.pop(request.method)
        if request.method == "HEAD":
            if sha in self.complete:
                return httpx.Response(200)
            if sha in self.partial:
                return httpx.Response(204, headers={UPLOAD_OFFSET: str(len(self.partial[sha]))})
            return httpx.Response(404)
        if request.method == "GET":
            return (
                httpx.Response(200, content=self.complete[sha])
                if sha in self.complete
                else httpx.Response(404)
            )
        body = request.read()
        if sha in self.complete:
            return httpx.Response(200)
        held = self.partial.get(sha, b"")
        if int(offset or -1) != len(held):
            return httpx.Response(409, headers={UPLOAD_OFFSET: str(len(held))})
        held += body
        if len(held) < int(request.headers[UPLOAD_LENGTH]):
            self.partial[sha] = held
            return httpx.Response(204, headers={UPLOAD_OFFSET: str(len(held))})
        self.partial.pop(sha, None)
        if hashlib.sha256(held).hexdigest() != sha:
            return httpx.Response(422, json={"error": {"code": "hash_mismatch", "message": "damaged"}})
        self.complete[sha] = held
        return httpx.Response(201)


@pytest.fixture
def world(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store)
    files = BlobFiles(tmp_path / "blobs")
    files.put(SHA, JPEG)
    with store.transaction() as s:
        s.add(
            BlobUpload(
                sha256=SHA, size=len(JPEG), content_type="image/jpeg", state="queued", offset=0, restarts=0
            )
        )
    server = BlobServer()
    progress: list[tuple[str, int, int]] = []

    def transfer(**kw) -> BlobTransfer:
        client = httpx.Client(base_url="https://ordo.test", transport=httpx.MockTransport(server.handle))
        return BlobTransfer(
            store=store,
            files=files,
            client=client,
            clock=Clock(),
            on_progress=lambda *a: progress.append(a),
            chunk_size=100_000,
            **kw,
        )

    return store, files, server, transfer, progress


def _row(store) -> BlobUpload:
    with store.read() as s:
        return s.get(BlobUpload, SHA)


def test_an_upload_goes_in_chunks_with_progress_and_is_marked_done(world):
    store, _, server, transfer, progress = world
    report = transfer().upload_pending()
    assert report.uploaded == 1 and report.bytes_sent == len(JPEG)
    assert server.complete[SHA] == JPEG
    assert server.calls == [
        ("HEAD", None),
        ("PATCH", 0),
        ("PATCH", 100_000),
        ("PATCH", 200_000),
        ("PATCH", 300_000),
    ]
    row = _row(store)
    assert row.state == UploadState.DONE and row.offset == len(JPEG) and row.done_at == T0
    assert progress[-1] == (SHA, len(JPEG), len(JPEG))
    assert [p[1] for p in progress] == sorted(p[1] for p in progress)  # never goes back
    server.calls.clear()
    assert transfer().upload_pending().uploaded == 0 and server.calls == []  # done stays done


def test_a_partial_on_the_server_is_resumed_from_its_offset_not_ours(world):
    _, _, server, transfer, _ = world
    server.partial[SHA] = JPEG[:123_456]
    report = transfer().upload_pending()
    assert report.bytes_sent == len(JPEG) - 123_456
    assert server.calls[1] == ("PATCH", 123_456)
    assert server.complete[SHA] == JPEG


def test_a_409_moves_to_the_offset_the_server_names(world):
    _, _, server, transfer, _ = world
    server.partial[SHA] = JPEG[:50_000]
    server.override["HEAD"] = httpx.Response(404)  # a stale answer: we start at 0, the server holds 50,000
    transfer().upload_pending()
    assert server.calls[1:3] == [("PATCH", 0), ("PATCH", 50_000)]
    assert server.complete[SHA] == JPEG


def test_bytes_the_server_holds_are_never_sent(world):
    store, _, server, transfer, _ = world
    server.complete[SHA] = JPEG
    report = transfer().upload_pending()
    assert report.already_there == 1 and report.bytes_sent == 0
    assert server.calls == [("HEAD", None)]
    assert _row(store).state == UploadState.DONE


def test_a_hash_mismatch_restarts_from_zero_and_gives_up_for_this_sync_after_three(world):
    store, _, server, transfer, _ = world
    server.override["PATCH"] = httpx.Response(422, json={"error": {"code": "hash_mismatch", "message": "x"}})
    report = transfer().upload_pending()
    assert report.restarts == 1 and report.uploaded == 1
    assert _row(store).restarts == 1

    class AlwaysDamaged(BlobServer):
        def handle(self, request):
            if request.method == "PATCH":
                return httpx.Response(422, json={"error": {"code": "hash_mismatch", "message": "x"}})
            return httpx.Response(404)

    with store.transaction() as s:
        row = s.get(BlobUpload, SHA)
        row.state, row.restarts = "queued", 0
    bad = AlwaysDamaged()
    client = httpx.Client(base_url="https://ordo.test", transport=httpx.MockTransport(bad.handle))
    t = BlobTransfer(store=store, files=transfer().files, client=client, clock=Clock())
    with pytest.raises(ProtocolError, match="damaged in transit"):
        t.upload_pending()
    assert _row(store).state == UploadState.QUEUED  # kept for the next sync, never dropped


@pytest.mark.parametrize("code", [413, 415])
def test_bytes_the_server_will_never_take_are_marked_refused_with_its_reason(world, code):
    store, _, server, transfer, _ = world
    server.override["PATCH"] = httpx.Response(
        code, json={"error": {"code": "too_large", "message": "over 25 MiB"}}
    )
    report = transfer().upload_pending()
    assert report.refused == 1
    row = _row(store)
    assert row.state == UploadState.REFUSED and "over 25 MiB" in row.error


def test_a_missing_or_damaged_local_file_is_refused_without_asking_the_server(world):
    store, files, server, transfer, _ = world
    files.path(SHA).write_bytes(JPEG[:-1] + b"\x00")
    assert transfer().upload_pending().refused == 1
    assert server.calls == []
    assert "damaged" in _row(store).error


def test_a_network_cut_keeps_the_upload_queued(world):
    store, _, _, transfer, _ = world

    def cut(request):
        raise httpx.ConnectError("down", request=request)

    t = transfer()
    t.client = httpx.Client(base_url="https://ordo.test", transport=httpx.MockTransport(cut))
    with pytest.raises(Offline):
        t.upload_pending()
    assert _row(store).state == UploadState.QUEUED


def test_a_bad_offset_in_a_204_is_a_protocol_error(world):
    _, _, server, transfer, _ = world
    server.override["PATCH"] = httpx.Response(204, headers={UPLOAD_OFFSET: "999999999"})
    with pytest.raises(ProtocolError, match="Upload-Offset"):
        transfer().upload_pending()


def test_downloads_are_verified_and_cached(world, tmp_path):
    _, _, server, transfer, _ = world
    other = BlobFiles(tmp_path / "other")
    t = transfer()
    t.files = other
    server.complete[SHA] = JPEG
    assert t.download(SHA) == JPEG and other.read(SHA) == JPEG
    server.complete[SHA] = JPEG[::-1]
    other.path(SHA).unlink()
    with pytest.raises(ProtocolError, match="damaged"):
        t.download(SHA)
    assert other.read(SHA) is None  # nothing damaged is kept
    del server.complete[SHA]
    with pytest.raises(BlobUnavailable):
        t.download(SHA)
