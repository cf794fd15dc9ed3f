"""Service calls the tests make that no screen does, built from what the screens use.

- `update_fields`: an order.update of raw wire fields. The desk's edit form sends the
  same mutation through `save_edit` (a whole draft); tests pick fields one by one to
  reach each of the rulebook's checks.
- `conflicts_of`: an order's conflicts, decided ones too. The desk lists the open ones
  (`list_open_conflicts`); tests also look at a conflict after it is decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.services import conflicts, dispatch
from app.services.facade import Ordo
from app.services.types import ConflictView, OrderDetail, OrderId


def update_fields(ordo: Ordo, order_id: OrderId | uuid.UUID, fields: Mapping[str, Any]) -> OrderDetail:
    """Queue (and apply here) one order.update of `fields`; the order as it is now."""
    oid = OrderId(order_id)
    return ordo._write(oid, lambda s, now: dispatch.update_order(s, order_id=oid, fields=fields, now=now))


def conflicts_of(ordo: Ordo, order_id: OrderId | uuid.UUID) -> list[ConflictView]:
    """One order's conflicts as the signed-in user sees them, open and decided."""
    user = ordo.current_user()
    if user is None:
        return []
    with ordo._store.read() as s:
        rows = conflicts.conflict_rows(s, user_id=str(user.id), order_id=str(order_id), open_only=False)
    return [row.conflict for row in rows]
