"""The facade with its worker running: writes poke it, "Sync now" pokes it, status reaches listeners."""

import uuid

import httpx
from store.kit import Clock, StepWaiter, open_store

from app.services.facade import Ordo
from app.services.types import SyncState
from app.settings import ClientSettings


def test_a_write_pokes_the_worker_and_the_status_follows(tmp_path, rig):
    waiter = StepWaiter()
    ordo = Ordo(
        store=open_store(tmp_path / "w"),
        client_factory=lambda url: httpx.Client(base_url=url, transport=rig.server.transport()),
        clock=Clock(),
        settings=ClientSettings(data_dir=tmp_path / "w", sync_interval=45),
        start_worker=True,
        waiter=waiter,
    )
    try:
        assert waiter.next_timeout() is None  # nobody signed in: wait for a poke, not the clock
        assert ordo.sync_status().state is SyncState.NEVER
        ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
        assert waiter.next_timeout() == 45  # the sign-in poked it and it synced
        assert ordo.sync_status().state is SyncState.SYNCED
        heard = []
        ordo.add_listener(lambda: heard.append(ordo.sync_status().waiting))
        ordo.add_note(uuid.UUID(rig.order), "hello")
        assert waiter.next_timeout() == 45
        assert ordo.sync_status().waiting == 0
        assert heard[0] == 1 and heard[-1] == 0
        assert rig.server.pushed[-1]["mutations"][0]["args"]["text"] == "hello"
        before = len(rig.server.requests)
        ordo.sync_now()
        waiter.next_timeout()
        assert len(rig.server.requests) == before + 1  # one pull, nothing to push
    finally:
        ordo.close()
    assert not ordo.worker.running


def test_the_app_retries_an_unreachable_server_on_the_settings_short_cap(signed_in):
    """ORDO_OFFLINE_RETRY_CAP bounds the wait while offline; the long cap is for server errors."""
    rig = signed_in
    ordo = Ordo(
        store=rig.ordo._store,
        client_factory=lambda url: httpx.Client(base_url=url, transport=rig.server.transport()),
        clock=Clock(),
        settings=ClientSettings(data_dir=rig.ordo._settings.data_dir, offline_retry_cap=3, backoff_cap=300),
        start_worker=False,
    )

    def cut(request):
        raise httpx.ConnectError("connection refused", request=request)

    rig.server.fault = cut
    try:
        delays = [ordo.worker.run_once() for _ in range(12)]
        assert all(0 <= d <= 3 for d in delays) and ordo.sync_status().state is SyncState.OFFLINE
    finally:
        ordo.close()
