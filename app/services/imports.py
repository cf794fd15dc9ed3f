"""Importing orders from the desk: the picked file sent to the server
(`POST /api/v1/orders/import`), which checks every row and imports in one transaction;
its report back. Needs the server: offline, it says so rather than pretending.

Blocking (network): views run it off the UI event, as the order history.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import httpx
from pydantic import ValidationError

from app.domain.import_report import ImportMode, ImportReport
from app.domain.order_import import MAX_BYTES
from app.sync.errors import ProtocolError, SyncError
from app.sync.http import request, server_message, server_name

IMPORT_PATH = "/api/v1/orders/import"
# A 50,000-row file is checked and written in seconds on the server; give it a minute.
IMPORT_TIMEOUT = 120.0


class ImportRefused(SyncError):
    """The server would not take the file (403, 413, 422): the message says why."""


def zone_name(zone: tzinfo) -> str:
    """An IANA name the server reads for times written without an offset: the zone's
    own, or for a fixed whole-hour offset its Etc/GMT zone (whose sign is the other way)."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = datetime.now(zone).utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest or not offset:
        return "UTC"
    return f"Etc/GMT{-hours:+d}"


def send_file(
    client: httpx.Client, *, token: str, data: bytes, mode: ImportMode, zone: str, file_name: str
) -> ImportReport:
    """One import request; the report, or a SyncError (Offline, ImportRefused, ...)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is {len(data):,} bytes; at most {MAX_BYTES:,} are taken: split it.")
    response = request(
        client,
        "POST",
        IMPORT_PATH,
        token=token,
        params={"mode": mode.value, "tz": zone, "name": file_name[:200]},
        content=data,
        headers={"Content-Type": "text/csv"},
        timeout=IMPORT_TIMEOUT,
    )
    url = server_name(client)
    if response.status_code in (403, 413, 422):
        raise ImportRefused(
            server_message(response) or f"{url} refused the file (HTTP {response.status_code})"
        )
    if response.status_code == 404:
        raise ProtocolError(f"{url} does not import orders (an older server?)")
    if response.status_code != 200:
        detail = server_message(response)
        raise ProtocolError(f"{url} answered HTTP {response.status_code}" + (f": {detail}" if detail else ""))
    try:
        return ImportReport.model_validate_json(response.content)
    except ValidationError as exc:
        raise ProtocolError(
            f"{url} did not answer with an import report ({exc.error_count()} errors)"
        ) from exc
