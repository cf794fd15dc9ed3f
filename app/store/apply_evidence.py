"""Local application of work evidence: the append-only children of an order (note, photo,
time log, part, signature) and the voiding of an entry, judged by the rulebook as the
server judges them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.orm import Session

from app.domain.protocol import Entity, MutationType
from app.domain.rules import judge_evidence, judge_void
from app.store.access import OrderLike, order_facts, relation_of
from app.store.models import Note, Order, PartUsage, Photo, Signature, TimeLog
from app.store.order_fields import LocalEffect, parse_time

# Voidable entries (entry.void's "entity") and their tables.
VOIDABLE: dict[str, Any] = {
    Entity.NOTE: Note,
    Entity.PHOTO: Photo,
    Entity.TIME_LOG: TimeLog,
    Entity.PART_USAGE: PartUsage,
}


def _note(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {"author_id": me, "text": args["text"], "at": parse_time(args["at"])}


def _photo(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {
        "author_id": me,
        "sha256": args["sha256"],
        "size": int(args["size"]),
        "content_type": args["content_type"],
        "width": int(args["width"]),
        "height": int(args["height"]),
        "caption": args.get("caption") or "",
        "taken_at": parse_time(args["taken_at"]),
        "blob_status": "pending",
    }


def _time_log(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {
        "user_id": me,
        "kind": args["kind"],
        "started_at": parse_time(args["started_at"]),
        "ended_at": parse_time(args["ended_at"]),
    }


def _part_usage(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {"user_id": me, "sku": args["sku"], "quantity": float(args["quantity"])}


def _signature(args: dict[str, Any], _me: str | None) -> dict[str, Any]:
    return {
        "signer_name": args["signer_name"],
        "sha256": args["sha256"],
        "signed_at": parse_time(args["signed_at"]),
    }


# Evidence types: the child row each adds (keyed by args["id"]), its table, its values.
CHILDREN: dict[str, tuple[Any, str, Callable[[dict[str, Any], str | None], dict[str, Any]]]] = {
    MutationType.NOTE_ADD: (Note, "notes", _note),
    MutationType.PHOTO_ADD: (Photo, "photos", _photo),
    MutationType.TIME_ADD: (TimeLog, "time_logs", _time_log),
    MutationType.PART_USE: (PartUsage, "part_usages", _part_usage),
    MutationType.SIGNATURE_ADD: (Signature, "signatures", _signature),
}


@cache
def _insert(model: Any) -> Insert:
    return model.__table__.insert()


def add_evidence(
    session: Session,
    order_id: str,
    kind: str,
    args: dict[str, Any],
    *,
    me: str | None,
    fresh: bool = False,
    order: OrderLike | None = None,
) -> LocalEffect | None:
    """An append-only child made on this device, when the rulebook lets this user add it
    (`order`: its order as already read in this transaction, if it was)."""
    if order is None:
        order = order_facts(session, order_id) if fresh else session.get(Order, order_id)
    if order is None:
        return None  # the order is not here (yet, or any more): nothing to show it on
    if not judge_evidence(MutationType(kind), relation=relation_of(session, order)).allowed:
        return None
    model, table, values_of = CHILDREN[kind]
    child_id = str(uuid.UUID(str(args["id"])))
    if fresh:
        # A new id: no row to look for or merge with. One Core insert, not an ORM object and
        # its flush (a third of a local write's time); the session holds no object for it.
        values = {"id": child_id, "order_id": order_id, "seq": 0, "server_data": None}
        session.connection().execute(_insert(model), [{**values, **values_of(args, me)}])
        return LocalEffect(table, child_id)
    row = session.get(model, child_id)
    if row is None:
        row = model(id=child_id, order_id=order_id, seq=0, server_data=None)
        session.add(row)
    if row.server_data is None:  # the server's copy, once pulled, is the truth
        for name, value in values_of(args, me).items():
            setattr(row, name, value)
    session.flush()
    return LocalEffect(table, child_id)


def author_of(row: Any) -> str | None:
    """Who made a voidable entry (notes and photos have an author, time and parts a user)."""
    return getattr(row, "author_id", None) or getattr(row, "user_id", None)


def void_entry(
    session: Session, order_id: str, args: dict[str, Any], *, me: str | None
) -> LocalEffect | None:
    model = VOIDABLE.get(args.get("entity", ""))
    row = None if model is None else session.get(model, str(args["id"]))
    order = session.get(Order, order_id)
    if row is None or order is None or row.order_id != order_id:
        return None
    mine = me is not None and author_of(row) == me
    verdict = judge_void(relation=relation_of(session, order), is_author=mine)
    if not verdict.allowed:
        return None
    row.voided = True
    session.flush()
    return LocalEffect(model.__tablename__, row.id)
