"""Live pokes (sync-protocol.md, "Live pokes") in one process, on SQLite and PostgreSQL
(where they travel by NOTIFY through the process's own LISTEN connection): the stream's
format, who may open one, pings, Last-Event-ID, three streams per device, 250 ms
coalescing, and scope — a technician is never poked for another technician's order.

The server's clock is a FakeClock: a test moves it, then wakes the streams; nothing
sleeps. "Nothing was sent" is shown by what comes next: after a round has checked a
seq, a stream with nothing pending answers the next 15 s with a ping."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.domain import Role
from server_stub.auth.security import revoke_device_tokens
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.live.hub import Hub
from server_stub.seeding.records import create_user

from .conftest import START, Device, World, _password_hash, sign_in
from .kit import AT, new_id, seq_of, update
from .livekit import EVENTS, WAIT, Stream

OPENED: list[Stream] = []


@pytest.fixture
def hub(client: TestClient) -> Iterator[Hub]:
    live_hub: Hub = client.app.state.live.hub  # type: ignore[attr-defined]
    yield live_hub
    live_hub.close_all()  # ends the streams, so their reading threads finish
    while OPENED:
        assert OPENED.pop().ended.wait(WAIT)


def listen(client: TestClient, device: Device, *, last_event_id: int | str | None = None) -> Stream:
    headers = dict(device.headers)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    stream = Stream(client, headers)
    OPENED.append(stream)
    return stream


def note(device: Device, order: str) -> int:
    """A note pushed by `device`; its seq."""
    result = device.push([device.mutation("note.add", order, {"id": new_id(), "text": "hi", "at": AT})])
    return int(result["results"][0]["seq"])


def quiet(hub: Hub, clock: FakeClock, seq: int, *streams: Stream) -> None:
    """Once `seq` is checked: each stream's next frame is a ping, so nothing was pending."""
    assert hub.wait_checked(seq, timeout=WAIT)
    clock.advance(seconds=hub.ping_every)
    hub.wake_all()
    for stream in streams:
        assert stream.next() == ": ping"


