"""The client renews its access token with the refresh token: ahead of expiry, or once on
a 401 token_expired (then the request again); a failed renewal is the sign-in-again path
with nothing local lost. Against a scripted server on httpx.MockTransport."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.services.types import SyncState
from app.store.outbox import count, sync_state
from app.sync.errors import AuthExpired, DeviceRevoked
from app.sync.http import EXPIRED_MESSAGE, REVOKED_MESSAGE

from .tokenkit import REFRESH, make_rig, signed_in_rig


@pytest.fixture
def token_rig(tmp_path):  # type: ignore[no-untyped-def]
    yield from signed_in_rig(tmp_path)


def _state(rig):  # type: ignore[no-untyped-def]
    with rig.ordo._store.read() as s:
        state = sync_state(s)
        return state.access_token, state.refresh_token, state.token_expires_at, state.notice


def _note(rig, text: str = "Checked the valve") -> None:  # type: ignore[no-untyped-def]
    rig.ordo.add_note(uuid.UUID(rig.order), text)


def test_sign_in_keeps_the_refresh_token_with_the_access_token(token_rig) -> None:  # type: ignore[no-untyped-def]
    access, spare, expires, notice = _state(token_rig)
    assert (access, spare) == ("a1.access-1", "r1.refresh-1")
    assert expires == token_rig.clock() + timedelta(hours=1)
    assert notice is None


def test_a_401_token_expired_is_refreshed_once_and_the_sync_goes_on(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig
    _note(rig)
    rig.server.expire_all()  # the server says it expired (the device's clock may be wrong)
    rig.server.requests.clear()
    report = rig.ordo.sync_blocking()
    assert report.pushed == 1
    assert rig.server.paths() == [
        "/api/v1/sync/push",  # 401 token_expired
        REFRESH,
        "/api/v1/sync/push",  # again, with the new token
        "/api/v1/sync/pull",
    ]
    assert rig.server.refreshes == [{"refresh_token": "r1.refresh-1", "device_id": _device(rig)}]
    assert rig.server.requests[2].headers["authorization"] == "Bearer a1.access-2"
    assert _state(rig)[:2] == ("a1.access-2", "r1.refresh-2")
    with rig.ordo._store.read() as s:
        assert count(s) == 0


def _device(rig) -> str:  # type: ignore[no-untyped-def]
    with rig.ordo._store.read() as s:
        return sync_state(s).device_id


def test_a_token_near_its_expiry_is_renewed_before_the_sync(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig
    rig.clock.advance(minutes=59)  # one minute left
    rig.server.requests.clear()
    rig.ordo.sync_blocking()
    assert rig.server.paths()[0] == REFRESH
    assert all(r.headers.get("authorization") == "Bearer a1.access-2" for r in rig.server.requests[1:])
    access, _, expires, _ = _state(rig)
    assert access == "a1.access-2" and expires == rig.clock() + timedelta(hours=1)
    # A token with time left is not renewed.
    rig.server.requests.clear()
    rig.ordo.sync_blocking()
    assert REFRESH not in rig.server.paths()


def test_a_failed_refresh_keeps_the_user_working_here_and_every_local_change(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig
    _note(rig)
    rig.server.expire_all()
    rig.server.refresh_fails = True
    with pytest.raises(AuthExpired) as exc:
        rig.ordo.sync_blocking()
    assert str(exc.value) == EXPIRED_MESSAGE
    assert type(exc.value) is AuthExpired  # not "expired" again: the worker must not loop
    assert _state(rig)[:2] == (None, None)
    # An expired session never blocks local work: still signed in here, asked to sign in to sync.
    user = rig.ordo.current_user()
    assert user is not None and not user.server_session
    assert rig.ordo.sync_status().needs_sign_in
    _note(rig)
    with rig.ordo._store.read() as s:
        assert count(s) == 2  # the notes wait for the next sign-in
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    with rig.ordo._store.read() as s:
        assert count(s) == 0


def test_the_refresh_happens_once_per_expiry(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig

    def always_expired(request):  # type: ignore[no-untyped-def]
        # A server that keeps saying "expired" even to a brand-new token.
        if request.url.path == REFRESH:
            return rig.server.answer(request)
        import httpx

        return httpx.Response(401, json={"error": {"code": "token_expired", "message": "expired"}})

    rig.server.fault = always_expired
    rig.server.requests.clear()
    with pytest.raises(AuthExpired):
        rig.ordo.sync_blocking()
    assert rig.server.paths().count(REFRESH) == 1
    assert len(rig.server.requests) == 3  # sync, refresh, sync again: then give up


def test_a_revoked_device_is_signed_out_with_a_clear_message_and_keeps_its_data(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig
    _note(rig)
    rig.server.revoked = "device_revoked"
    with pytest.raises(DeviceRevoked) as exc:
        rig.ordo.sync_blocking()
    assert str(exc.value) == REVOKED_MESSAGE
    assert rig.ordo.current_user() is None
    assert _state(rig) == (None, None, None, REVOKED_MESSAGE)
    with rig.ordo._store.read() as s:
        assert count(s) == 1
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is None  # nobody signed in reads nothing...
    status = rig.ordo.sync_status()
    assert status.message == REVOKED_MESSAGE and status.waiting == 1
    # ...and the next sign-in finds it all and clears the notice.
    rig.server.revoked = None
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    assert _state(rig)[3] is None
    assert rig.ordo.get_order(uuid.UUID(rig.order)) is not None


def test_the_worker_shows_the_revocation(token_rig) -> None:  # type: ignore[no-untyped-def]
    rig = token_rig
    rig.server.revoked = "device_revoked"
    rig.ordo.worker.run_once()
    status = rig.ordo.sync_status()
    assert status.state is SyncState.ERROR and status.message == REVOKED_MESSAGE


def test_an_older_server_without_refresh_tokens_still_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .tokenkit import TokenServer

    class OldServer(TokenServer):
        def _pair(self):  # type: ignore[no-untyped-def]
            pair = super()._pair()
            del pair["refresh_token"]
            return pair

    rig = make_rig(tmp_path, server=OldServer())
    try:
        rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
        rig.clock.advance(minutes=59)
        rig.ordo.sync_blocking()  # near expiry, but nothing to renew with: it just syncs
        assert REFRESH not in rig.server.paths()
        rig.server.expire_all()
        with pytest.raises(AuthExpired):
            rig.ordo.sync_blocking()  # then the usual sign-in-again, to sync
        user = rig.ordo.current_user()
        assert user is not None and not user.server_session
    finally:
        rig.ordo.close()
