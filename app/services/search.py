"""Finding orders on the desk: the typed words, the filters and the sort order over the local
store's full-text index (app.store.search), as rows for the orders table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.services.desk_types import OrderPage, OrderQuery, OrderRow, SortKey
from app.services.queries import summary_of, visible_clause
from app.services.refusals import names
from app.store.outbox import pending_order_ids
from app.store.search import Filters, find_orders

MAX_PAGE = 500  # rows in one page, whatever a caller asks


def search(session: Session, query: OrderQuery, *, user_id: str, role: str, now: datetime) -> OrderPage:
    """One page of the orders this user works on that match `query`, and how many match in all.

    Words are searched over number, title, site, customer, description and notes (not voided
    ones); each word is a prefix, accents and case do not matter. Best match first needs
    words: without any, "relevance" sorts by due time. `now` is the caller's aware clock
    (unused: nothing in a row depends on it yet, the board's lateness does).
    """
    found = find_orders(
        session,
        typed=query.text,
        filters=filters_of(query),
        visible=visible_clause(user_id=user_id, role=role),
        sort=SortKey(query.sort).value,
        descending=query.descending,
        limit=min(max(query.limit, 0), MAX_PAGE),
        offset=max(query.offset, 0),
    )
    pending = pending_order_ids(session)
    people = names(session)
    rows = [
        OrderRow(
            summary=summary_of(hit.order, pending=hit.order.id in pending, people=people),
            kind=hit.order.kind,
            source=hit.order.source,
            customer_name=str((hit.order.customer or {}).get("name") or ""),
            updated_at=hit.order.updated_at,
            snippet=hit.snippet,
        )
        for hit in found.hits
    ]
    return OrderPage(rows=rows, total=found.total)


def filters_of(query: OrderQuery) -> Filters:
    """The store's filters for what the desk's table asks (its export asks the same)."""
    return Filters(
        statuses=[s.value for s in query.statuses],
        priorities=[p.value for p in query.priorities],
        assignee_ids=[None if a is None else str(a) for a in query.assignee_ids],
        due_from=query.due_from,
        due_to=query.due_to,
        sources=list(query.sources),
    )