def test_a_push_pokes_the_dispatcher_and_the_assignee_not_another_technician_nor_organisation(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    names = ("disp", "tech1", "tech2", "outsider")
    devices = {name: sign_in(client, name) for name in names}
    streams = {name: listen(client, devices[name]) for name in names}
    assert streams["disp"].content_type.startswith("text/event-stream")
    seq = note(devices["tech1"], world.orders["a"])  # tech1's order
    assert streams["tech1"].next_seq() == seq
    # The desk may hear of a newer seq still: the phone's own row (its last push) is theirs.
    assert streams["disp"].next_seq() >= seq
    quiet(hub, clock, seq, streams["tech2"], streams["outsider"])


def test_assigning_pokes_the_new_assignee_and_the_old_one_hears_of_the_loss(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    disp, tech1, tech2 = (sign_in(client, name) for name in ("disp", "tech1", "tech2"))
    new, a = world.orders["new"], world.orders["a"]
    base_new, base_a = seq_of(disp, new), seq_of(disp, a)
    stream1, stream2 = listen(client, tech1), listen(client, tech2)
    seq = disp.push([update(disp, new, base_new, assignee_id=world.users["tech2"])])["results"][0]["seq"]
    assert stream2.next_seq() >= seq  # the order and its checklist, re-stamped into tech2's scope
    quiet(hub, clock, seq, stream1, stream2)
    # Taking tech1's order away is in tech1's scope too: its tombstone is news to them.
    seq = disp.push([update(disp, a, base_a, assignee_id=world.users["tech2"])])["results"][0]["seq"]
    clock.advance(seconds=hub.changed_every)
    hub.wake_all()
    assert stream1.next_seq() >= seq
    assert stream2.next_seq() >= seq


def test_no_token_a_bad_one_and_an_integration_account_are_refused_as_for_pull(
    client: TestClient, world: World, db: Database, hub: Hub
) -> None:
    response = client.get(EVENTS)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")
    response = client.get(EVENTS, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    with db.write() as session, session.begin():
        create_user(
            session, org_id=world.org_id, username="intake", password_hash=_password_hash(),
            role=Role.INTEGRATION, display_name="Intake",
        )  # fmt: skip
    refused = listen(client, sign_in(client, "intake"))
    assert (refused.status, refused.error["code"]) == (403, "forbidden")
    assert hub.streams == []


def test_pings_come_every_interval_and_a_poke_resets_nothing_else(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    hub.ping_every = 5.0  # injected; the protocol's default is 15 s
    stream = listen(client, sign_in(client, "disp"))
    clock.advance(seconds=5.0)
    hub.wake_all()
    assert stream.next() == ": ping"
    clock.advance(seconds=5.0)
    hub.wake_all()
    assert stream.next() == ": ping"


def test_last_event_id_gets_one_changed_at_once_when_something_newer_exists(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    tech1 = sign_in(client, "tech1")
    seq = note(tech1, world.orders["a"])  # made while nobody listened
    behind = listen(client, tech1, last_event_id=seq - 1)
    assert behind.next_seq() == seq
    current = listen(client, tech1, last_event_id=seq)
    quiet(hub, clock, seq, current)
    refused = listen(client, tech1, last_event_id="yesterday")
    assert (refused.status, refused.error["code"]) == (400, "malformed")


def test_a_fourth_stream_of_a_device_closes_its_oldest(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    tech1, other = sign_in(client, "tech1"), sign_in(client, "tech1")
    elsewhere = listen(client, other)
    first, *rest = [listen(client, tech1) for _ in range(4)]
    assert first.ended.wait(WAIT), "the oldest stream stayed open"
    assert sum(s.device_id == tech1.device_id for s in hub.streams) == 3
    seq = note(tech1, world.orders["a"])
    for stream in (*rest, elsewhere):
        assert stream.next_seq() == seq
    assert not any(s.ended.is_set() for s in (*rest, elsewhere))


def test_streams_are_ranked_by_when_they_opened_not_when_other_processes_told_of_them(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    tech1 = sign_in(client, "tech1")
    mine = listen(client, tech1)
    opened = clock.now().timestamp()
    # Other processes' opens, heard out of order (each sends when its listener wakes).
    for name, later in (("third", 3.0), ("first", 1.0), ("second", 2.0)):
        hub.post({"open": tech1.device_id, "stream": name, "at": opened + later})
    assert mine.ended.wait(WAIT), "the oldest stream (this process's) stayed open"
    hub.post({"open": tech1.device_id, "stream": "late but old", "at": opened - 60.0})
    handled = threading.Event()
    hub._in_loop(handled.set)  # after the messages above, in order
    assert handled.wait(WAIT)
    assert [stream for _, stream in hub._order[tech1.device_id]] == ["first", "second", "third"]


def test_changes_within_250_ms_come_as_one_poke_carrying_the_newest_seq(
    client: TestClient, world: World, hub: Hub, clock: FakeClock
) -> None:
    tech1 = sign_in(client, "tech1")
    stream = listen(client, sign_in(client, "tech1"))  # their tablet
    first = note(tech1, world.orders["a"])
    assert stream.next_seq() == first  # the first goes at once
    note(tech1, world.orders["a"])
    newest = note(tech1, world.orders["sig"])
    assert hub.wait_checked(newest, timeout=WAIT)
    hub.wake_all()
    assert stream.frames.empty()  # held back: 250 ms have not passed on the server's clock
    clock.advance(seconds=hub.changed_every)
    hub.wake_all()
    assert stream.next_seq() == newest  # one poke, the newest seq
    clock.advance(seconds=hub.ping_every)
    hub.wake_all()
    assert stream.next() == ": ping"  # and nothing else was pending


def test_a_revoked_device_loses_its_stream_and_an_expired_token_ends_it(
    client: TestClient, world: World, db: Database, hub: Hub, clock: FakeClock
) -> None:
    hub.sweep_every = 0  # tokens checked at every round (15 s apart by default)
    tech1, tech1_tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    revoked, expiring = listen(client, tech1), listen(client, tech1_tablet)
    with db.write() as session, session.begin():
        revoke_device_tokens(session, device_id=tech1.device_id, now=START, wipe=False)
    seq = note(tech1_tablet, world.orders["a"])
    assert expiring.next_seq() == seq
    assert revoked.ended.wait(WAIT) and revoked.frames.empty()  # closed, never told
    clock.advance(seconds=3600)  # the access token's lifetime
    hub.wake_all()
    assert expiring.ended.wait(WAIT)
    assert hub.streams == []
