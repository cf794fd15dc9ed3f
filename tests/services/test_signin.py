"""Sign-in: success, and a clear message for every way it fails."""

import socket
import uuid

import httpx
import pytest
from store.kit import TECH, Clock, change, open_store, order_data

from app.services.facade import Ordo
from app.services.types import SignInError
from app.settings import ClientSettings
from app.store.outbox import queued, sync_state


def test_sign_in_stores_the_token_and_sends_the_device_id(rig):
    user = rig.ordo.sign_in(server_url=" https://ordo.test/ ", username="tech1", password="demo-tech")
    assert (user.username, user.role, user.server_url) == ("tech1", "technician", "https://ordo.test")
    assert user.id == uuid.UUID(TECH["id"])
    assert rig.ordo.current_user() == user
    with rig.ordo._store.read() as s:
        assert rig.server.token_bodies[0]["device_id"] == sync_state(s).device_id


def test_wrong_credentials(rig):
    with pytest.raises(SignInError, match="Wrong username or password"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="nope")
    assert rig.ordo.current_user() is None


@pytest.mark.parametrize(
    ("retry_after", "says"), [("120", "in 2 minutes"), ("30", "in 30 seconds"), ("", "later")]
)
def test_throttled_says_when_to_retry(rig, retry_after, says):
    rig.server.fault = lambda _r: httpx.Response(
        429,
        headers={"Retry-After": retry_after},
        json={"error": {"code": "throttled", "message": "slow down"}},
    )
    with pytest.raises(SignInError, match=f"Too many failed sign-ins. Try again {says}"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="x")


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "Cannot reach https://ordo.test: .*refused"),
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "Cannot reach https://ordo.test: .*not known",
        ),
        (httpx.ConnectTimeout("timed out"), "Cannot reach https://ordo.test: it did not answer in time"),
        (httpx.ReadTimeout("timed out"), "did not answer in time"),
    ],
)
def test_unreachable_server(rig, exc, says):
    def fail(request):
        exc.request = request
        raise exc

    rig.server.fault = fail
    with pytest.raises(SignInError, match=says) as refused:
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    assert "Errno" not in str(refused.value)  # said in words


def test_connection_refused_on_a_real_closed_port(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ordo = Ordo(
        store=open_store(tmp_path),
        client_factory=lambda url: httpx.Client(base_url=url, timeout=5),
        clock=Clock(),
        settings=ClientSettings(data_dir=tmp_path),
        start_worker=False,
    )
    try:
        with pytest.raises(SignInError, match=f"Cannot reach http://127.0.0.1:{port}"):
            ordo.sign_in(server_url=f"http://127.0.0.1:{port}", username="tech1", password="demo-tech")
    finally:
        ordo.close()


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            200, text="<!doctype html><html>router login</html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(200, json={"token": "x"}),
        httpx.Response(404, text="Not Found"),
        httpx.Response(502, text="Bad gateway"),
        httpx.Response(500, json=["not", "an", "error"]),
    ],
    ids=["html", "wrong-shape", "404-text", "502-text", "500-wrong-error"],
)
def test_an_answer_that_is_not_ordo(rig, answer):
    rig.server.fault = lambda _r: answer
    with pytest.raises(SignInError, match=r"https://ordo\.test did not answer like an Ordo server"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")


def test_a_server_error_in_protocol_form_is_shown(rig):
    rig.server.fault = lambda _r: httpx.Response(
        503, json={"error": {"code": "db", "message": "database down"}}
    )
    with pytest.raises(SignInError, match=r"database down\. Try again later"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")


@pytest.mark.parametrize(
    "url", ["", "   ", "ftp://ordo.test", "http://", "http://exa mple.com", "http://[::1"]
)
def test_invalid_urls(rig, url):
    with pytest.raises(SignInError, match="server address"):
        rig.ordo.sign_in(server_url=url, username="tech1", password="demo-tech")
    assert rig.server.requests == []


def test_empty_credentials_are_refused_without_a_request(rig):
    with pytest.raises(SignInError, match="Enter your username and password"):
        rig.ordo.sign_in(server_url="https://ordo.test", username=" ", password="")
    assert rig.server.requests == []


def test_another_user_with_an_empty_outbox_gets_a_clean_device(signed_in):
    rig = signed_in
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is not None
    rig.ordo.sign_out()
    rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    assert rig.ordo.current_user().username == "disp1"
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is None
    with rig.ordo._store.read() as s:
        assert (sync_state(s).cursor, sync_state(s).high_seq) == (None, 0)
    # The new user's pull starts over: its seqs are lower than the last user's, and still taken.
    rig.server.pages.append(
        {"changes": [change("work_order", order_data(rig.order), 2)], "cursor": "2", "has_more": False}
    )
    rig.ordo.sync_blocking()
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is not None


def test_another_user_is_refused_while_changes_wait(signed_in):
    rig = signed_in
    rig.ordo.add_note(uuid.UUID(rig.order), "unsent")
    rig.ordo.sign_out()
    with pytest.raises(SignInError, match="1 change of tech1 is still waiting"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    with rig.ordo._store.read() as s:
        assert len(queued(s)) == 1
        assert sync_state(s).user["username"] == "tech1"
    assert rig.ordo.current_user() is None
    # The owner can come back and finds everything as it was.
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    assert rig.ordo.get_order(uuid.UUID(rig.order)).notes[0].text == "unsent"


def test_sign_out_keeps_data(signed_in):
    rig = signed_in
    rig.ordo.add_note(uuid.UUID(rig.order), "kept")
    rig.ordo.sign_out()
    assert rig.ordo.current_user() is None
    assert rig.ordo.default_server_url() == "https://ordo.test"
    with rig.ordo._store.read() as s:
        assert len(queued(s)) == 1
