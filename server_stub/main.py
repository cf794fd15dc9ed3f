"""Assembles the server application; nothing else happens here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from app.domain.protocol import PushRequest
from server_stub import collector
from server_stub.api.errors import BodyLimitMiddleware, install_error_handlers
from server_stub.api.logging import RequestLogMiddleware
from server_stub.api.openapi import document_errors
from server_stub.api.overload import InFlightLimit
from server_stub.api.routes import (
    auth,
    blobs,
    events,
    health,
    intake,
    orders,
    reports,
    root,
    status_links,
    status_page,
    sync,
)
from server_stub.api.routes import imports as order_imports
from server_stub.auth.security import signing_key
from server_stub.blobs.store import BlobStore
from server_stub.clock import Clock, SystemClock
from server_stub.db import open_database
from server_stub.live import Live
from server_stub.schedules import ScheduleTimer
from server_stub.settings import WORKER_LOG_LEVEL, Settings, get_settings
from server_stub.sync.shared_pages import SharedPages
from server_stub.sync.tombstones import TombstonePruner
from server_stub.wal import WalCheckpointer

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """A server app over `settings.database_url` (already migrated: see server_stub.migrate)."""
    db = open_database(settings.database_url, write_wait=settings.sqlite_write_wait_seconds)
    checkpointer = WalCheckpointer(db.engine) if settings.database_url.startswith("sqlite") else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run on anyio's thread pool, whose size is its limiter's (per event loop).
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        if checkpointer is not None:
            checkpointer.start()
        await app.state.live.start()
        await app.state.schedules.start()
        yield
        await app.state.schedules.stop()
        await app.state.live.stop()
        if checkpointer is not None:
            checkpointer.stop()
        db.dispose()

    app = FastAPI(title="Ordo server", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.db = db
    app.state.checkpointer = checkpointer
    app.state.clock = clock or SystemClock()
    app.state.live = Live(db=db, database_url=settings.database_url, now=app.state.clock.now)
    # Preventive maintenance: each process makes due orders (exactly once between them).
    app.state.schedules = ScheduleTimer(db=db, clock=app.state.clock, every=settings.schedules_every_seconds)
    # The token key is read (or made) now: a bad ORDO_SERVER_SECRET_KEY stops the start, not a sign-in.
    signing_key(settings)
    app.state.blobs = BlobStore(root=settings.blobs_dir)
    app.state.pruner = TombstonePruner(
        db=db,
        clock=app.state.clock,
        retention=settings.tombstone_retention,
        interval=settings.tombstone_prune_interval,
    )
    app.state.shared_pages = SharedPages(
        max_bytes=settings.pull_shared_mb * 1024 * 1024,
        max_age=timedelta(seconds=settings.pull_shared_seconds),
        now=app.state.clock.now,
    )
    api = APIRouter(prefix=API_PREFIX)
    for module in (health, auth, sync, events, blobs, intake, orders, status_links, reports, order_imports):
        api.include_router(module.router)
    app.include_router(api)
    # `/`: a page for people who open the server's address in a browser (not part of the API).
    app.include_router(root.router_for(api_prefix=API_PREFIX))
    # `/s/<token>`: the customer's status page and report (no sign-in; not part of the API).
    app.include_router(status_page.router)
    install_error_handlers(app)
    # Pull pages compress well (sync-protocol.md: gzip accepted). Blobs are JPEG,
    # PNG or WebP, which Starlette's GZip already leaves alone by content type.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    # Added last, so outermost: a shed request costs nothing further.
    app.add_middleware(
        InFlightLimit,
        limit=settings.max_in_flight,
        queue=settings.max_queued,
        wait_seconds=settings.queue_wait_seconds,
        retry_after_seconds=settings.overload_retry_after_seconds,
        # A live stream stays open for hours: it must not hold one of the slots.
        exempt=(f"{API_PREFIX}/health", f"{API_PREFIX}/sync/events"),
    )
    # Outermost of all: every answer is logged, shed and too-large ones included.
    app.add_middleware(RequestLogMiddleware)
    _document_push_body(app)
    document_errors(app)
    return app


def _document_push_body(app: FastAPI) -> None:
    """Push reads its body itself (so auth runs first); put its schema back into OpenAPI."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            extra = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(extra.pop("$defs", {}))
            components["PushRequest"] = extra
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """For `uvicorn server_stub.main:app_from_env --factory`."""
    return create_app(get_settings())


def app_for_worker() -> FastAPI:
    """The app of one `ordo-server run --workers N` process: settings from the environment
    the command set up (already migrated, its signing key made)."""
    import os

    from server_stub.api.logging import log_requests_to

    log_requests_to(level=os.environ.get(WORKER_LOG_LEVEL, "info"))
    app = app_from_env()
    collector.settle()
    return app
