"""The body of a customer's status link (sync-protocol.md, "Customer status links"):
what `POST` and `GET /api/v1/orders/{id}/status-link` answer. Both sides read it here."""

from __future__ import annotations

from pydantic import Field

from app.domain.protocol.base import _Wire

# secrets.token_urlsafe(16): 128 random bits, 22 URL-safe base64 characters.
TOKEN_BYTES = 16
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{22}$"
STATUS_LINK_PATH = "/api/v1/orders/{order_id}/status-link"
REPORT_PATH = "/api/v1/orders/{order_id}/report.pdf"
# The customer's page, outside the API: `/s/<token>` and `/s/<token>/report.pdf`.
STATUS_PAGE_PREFIX = "/s"


class StatusLinkBody(_Wire):
    url: str = Field(min_length=1, max_length=2048)
    token: str = Field(pattern=TOKEN_PATTERN)
