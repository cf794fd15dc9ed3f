"""Blob endpoints (sync-protocol.md, "Blobs"): HEAD, resumable PATCH and GET,
with real images, on SQLite and PostgreSQL; photos turning `stored`; and a real
server process that a client deserts mid-body."""

from __future__ import annotations

import hashlib
import io
import random
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.domain.blobs import MAX_CHUNK, UPLOAD_LENGTH, UPLOAD_OFFSET
from server_stub.blobs.store import BlobStore
from server_stub.cli import main as server_cli
from server_stub.clock import FakeClock
from server_stub.main import create_app
from server_stub.settings import Settings
from server_stub.testing import running_server

from .conftest import Device, World, sign_in
from .kit import photo_args as _photo_args
from .kit import pulled, signature_args, statuses

BLOBS = "/api/v1/blobs"


# --- helpers ----------------------------------------------------------------------


def noise_image(*, fmt: str = "PNG", side: int = 64, seed: int = 1) -> bytes:
    """A real image of random pixels: it barely compresses, so `side` sets its
    size (a PNG of side 200 is about 120 KB)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BlobApi:
    """Blob requests of one signed-in device, over a TestClient or an httpx.Client."""

    client: Any
    token: str
    prefix: str = BLOBS

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def head(self, digest: str) -> httpx.Response:
        return self.client.head(f"{self.prefix}/{digest}", headers=self.auth)

    def get(self, digest: str, **headers: str) -> httpx.Response:
        return self.client.get(f"{self.prefix}/{digest}", headers=self.auth | headers)

    def patch(
        self, digest: str, body: Any, *, offset: int, length: int, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = self.auth | {UPLOAD_OFFSET: str(offset), UPLOAD_LENGTH: str(length)} | (headers or {})
        return self.client.patch(f"{self.prefix}/{digest}", content=body, headers=sent)

    def upload(self, data: bytes, *, chunk: int | None = None) -> list[httpx.Response]:
        """`data` in PATCHes of `chunk` bytes (one PATCH by default)."""
        digest, step = sha(data), chunk or len(data)
        return [
            self.patch(digest, data[at : at + step], offset=at, length=len(data))
            for at in range(0, len(data), step)
        ]


def api(device: Device) -> BlobApi:
    return BlobApi(client=device.client, token=device.token)


def offset_of(response: httpx.Response) -> int:
    return int(response.headers[UPLOAD_OFFSET])


def code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def store_of(client: TestClient) -> BlobStore:
    return client.app.state.blobs  # type: ignore[attr-defined]


def photo_args(data: bytes, **extra: Any) -> dict[str, Any]:
    return _photo_args(**extra) | {"sha256": sha(data), "size": len(data), "content_type": "image/png"}


IMAGE = noise_image(side=40)
BIG = noise_image(side=200, seed=2)  # ~120 KB: room for several PATCHes


# --- names and authentication -----------------------------------------------------

BAD_NAMES = ["AB" * 32, "ab" * 31 + "a", "zz" * 32, "ab" * 33, "not-a-hash"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_not_a_lowercase_sha256_is_400_on_every_method(
    client: TestClient, world: World, name: str
) -> None:
    tech = api(sign_in(client, "tech1"))
    assert tech.head(name).status_code == 400
    got = tech.get(name)
    assert (got.status_code, code(got)) == (400, "bad_sha256")
    patched = tech.patch(name, IMAGE, offset=0, length=len(IMAGE))
    assert (patched.status_code, code(patched)) == (400, "bad_sha256")
    assert not store_of(client).root.exists()  # nothing was begun


def test_every_method_needs_a_token(client: TestClient, world: World) -> None:
    anonymous = BlobApi(client=client, token="nonsense")
    digest = sha(IMAGE)
    assert anonymous.head(digest).status_code == 401
    assert code(anonymous.get(digest)) == "unauthorized"
    assert code(anonymous.patch(digest, IMAGE, offset=0, length=len(IMAGE))) == "unauthorized"
    assert BlobApi(client=client, token="").head(digest).status_code == 401


# --- HEAD and PATCH ---------------------------------------------------------------


def test_one_patch_uploads_a_blob_and_a_repeat_writes_nothing(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    digest = sha(IMAGE)
    assert tech.head(digest).status_code == 404
    [created] = tech.upload(IMAGE)
    assert (created.status_code, offset_of(created)) == (201, len(IMAGE))
    head = tech.head(digest)
    assert (head.status_code, offset_of(head), head.headers[UPLOAD_LENGTH]) == (
        200,
        len(IMAGE),
        str(len(IMAGE)),
    )
    final = store_of(client).path(org_id=world.org_id, sha256=digest)
    assert final.read_bytes() == IMAGE
    before = final.stat()
    # The same bytes again, from another device of another user: 200, nothing written.
    [again] = api(sign_in(client, "disp")).upload(IMAGE)
    assert again.status_code == 200
    after = final.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # Whatever offset a late resumer sends, a complete blob is 200.
    assert tech.patch(digest, b"", offset=5, length=len(IMAGE)).status_code == 200


def test_an_upload_resumes_over_several_patches(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    digest, step = sha(BIG), 50_000
    for at in range(0, len(BIG) - step, step):
        answer = tech.patch(digest, BIG[at : at + step], offset=at, length=len(BIG))
        assert (answer.status_code, offset_of(answer)) == (204, at + step)
        head = tech.head(digest)
        assert (head.status_code, offset_of(head), head.headers[UPLOAD_LENGTH]) == (
            204,
            at + step,
            str(len(BIG)),
        )
        # Until the last byte is verified, nothing is under the final name.
        assert not store_of(client).path(org_id=world.org_id, sha256=digest).exists()
    last = len(BIG) // step * step
    done = tech.patch(digest, BIG[last:], offset=last, length=len(BIG))
    assert (done.status_code, offset_of(done)) == (201, len(BIG))
    assert store_of(client).path(org_id=world.org_id, sha256=digest).read_bytes() == BIG
    assert not (store_of(client).root / world.org_id / "partial" / digest).exists()


def test_an_offset_that_is_not_the_servers_is_409_with_the_servers_offset(
    client: TestClient, world: World
) -> None:
    tech = api(sign_in(client, "tech1"))
    digest = sha(BIG)
    ahead = tech.patch(digest, BIG[1000:2000], offset=1000, length=len(BIG))
    assert (ahead.status_code, code(ahead), offset_of(ahead)) == (409, "offset_mismatch", 0)
    assert tech.head(digest).status_code == 404  # a refused first PATCH begins nothing
    tech.patch(digest, BIG[:1000], offset=0, length=len(BIG))
    for wrong in (0, 500, 1500):
        answer = tech.patch(digest, BIG[wrong : wrong + 10], offset=wrong, length=len(BIG))
        assert (answer.status_code, code(answer), offset_of(answer)) == (409, "offset_mismatch", 1000)
    assert offset_of(tech.head(digest)) == 1000


def test_a_second_writer_of_the_same_bytes_gets_409_while_the_first_holds_the_lock(
    client: TestClient, world: World
) -> None:
    tech = api(sign_in(client, "tech1"))
    digest = sha(BIG)
    tech.patch(digest, BIG[:700], offset=0, length=len(BIG))
    # The lock is a real flock on the store's lock file, held here as an upload in flight would.
    with store_of(client).upload(org_id=world.org_id, sha256=digest):
        busy = tech.patch(digest, BIG[700:800], offset=700, length=len(BIG))
        assert (busy.status_code, code(busy), offset_of(busy)) == (409, "upload_busy", 700)
    assert tech.patch(digest, BIG[700:800], offset=700, length=len(BIG)).status_code == 204


def test_bytes_that_do_not_hash_to_the_name_are_422_and_discarded(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    claimed = sha(IMAGE)
    other = noise_image(side=40, seed=9)
    assert len(other) == len(IMAGE)
    half = len(other) // 2
    assert tech.patch(claimed, other[:half], offset=0, length=len(other)).status_code == 204
    answer = tech.patch(claimed, other[half:], offset=half, length=len(other))
    assert (answer.status_code, code(answer)) == (422, "hash_mismatch")
    assert sha(other) in answer.json()["error"]["message"]
    assert tech.head(claimed).status_code == 404
    assert not store_of(client).path(org_id=world.org_id, sha256=claimed).exists()
    # The right bytes are welcome afterwards.
    assert [r.status_code for r in tech.upload(IMAGE)] == [201]


def test_bytes_that_are_not_jpeg_png_or_webp_are_415_and_discarded(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    for data in (b"%PDF-1.7 not a photo at all", noise_image(fmt="GIF"), noise_image(fmt="BMP")):
        [answer] = tech.upload(data)
        assert (answer.status_code, code(answer)) == (415, "not_an_image")
        assert tech.head(sha(data)).status_code == 404
    for fmt in ("JPEG", "WEBP", "PNG"):
        assert [r.status_code for r in tech.upload(noise_image(fmt=fmt, seed=3))] == [201]


def test_upload_length_over_the_limit_is_413(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    limit = 25 * 1024 * 1024
    answer = tech.patch(sha(IMAGE), IMAGE, offset=0, length=limit + 1)
    assert (answer.status_code, code(answer)) == (413, "blob_too_large")
    assert tech.patch(sha(IMAGE), b"", offset=0, length=limit).status_code == 204  # the limit itself is fine


def test_the_limit_is_a_setting(
    settings: Settings, clock: FakeClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDO_SERVER_BLOB_MAX_BYTES", "1000")
    assert Settings().blob_max_bytes == 1000
    small = settings.model_copy(update={"blob_max_bytes": len(IMAGE) - 1})
    with TestClient(create_app(small, clock=clock)) as client:
        tech = api(sign_in(client, "tech1"))
        assert tech.upload(IMAGE)[0].status_code == 413
        assert tech.upload(noise_image(side=8))[0].status_code == 201


def test_a_body_over_4_mib_is_413_declared_or_streamed(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    digest, length = sha(BIG), 6 * 1024 * 1024
    body = b"\xff" * (MAX_CHUNK + 1)
    declared = tech.patch(digest, body, offset=0, length=length)
    assert (declared.status_code, code(declared)) == (413, "chunk_too_large")
    assert tech.head(digest).status_code == 404
    # Chunked (no Content-Length): counted as it streams; what was written is taken back.
    assert tech.patch(digest, b"\xff" * 10, offset=0, length=length).status_code == 204

    def chunks() -> Any:
        for _ in range(5):
            yield b"\xff" * (1024 * 1024)

    streamed = tech.patch(digest, chunks(), offset=10, length=length)
    assert (streamed.status_code, code(streamed)) == (413, "chunk_too_large")
    assert offset_of(tech.head(digest)) == 10


def test_malformed_headers_are_400(client: TestClient, world: World) -> None:
    tech = api(sign_in(client, "tech1"))
    digest, n = sha(BIG), len(BIG)
    url = f"{BLOBS}/{digest}"
    missing = client.patch(url, content=b"x", headers=tech.auth | {UPLOAD_LENGTH: str(n)})
    assert (missing.status_code, code(missing)) == (400, "malformed")
    missing = client.patch(url, content=b"x", headers=tech.auth | {UPLOAD_OFFSET: "0"})
    assert (missing.status_code, code(missing)) == (400, "malformed")
    for offset, length in (
        ("abc", str(n)),
        ("-1", str(n)),
        ("+5", str(n)),
        ("0", "0"),
        ("0", "1e6"),
        ("0", "9" * 40),
    ):
        headers = tech.auth | {UPLOAD_OFFSET: offset, UPLOAD_LENGTH: length}
        answer = client.patch(url, content=b"x", headers=headers)
        assert (answer.status_code, code(answer)) == (400, "malformed"), (offset, length)
    past = tech.patch(digest, BIG[:100], offset=0, length=50)
    assert (past.status_code, code(past)) == (400, "past_length")
    tech.patch(digest, BIG[:100], offset=0, length=n)
    other_length = tech.patch(digest, BIG[100:200], offset=100, length=n + 1)
    assert (other_length.status_code, code(other_length)) == (400, "length_mismatch")
    assert offset_of(tech.head(digest)) == 100  # nothing of a refused PATCH stays


def test_each_organisation_has_its_own_store(client: TestClient, world: World) -> None:
    tech, outsider = api(sign_in(client, "tech1")), api(sign_in(client, "outsider"))
    tech.upload(IMAGE)
    tech.patch(sha(BIG), BIG[:10], offset=0, length=len(BIG))
    # Another organisation learns nothing about these bytes, and uploads its own copy.
    assert outsider.head(sha(IMAGE)).status_code == 404
    assert outsider.head(sha(BIG)).status_code == 404
    assert outsider.upload(IMAGE)[0].status_code == 201


# --- GET ----------------------------------------------------------------------------


def test_get_is_for_those_who_see_an_order_referencing_the_blob(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    disp, outsider = sign_in(client, "disp"), sign_in(client, "outsider")
    unreferenced = noise_image(side=30, seed=7)
    api(tech1).upload(IMAGE)
    api(tech1).upload(unreferenced)
    assert statuses(tech1.push([tech1.mutation("photo.add", world.orders["a"], photo_args(IMAGE))])) == [
        "applied"
    ]
    for who in (tech1, disp):
        got = api(who).get(sha(IMAGE), **{"Accept-Encoding": "gzip"})
        assert got.status_code == 200
        assert got.content == IMAGE
        assert got.headers["content-type"] == "image/png"
        assert got.headers["etag"] == f'"{sha(IMAGE)}"'
        assert "immutable" in got.headers["cache-control"] and "private" in got.headers["cache-control"]
        assert "content-encoding" not in got.headers  # images are not gzipped
    assert api(tech1).get(sha(IMAGE), **{"If-None-Match": f'"{sha(IMAGE)}"'}).status_code == 304
    # Never 403: existence is not revealed to anyone who may not see it.
    for who, digest in ((tech2, sha(IMAGE)), (outsider, sha(IMAGE)), (disp, sha(unreferenced))):
        got = api(who).get(digest)
        assert (got.status_code, code(got)) == (404, "not_found")
    # Referenced but never uploaded: 404 too.
    pending = noise_image(side=30, seed=8)
    tech1.push([tech1.mutation("photo.add", world.orders["a"], photo_args(pending))])
    assert api(tech1).get(sha(pending)).status_code == 404


def test_a_signature_reference_grants_get(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    ink = noise_image(side=20, seed=5)
    api(tech1).upload(ink)
    assert api(tech1).get(sha(ink)).status_code == 404
    signature = signature_args() | {"sha256": sha(ink)}
    assert statuses(tech1.push([tech1.mutation("signature.add", world.orders["sig"], signature)])) == [
        "applied"
    ]
    assert api(tech1).get(sha(ink)).content == ink
    assert api(tech2).get(sha(ink)).status_code == 404


# --- photo blob_status --------------------------------------------------------------


def test_photo_first_then_blob_turns_stored_with_a_new_seq(client: TestClient, world: World) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, b = world.orders["a"], world.orders["b"]
    photo = photo_args(IMAGE)
    # The same bytes on two orders (one of them another technician's): both rows settle.
    twin = photo_args(IMAGE)
    tech.push([tech.mutation("photo.add", a, photo)])
    disp.push([disp.mutation("photo.add", b, twin)])
    before, cursor = tech.pull_all()
    [row] = [c for c in before if c["id"] == photo["id"]]
    assert row["data"]["blob_status"] == "pending"
    _, disp_cursor = disp.pull_all()
    assert api(tech).upload(IMAGE)[0].status_code == 201
    # The next pull from where each device stopped brings the change.
    after, _ = tech.pull_all(cursor=cursor)
    [changed] = [c for c in after if c["id"] == photo["id"]]
    assert changed["data"]["blob_status"] == "stored"
    assert changed["seq"] > row["seq"]
    disp_after, _ = disp.pull_all(cursor=disp_cursor)
    assert {c["id"]: c["data"]["blob_status"] for c in disp_after if c["entity"] == "photo"} == {
        photo["id"]: "stored",
        twin["id"]: "stored",
    }
    # A repeat upload (200) changes nothing more.
    _, cursor = tech.pull_all()
    assert api(tech).upload(IMAGE)[0].status_code == 200
    assert tech.pull_all(cursor=cursor)[0] == []


def test_blob_first_then_photo_is_stored_at_once(client: TestClient, world: World) -> None:
    tech, outsider = sign_in(client, "tech1"), sign_in(client, "outsider")
    api(tech).upload(IMAGE)
    photo = photo_args(IMAGE)
    assert statuses(tech.push([tech.mutation("photo.add", world.orders["a"], photo)])) == ["applied"]
    assert pulled(tech, "photo")[photo["id"]]["blob_status"] == "stored"
    # Another organisation's copy does not count: only the order's own store does.
    api(outsider).upload(BIG)
    other = photo_args(BIG)
    tech.push([tech.mutation("photo.add", world.orders["a"], other)])
    assert pulled(tech, "photo")[other["id"]]["blob_status"] == "pending"


def test_photos_left_pending_by_a_crash_are_settled_by_a_repeat_patch_or_by_prune(
    client: TestClient, world: World, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    tech = sign_in(client, "tech1")
    photos = {data: photo_args(data) for data in (IMAGE, BIG)}
    tech.push([tech.mutation("photo.add", world.orders["a"], p) for p in photos.values()])
    # A server that died after a blob's os.replace, before its transaction, leaves
    # the bytes held and the photos pending.
    store = store_of(client)
    for data in photos:
        with store.upload(org_id=world.org_id, sha256=sha(data)) as upload:
            upload.begin(length=len(data))
            with upload.open_append() as f:
                f.write(data)
            upload.finish()

    def status() -> list[str]:
        rows = pulled(tech, "photo")
        return [rows[p["id"]]["blob_status"] for p in photos.values()]

    assert status() == ["pending", "pending"]
    assert api(tech).upload(IMAGE)[0].status_code == 200
    assert status() == ["stored", "pending"]
    argv = ["prune", "--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    assert server_cli(argv) == 0
    assert "1 photo(s) whose bytes were already held" in capsys.readouterr().out
    assert status() == ["stored", "stored"]


# --- a real server process, a client cut off mid-body --------------------------------


def _poll(probe: Any, done: Any, *, seconds: float = 10.0) -> Any:
    """Ask `probe()` until `done(answer)` or the deadline: a real process answers on its own time."""
    deadline = time.monotonic() + seconds
    while not done(answer := probe()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return answer


def _raw_patch(server: Any, token: str, digest: str, *, offset: int, size: int, declared: int) -> bytes:
    return (
        f"PATCH {BLOBS}/{digest} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"{UPLOAD_OFFSET}: {offset}\r\n{UPLOAD_LENGTH}: {size}\r\nContent-Length: {declared}\r\n\r\n"
    ).encode()


@pytest.mark.slow
def test_a_client_cut_off_mid_body_resumes_from_the_bytes_that_arrived(
    tmp_path: Path, database_url: str
) -> None:
    data = noise_image(side=260, seed=4)
    digest, first, sent, declared = sha(data), 10_000, 37_000, 100_000
    assert len(data) > first + sent + 20_000 + declared
    with running_server(data_dir=tmp_path / "server", database_url=database_url) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            signed = http.post(
                "/api/v1/auth/token",
                json={"username": "tech1", "password": "demo-tech", "device_id": str(uuid.uuid4())},
            )
            assert signed.status_code == 200, signed.text
            tech = BlobApi(client=http, token=signed.json()["access_token"])
            assert tech.patch(digest, data[:first], offset=0, length=len(data)).status_code == 204

            # 37,000 of the 100,000 declared bytes, then the connection dies.
            with socket.create_connection((server.host, server.port), timeout=10) as raw:
                raw.sendall(
                    _raw_patch(server, tech.token, digest, offset=first, size=len(data), declared=declared)
                )
                raw.sendall(data[first : first + sent])
                # The bytes reach the partial as they arrive, before the body is over.
                arrived = _poll(lambda: tech.head(digest), lambda r: offset_of(r) == first + sent)
                assert (arrived.status_code, offset_of(arrived)) == (204, first + sent)
            at = first + sent

            def resume() -> httpx.Response:
                return tech.patch(digest, data[at : at + 20_000], offset=at, length=len(data))

            # Once the server has seen the disconnect it lets go of the upload, keeping every byte.
            resumed = _poll(resume, lambda r: r.status_code != 409)
            assert (resumed.status_code, offset_of(resumed)) == (204, at + 20_000), resumed.text
            at += 20_000

            # Cut off the moment the bytes are sent: uvicorn drops body bytes it had
            # buffered but not yet handed over when the connection closed, so HEAD
            # may say less than was sent, but never more, and resuming from it works.
            with socket.create_connection((server.host, server.port), timeout=10) as raw:
                raw.sendall(
                    _raw_patch(server, tech.token, digest, offset=at, size=len(data), declared=declared)
                )
                raw.sendall(data[at : at + sent])
            settled = _poll(resume, lambda r: r.status_code != 409)
            assert (
                settled.status_code == 409 and code(settled) == "offset_mismatch"
            ) or settled.status_code == 204
            held = offset_of(tech.head(digest))
            assert at <= held <= at + sent + 20_000
            rest = tech.patch(digest, data[held:], offset=held, length=len(data))
            assert rest.status_code == 201, rest.text
        [stored] = [p for p in (server.data_dir / "blobs").rglob(digest) if "partial" not in p.parts]
        assert stored.read_bytes() == data
        assert "Traceback" not in server.log_path.read_text()
