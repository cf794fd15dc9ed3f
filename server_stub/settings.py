"""The server's one settings object, read from the environment once.

Variables are `ORDO_SERVER_*` (e.g. `ORDO_SERVER_DATA_DIR`), apart from the
client's `ORDO_*`, so one shell can configure both without crosstalk.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.blobs import DEFAULT_MAX_BLOB
from app.domain.protocol import MAX_PULL_LIMIT

# The request log's level for `ordo-server run --workers N` processes (server_stub.main).
WORKER_LOG_LEVEL = "ORDO_SERVER_WORKER_LOG_LEVEL"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDO_SERVER_", extra="ignore")

    data_dir: Path = Path("./ordo-server-data")
    # Plain DATABASE_URL is honoured too, as hosting platforms set it that way.
    database_url_override: str | None = Field(
        default=None,
        validation_alias=AliasChoices("database_url", "ORDO_SERVER_DATABASE_URL", "DATABASE_URL"),
    )
    # Access tokens live briefly (a stolen one is soon useless); devices renew them with
    # the refresh token, which is rotated on every use.
    token_ttl_seconds: int = Field(default=3600, ge=60)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # The HMAC key tokens are signed with (at least 32 bytes). Unset: `<data_dir>/secret.key`,
    # made once. Servers sharing one database need the same key.
    secret_key: SecretStr | None = None
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    pull_default_limit: int = Field(default=500, ge=1)
    # A first pull of a large scope takes fewer, larger pages (issue 11): a page of 5,000
    # changes is about 2 MB of JSON, some 300 KB gzipped.
    pull_max_limit: int = Field(default=MAX_PULL_LIMIT, ge=1)
    # Full pull pages kept, gzipped, for callers with the same scope and cursor
    # (sync.shared_pages): a desk's first sync of a 10,000-order organisation is some
    # 6 MB of them. 0 keeps none. Pages older than pull_shared_seconds are read afresh.
    pull_shared_mb: int = Field(default=64, ge=0)
    pull_shared_seconds: float = Field(default=600.0, gt=0)
    # Out-of-scope tombstones older than this are pruned; a device whose cursor is
    # behind a pruned one re-pulls its scope (`reset`). ISO 8601 ("P30D") or seconds.
    tombstone_retention: timedelta = Field(default=timedelta(days=30), gt=timedelta(0))
    # How often a server process prunes by itself, on the pulls it serves.
    tombstone_prune_interval: timedelta = Field(default=timedelta(hours=1), ge=timedelta(0))
    # Sign-in throttling (sync-protocol.md, Identity).
    login_window_seconds: int = 15 * 60
    login_max_failures_per_user: int = 10
    login_max_failures_per_address: int = 50
    # Blobs (sync-protocol.md, Blobs): the largest Upload-Length accepted, and how
    # long an abandoned partial upload is kept before `ordo-server prune` drops it.
    blob_max_bytes: int = Field(default=DEFAULT_MAX_BLOB, ge=1)
    blob_partial_retention: timedelta = Field(default=timedelta(days=7), gt=timedelta(0))
    # Overload: at most this many requests are served at once, this many more wait
    # (each up to queue_wait_seconds) for a turn, and the rest get 503 `overloaded`.
    # The queue holds a whole fleet's simultaneous sync (200 devices) without shedding.
    max_in_flight: int = Field(default=64, ge=1)
    # Threads running requests' database work at once (anyio's default is 40). Requests in
    # flight beyond these wait for one without holding it; with Python's one interpreter
    # lock, 40 threads at work served fewer requests a second than a few (issue 11).
    worker_threads: int = Field(default=8, ge=1)
    max_queued: int = Field(default=256, ge=0)
    queue_wait_seconds: float = Field(default=10.0, gt=0)
    # Retry-After (whole seconds) of every 503: overloaded, or the database busy.
    overload_retry_after_seconds: int = Field(default=2, ge=1)
    # SQLite: how long a write waits in line for the database's single write lock
    # before its request is answered 503 `busy` (never a 500 "database is locked").
    sqlite_write_wait_seconds: float = Field(default=10.0, gt=0)
    # How often each server process makes the orders of preventive maintenance schedules
    # that have come due (ORDO_SERVER_SCHEDULES_EVERY_SECONDS; 0: never, leave it to
    # `ordo-server schedules run` from cron).
    schedules_every_seconds: float = Field(default=60.0, ge=0)
    # Customer status links (sync-protocol.md): the base of the URLs handed out, as customers
    # reach this server (e.g. "https://ordo.example.com"); unset, the request's own base URL.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    # The zone the status page and the report state times in (an IANA name, e.g.
    # "Europe/Berlin"); the page names it beside every time.
    display_timezone: str = "UTC"
    # Status pages one client address may open per minute (429 with Retry-After beyond).
    status_page_per_minute: int = Field(default=60, ge=1)

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def database_url(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{(self.data_dir / 'ordo.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of the running process; tests build `Settings(...)` themselves."""
    return Settings()
