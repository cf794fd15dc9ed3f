"""The link to the signed-in server: one httpx.Client and what talks through it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import httpx

from app.store import LocalStore
from app.store.blobfiles import BlobFiles
from app.sync.blobs import BlobTransfer, Progress
from app.sync.engine import SyncEngine


class Connection:
    """The sync engine and the blob transfer share one client; a new sign-in swaps all three."""

    def __init__(
        self,
        *,
        store: LocalStore,
        files: BlobFiles,
        client_factory: Callable[[str], httpx.Client],
        clock: Callable[[], datetime],
        on_progress: Progress,
        chunk_size: int,
    ) -> None:
        self._store = store
        self._files = files
        self._client_factory = client_factory
        self._clock = clock
        self._on_progress = on_progress
        self._chunk_size = chunk_size
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._engine: SyncEngine | None = None
        self._transfer: BlobTransfer | None = None

    def make_client(self, url: str) -> httpx.Client:
        return self._client_factory(url)

    def replace(self, client: httpx.Client | None) -> None:
        """Use `client` from now on (None: none), closing the one it replaces."""
        with self._lock:
            old = self._client
            self._client = client
            if client is None:
                self._engine = self._transfer = None
            else:
                self._engine = SyncEngine(store=self._store, client=client, clock=self._clock)
                self._transfer = BlobTransfer(
                    store=self._store,
                    files=self._files,
                    client=client,
                    clock=self._clock,
                    on_progress=self._on_progress,
                    chunk_size=self._chunk_size,
                )
        if old is not None and old is not client:
            old.close()

    def client(self, url: str) -> httpx.Client:
        """The engine's client for the server at `url`: live pokes hold their stream on it."""
        return self.current(url)[0].client

    def current(self, url: str) -> tuple[SyncEngine, BlobTransfer]:
        """The engine and transfer for the server at `url`, built on first use (or when the
        stored address changed since the client was made)."""
        with self._lock:
            client = self._client
        if client is None or str(client.base_url).rstrip("/") != url:
            self.replace(self._client_factory(url))
        with self._lock:
            engine, transfer = self._engine, self._transfer
        assert engine is not None and transfer is not None
        return engine, transfer
