"""Live pokes across real `ordo-server` processes on one PostgreSQL database: a push
answered by one process pokes streams held by the others (NOTIFY after the commit, every
process LISTENs); a process whose LISTEN connection is killed comes back by itself; a
device's fourth stream closes its oldest wherever that one is held; a process asked to
stop ends its streams and exits cleanly."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import psycopg
import pytest
from pgkit import fresh_database, pg_admin

from server_stub.live.bridge import APPLICATION_NAME, libpq_dsn
from server_stub.testing import ServerProcess, free_port, running_server

from .livekit import WAIT, Stream

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

API = "/api/v1"
AT = "2026-11-25T10:00:00Z"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    """Three server processes on one fresh, demo-seeded PostgreSQL database (for the
    module: each test uses devices of its own; the last one stops a process)."""
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)
    root = tmp_path_factory.mktemp("live-cluster")
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        # Processes sharing a database share the token key (settings.secret_key).
        patch.setenv("ORDO_SERVER_SECRET_KEY", secrets.token_hex(32))
        url = stack.enter_context(fresh_database(dsn=dsn, user=user, prefix="ordo_live_"))
        first = stack.enter_context(running_server(data_dir=root / "a", database_url=url))
        rest = [ServerProcess(data_dir=root / n, port=free_port(), database_url=url) for n in "bc"]
        for server in rest:
            server.start()
            stack.callback(server.stop)
        yield [first, *rest]


class Device:
    def __init__(self, server: ServerProcess, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.device_id = str(uuid.uuid4())
        body = {"username": username, "password": password, "device_id": self.device_id}
        answer = self.http.post(f"{API}/auth/token", json=body).json()
        self.token, self.user = answer["access_token"], answer["user"]
        self.mid = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def listen(self, server: ServerProcess) -> Stream:
        """A stream of this device held by `server` (another process, say)."""
        return Stream(httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=None)), self.headers)

    def push(self, type_: str, entity_id: str, args: dict[str, object], base_seq: int | None = None) -> int:
        self.mid += 1
        mutation = {
            "mid": self.mid,
            "type": type_,
            "entity_id": entity_id,
            "args": args,
            "base_seq": base_seq,
        }
        body = {"protocol": 1, "device_id": self.device_id, "mutations": [mutation]}
        result = self.http.post(f"{API}/sync/push", json=body, headers=self.headers).json()["results"][0]
        assert result["status"] == "applied", result
        return int(result["seq"])

    def orders(self) -> dict[str, dict[str, object]]:
        changes, cursor = [], None
        while True:
            params = {"cursor": cursor} if cursor else {}
            page = self.http.get(f"{API}/sync/pull", params=params, headers=self.headers).json()
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        return {c["id"]: {**c["data"], "seq": c["seq"]} for c in changes if c["entity"] == "work_order"}


def test_a_push_to_one_process_pokes_streams_held_by_the_others(cluster: list[ServerProcess]) -> None:
    a, b, c = cluster
    desk = Device(a, "dispatcher", "demo-dispatcher")
    phone = Device(a, "tech1", "demo-tech")
    orders = desk.orders()
    order_id = next(i for i, o in orders.items() if o["assignee_id"] == phone.user["id"])
    on_b, on_c = desk.listen(b), phone.listen(c)
    seq = phone.push("note.add", order_id, {"id": str(uuid.uuid4()), "text": "from the field", "at": AT})
    assert on_c.changed_at_least(seq) == seq  # the phone's own scope: exactly its note
    assert on_b.changed_at_least(seq) >= seq  # the desk: that, or newer (the phone's device row)
    # And the other way round: the desk assigns a new order; the phone's stream on c hears it.
    new_id = next(i for i, o in orders.items() if o["status"] == "new")
    seq = desk.push(
        "order.update", new_id, {"fields": {"assignee_id": phone.user["id"]}}, orders[new_id]["seq"]
    )
    assert on_c.changed_at_least(seq) >= seq
    assert new_id in phone.orders()


def test_a_process_whose_listen_connection_dies_reconnects_and_pokes_again(
    cluster: list[ServerProcess],
) -> None:
    a, b, _ = cluster
    desk, phone = Device(a, "dispatcher", "demo-dispatcher"), Device(a, "tech2", "demo-tech")
    order_id = next(i for i, o in desk.orders().items() if o["assignee_id"] == phone.user["id"])
    stream = desk.listen(b)
    with psycopg.connect(libpq_dsn(b.database_url), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (APPLICATION_NAME,),
        ).fetchone()
    assert killed is not None and killed[0] == 3  # one per process
    seq = phone.push("note.add", order_id, {"id": str(uuid.uuid4()), "text": "after the drop", "at": AT})
    # Heard once b listens again (or from its catch-up read on reconnecting): never lost.
    assert stream.changed_at_least(seq, timeout=30) >= seq
    assert not stream.ended.is_set()


def test_a_fourth_stream_closes_the_oldest_on_whichever_process_holds_it(
    cluster: list[ServerProcess],
) -> None:
    a, b, c = cluster
    phone = Device(a, "tech3", "demo-tech")
    oldest = phone.listen(a)
    others = [phone.listen(b), phone.listen(c)]
    newest = phone.listen(b)
    assert oldest.ended.wait(WAIT), "the stream on a stayed open"
    assert not any(s.ended.is_set() for s in [*others, newest])


def test_a_process_asked_to_stop_ends_its_streams_and_exits_cleanly(cluster: list[ServerProcess]) -> None:
    _, b, _ = cluster
    stream = Device(b, "tech4", "demo-tech").listen(b)
    assert b.stop(timeout=10) == 0
    assert stream.ended.wait(WAIT)
