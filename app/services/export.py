"""The desk's orders table as a CSV file: every order matching the table's search, filters
and sort (not only the page shown), from this device's own rows, offline.

The rows are the table's: the same `app.store.search.find_orders` with the same words,
filters, visibility and sort, read a page at a time. The columns are
`app.domain.order_columns.EXPORT_COLUMNS` (what the import reads back), every cell
through `app.domain.csv_cells` (no cell starts with `=`, `+`, `-` or `@` unescaped).
Times are ISO 8601 with the device's offset (`2026-12-07T14:30:00+01:00`), which the
import reads as the same instant anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.csv_cells import csv_bytes
from app.domain.order_columns import EXPORT_COLUMNS, Column
from app.services.desk_types import OrderQuery, SortKey
from app.services.queries import visible_clause
from app.services.search import filters_of
from app.store.models import Order, User
from app.store.search import find_orders

PAGE = 1000  # orders read at a time
CSV_MIME = "text/csv"

Progress = Callable[[int, int], None]  # (orders written, orders in all)


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str  # orders-2026-12-07.csv
    data: bytes
    rows: int  # orders in it


def file_name(now: datetime) -> str:
    return f"orders-{now:%Y-%m-%d}.csv"


def _when(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).isoformat(timespec="seconds") if at is not None else ""


def _cells(order: Order, *, usernames: dict[str, str], zone: tzinfo) -> list[Any]:
    customer = order.customer or {}
    site = order.site or {}
    values: dict[Column, Any] = {
        Column.NUMBER: order.number,
        Column.EXTERNAL_ID: order.external_id or "",
        Column.TITLE: order.title,
        Column.DESCRIPTION: order.description,
        Column.KIND: order.kind,
        Column.PRIORITY: order.priority,
        Column.STATUS: order.status,
        Column.ASSIGNEE: usernames.get(order.assignee_id or "", ""),
        Column.CUSTOMER_NAME: customer.get("name") or "",
        Column.CUSTOMER_CONTACT: customer.get("contact") or "",
        Column.SITE_NAME: site.get("name") or "",
        Column.SITE_ADDRESS: site.get("address") or "",
        Column.ASSET: order.asset or "",
        Column.DUE_AT: _when(order.due_at, zone),
        Column.REQUIRES_SIGNATURE: "yes" if order.requires_signature else "no",
        Column.SOURCE: order.source,
        Column.CREATED_AT: _when(order.created_at, zone),
        Column.COMPLETED_AT: _when(order.completed_at, zone),
    }
    return [values[c] for c in EXPORT_COLUMNS]


def export_orders(
    session: Session,
    query: OrderQuery,
    *,
    user_id: str,
    role: str,
    now: datetime,
    progress: Progress | None = None,
    page: int = PAGE,
) -> ExportFile:
    """Every order `query` matches (its limit and offset are ignored: all of them), in its
    sort order, as a CSV file named for `now`'s date; `now` is aware, in the device's zone,
    which the file's times are written in."""
    zone = now.tzinfo
    assert zone is not None, "now must be aware"
    usernames = {row_id: name for row_id, name in session.execute(select(User.id, User.username))}
    filters = filters_of(query)
    rows: list[list[Any]] = []
    offset = 0
    while True:
        found = find_orders(
            session,
            typed=query.text,
            filters=filters,
            visible=visible_clause(user_id=user_id, role=role),
            sort=SortKey(query.sort).value,
            descending=query.descending,
            limit=page,
            offset=offset,
        )
        rows += [_cells(hit.order, usernames=usernames, zone=zone) for hit in found.hits]
        offset += len(found.hits)
        if progress is not None:
            progress(len(rows), max(found.total, len(rows)))
        if len(found.hits) < page:
            break
    data = csv_bytes(header=[c.value for c in EXPORT_COLUMNS], rows=rows)
    return ExportFile(name=file_name(now), data=data, rows=len(rows))
