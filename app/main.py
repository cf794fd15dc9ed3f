"""Builds the client: settings, local store, services, then the first view. Assembly only."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import flet as ft
import httpx

from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.views.account.access_gate import AccessCheck, place_words
from app.views.app import mount

# Icons, splash, fonts (docs/packaging.md): the top-level assets/ of a source checkout or an
# editable install. Absolute, so `ordo run` works from any folder; a plain wheel has none,
# and the web view then shows Flet's own icons.
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
# Bundled, not the default face (the UI stays in Flutter's Roboto): declared so a view can
# ask for it by name, offline, on every platform.
FONTS = {"DejaVu Sans": "fonts/DejaVuSans.ttf"}


def assets_dir() -> str | None:
    return str(ASSETS_DIR) if ASSETS_DIR.is_dir() else None


def utc_now() -> datetime:
    return datetime.now(UTC)


def http_client_factory(*, timeout: float) -> Callable[[str], httpx.Client]:
    """What the services call to reach a server; the one place a real httpx.Client is made."""

    def make(server_url: str) -> httpx.Client:
        return httpx.Client(base_url=server_url, timeout=timeout)

    return make


def open_store(*, settings: ClientSettings) -> LocalStore:
    """Open (or create and migrate) the local database in `settings.data_dir`."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return LocalStore.open(settings.db_path)


def build_services(*, settings: ClientSettings, store: LocalStore) -> Ordo:
    """The services the views talk to, with the background sync worker running."""
    return Ordo(
        store=store,
        client_factory=http_client_factory(timeout=settings.request_timeout),
        clock=utc_now,
        settings=settings,
    )


def enable_uploads() -> None:
    """Flet signs upload URLs with FLET_SECRET_KEY; without one it refuses uploads.

    A key made per process is enough: upload URLs live minutes and never outlast
    the process that signed them. One set by the operator is kept.
    """
    if not os.environ.get("FLET_SECRET_KEY"):
        os.environ["FLET_SECRET_KEY"] = secrets.token_urlsafe(32)


def run(*, settings: ClientSettings, web: bool, host: str, port: int) -> None:
    """Serve the client until interrupted: the web view on host:port, or the desktop view."""
    store = open_store(settings=settings)
    services = build_services(settings=settings, store=store)
    # One gate (one code, one count of wrong tries) for every browser session of this web view.
    code = settings.access_code.get_secret_value() if settings.access_code else ""
    access = AccessCheck(code=code, place=place_words(host)) if web and code else None

    def flet_main(page: ft.Page) -> None:
        # An address given by --server/ORDO_SERVER_URL wins; otherwise the one last signed in to.
        explicit = "server_url" in settings.model_fields_set
        if assets_dir():
            page.fonts = dict(FONTS)
        mount(page, services=services, server_url=settings.server_url if explicit else "", access=access)

    # no_cdn: the web view is served from the installed wheel, so it works offline.
    try:
        if web:
            enable_uploads()
            ft.run(
                flet_main,
                view=ft.AppView.WEB_BROWSER,
                host=host,
                port=port,
                no_cdn=True,
                assets_dir=assets_dir(),
                # The browser's picked photos land here (signed PUTs), where add_photos reads them.
                upload_dir=str(services.incoming_dir()),
            )
        else:
            ft.run(flet_main, view=ft.AppView.FLET_APP, no_cdn=True, assets_dir=assets_dir())
    finally:
        services.close()
        store.close()
