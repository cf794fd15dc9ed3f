"""Orders in and out in bulk (the desk's `orders-export` and `orders-import`), mixed into `Ordo`.

Export reads this device's rows (offline too); import needs the server, which checks
every row and imports in one transaction (app.services.imports).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.domain.import_report import ImportMode, ImportReport
from app.domain.rules import is_dispatcher
from app.services import export, imports
from app.services.desk_types import OrderQuery
from app.services.types import CurrentUser, InvalidInput
from app.store.outbox import sync_state
from app.sync.errors import NotSignedIn

if TYPE_CHECKING:
    from app.services.tokens import SessionTokens
    from app.store import LocalStore


class BulkApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _clock: Callable[[], datetime]
    _tokens: SessionTokens

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _http(self) -> Any:
        raise NotImplementedError

    def catch_up_search(self) -> None:
        raise NotImplementedError

    def export_orders(
        self, query: OrderQuery, *, progress: export.Progress | None = None
    ) -> export.ExportFile:
        """Every order the table's `query` matches, as CSV (its page and limit ignored).
        Local reads only; `progress(done, total)` is called after each page."""
        user = self._who()
        self.catch_up_search()
        now = self._clock().astimezone(_device_zone())
        with self._store.read() as s:
            return export.export_orders(
                s, query, user_id=str(user.id), role=user.role, now=now, progress=progress
            )

    def import_orders(self, data: bytes, *, mode: ImportMode, file_name: str = "") -> ImportReport:
        """Send a CSV file to the server to check (mode check) or import; its report.
        Blocking (network). Raises SyncError subclasses: Offline, imports.ImportRefused, ..."""
        user = self._who()
        if not is_dispatcher(user.role):
            raise InvalidInput("Only dispatchers and admins import orders.")
        zone = imports.zone_name(_device_zone())

        def send() -> ImportReport:
            with self._store.read() as s:
                token = sync_state(s).access_token
            if not token:
                raise NotSignedIn("Sign in with the server to import orders.")
            engine = self._http()
            return imports.send_file(
                engine.client, token=token, data=data, mode=mode, zone=zone, file_name=file_name
            )

        return self._tokens.run(send)


def _device_zone() -> Any:
    from app.services.dashboard import device_zone  # the one reading of this device's zone

    return device_zone()
