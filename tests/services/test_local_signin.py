"""Signing in again without the server: after one online sign-in here, the device's own slow
check of the password lets its people back in, locks after a few wrong tries, and never lets
local work wait for the network."""

import uuid

import httpx
import pytest
from store.kit import change, order_data

from app.domain.signin import FREE_TRIES
from app.services.facade import Ordo
from app.services.types import SignInError
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import LocalAccount
from app.store.outbox import count

URL = "https://ordo.test"


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _offline(rig) -> None:
    rig.ordo.sign_out()
    rig.server.fault = _down


def test_signing_in_again_offline_after_one_online_sign_in(signed_in):
    rig = signed_in
    _offline(rig)
    assert rig.ordo.current_user() is None
    user = rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech")
    assert (user.username, user.server_session) == ("tech1", False)
    # The orders are here and work goes on; syncing waits for a sign-in with the server.
    assert [o.number for o in rig.ordo.list_orders().today] == ["WO-000001"]
    rig.ordo.add_note(uuid.UUID(rig.order), "written offline")
    status = rig.ordo.sync_status()
    assert status.needs_sign_in and status.label().startswith("Sign in to sync")
    assert "sign in with the server" in status.message
    # The server is back: signing in with it brings the session back, and the note goes.
    rig.server.fault = None
    user = rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech")
    assert user.server_session and not rig.ordo.sync_status().needs_sign_in
    rig.ordo.sync_blocking()
    with rig.ordo._store.read() as s:
        assert count(s) == 0


def test_only_a_slow_hash_of_the_password_is_kept(signed_in):
    with signed_in.ordo._store.read() as s:
        [held] = s.query(LocalAccount).all()
        assert (held.server_url, held.username, held.user["role"]) == (URL, "tech1", "technician")
        assert held.verifier.startswith("$argon2id$") and "demo-tech" not in held.verifier


def test_a_wrong_password_offline_is_refused_and_locks_after_a_few(signed_in, tmp_path):
    rig = signed_in
    _offline(rig)
    for _ in range(FREE_TRIES - 1):
        with pytest.raises(SignInError, match=r"^Wrong username or password\.$"):
            rig.ordo.sign_in(server_url=URL, username="tech1", password="guess")
    with pytest.raises(SignInError, match="locked for 1 minute"):
        rig.ordo.sign_in(server_url=URL, username="tech1", password="guess")
    # Locked: even the right password waits, and a restart does not reset the count.
    rig.ordo.close()
    again = Ordo(
        store=LocalStore.open(tmp_path / "ordo.db"),
        client_factory=lambda url: httpx.Client(base_url=url, transport=rig.server.transport()),
        clock=rig.clock,
        settings=ClientSettings(data_dir=tmp_path, server_url=URL),
        start_worker=False,
    )
    try:
        with pytest.raises(SignInError, match="Try again in 1 minute"):
            again.sign_in(server_url=URL, username="tech1", password="demo-tech")
        rig.clock.advance(minutes=1, seconds=1)
        with pytest.raises(SignInError, match="locked for 2 minutes"):  # the next miss doubles it
            again.sign_in(server_url=URL, username="tech1", password="guess")
        rig.clock.advance(minutes=2, seconds=1)
        assert again.sign_in(server_url=URL, username="tech1", password="demo-tech").username == "tech1"
        with again._store.read() as s:
            [held] = s.query(LocalAccount).all()
            assert (held.failures, held.locked_until) == (0, None)
    finally:
        again.close()


def test_nobody_who_never_signed_in_here_gets_in_offline(signed_in):
    rig = signed_in
    _offline(rig)
    with pytest.raises(SignInError) as refused:
        rig.ordo.sign_in(server_url=URL, username="disp1", password="demo-disp")
    words = str(refused.value)
    assert words.startswith(f"Cannot reach {URL}") and "signed in on this device before" in words
    # Nor on another server, whatever the name.
    with pytest.raises(SignInError, match="signed in on this device before"):
        rig.ordo.sign_in(server_url="https://other.test", username="tech1", password="demo-tech")


def test_another_person_who_signed_in_here_before_gets_in_offline(signed_in):
    rig = signed_in
    rig.ordo.sign_out()
    rig.ordo.sign_in(server_url=URL, username="disp1", password="demo-disp")  # online: tech1's rows go
    rig.ordo.sync_blocking()
    _offline(rig)
    user = rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech")
    assert (user.username, user.server_session) == ("tech1", False)
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is None  # the dispatcher's data left the device


def test_another_persons_unsent_work_is_never_dropped_by_an_offline_sign_in(signed_in):
    rig = signed_in
    rig.ordo.sign_out()
    rig.ordo.sign_in(server_url=URL, username="disp1", password="demo-disp")
    rig.ordo.sync_blocking()
    rig.ordo.sign_out()
    # tech1 again, online: their order comes back with the pull.
    rig.server.pages.append(
        {"changes": [change("work_order", order_data(rig.order), 9)], "cursor": "9", "has_more": False}
    )
    rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    rig.ordo.add_note(uuid.UUID(rig.order), "not sent yet")
    _offline(rig)
    with pytest.raises(SignInError, match="1 change of tech1 is still waiting"):
        rig.ordo.sign_in(server_url=URL, username="disp1", password="demo-disp")
    with rig.ordo._store.read() as s:
        assert count(s) == 1


def test_a_wrong_password_with_the_server_up_is_never_checked_here(signed_in):
    rig = signed_in
    rig.ordo.sign_out()
    with pytest.raises(SignInError, match="Wrong username or password"):
        rig.ordo.sign_in(server_url=URL, username="tech1", password="guess")
    with rig.ordo._store.read() as s:
        assert s.query(LocalAccount).one().failures == 0  # the server said no; nothing counted here


def test_a_server_in_trouble_lets_the_device_answer(signed_in):
    rig = signed_in
    rig.ordo.sign_out()
    rig.server.fault = lambda _r: httpx.Response(
        503, json={"error": {"code": "overloaded", "message": "busy"}}, headers={"Retry-After": "5"}
    )
    rig.clock.advance(seconds=1)
    assert not rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech").server_session


def test_signing_out_of_a_local_session_signs_out(signed_in):
    rig = signed_in
    _offline(rig)
    rig.ordo.sign_in(server_url=URL, username="tech1", password="demo-tech")
    rig.ordo.sign_out()
    assert rig.ordo.current_user() is None
