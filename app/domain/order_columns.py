"""The columns of an orders CSV, one list for both directions: the desk's export writes
them, the import reads them, so an exported file goes back in as it came out.

A header is matched without regard to case, spaces, hyphens or dots ("Due at",
"due-at" and "DUE_AT" are `due_at`), and a few names people use for the same thing
are taken too ("technician" for `assignee`, "customer" for `customer_name`).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Column(StrEnum):
    NUMBER = "number"
    EXTERNAL_ID = "external_id"
    TITLE = "title"
    DESCRIPTION = "description"
    KIND = "kind"
    PRIORITY = "priority"
    STATUS = "status"
    ASSIGNEE = "assignee"  # the technician's username
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_CONTACT = "customer_contact"
    SITE_NAME = "site_name"
    SITE_ADDRESS = "site_address"
    ASSET = "asset"
    DUE_AT = "due_at"
    REQUIRES_SIGNATURE = "requires_signature"
    SOURCE = "source"
    CREATED_AT = "created_at"
    COMPLETED_AT = "completed_at"


# What the export writes, in this order.
EXPORT_COLUMNS: tuple[Column, ...] = tuple(Column)

# What an import takes from a row. `number` only recognises an order already here.
IMPORTED: frozenset[Column] = frozenset(
    {
        Column.NUMBER,
        Column.EXTERNAL_ID,
        Column.TITLE,
        Column.DESCRIPTION,
        Column.KIND,
        Column.PRIORITY,
        Column.ASSIGNEE,
        Column.CUSTOMER_NAME,
        Column.CUSTOMER_CONTACT,
        Column.SITE_NAME,
        Column.SITE_ADDRESS,
        Column.ASSET,
        Column.DUE_AT,
        Column.REQUIRES_SIGNATURE,
    }
)
# Known (the export writes them) but not imported: the server decides an imported
# order's status (new, or assigned when a technician is named), source and times.
READ_ONLY: frozenset[Column] = frozenset(set(Column) - IMPORTED)
REQUIRED: frozenset[Column] = frozenset({Column.TITLE})

ALIASES: dict[str, Column] = {
    "technician": Column.ASSIGNEE,
    "technician_username": Column.ASSIGNEE,
    "assignee_username": Column.ASSIGNEE,
    "assigned_to": Column.ASSIGNEE,
    "customer": Column.CUSTOMER_NAME,
    "contact": Column.CUSTOMER_CONTACT,
    "site": Column.SITE_NAME,
    "address": Column.SITE_ADDRESS,
    "due": Column.DUE_AT,
    "due_date": Column.DUE_AT,
    "type": Column.KIND,
    "order_number": Column.NUMBER,
    "externalid": Column.EXTERNAL_ID,
    "signature": Column.REQUIRES_SIGNATURE,
}

_NOT_NAME = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """A header cell as a plain key: 'Due at ' -> 'due_at'."""
    return _NOT_NAME.sub("_", text.replace("\ufeff", "").strip().casefold()).strip("_")


def column_of(text: str) -> Column | None:
    """The column a header cell names, or None for one we do not know."""
    key = header_key(text)
    try:
        return Column(key)
    except ValueError:
        return ALIASES.get(key)
