"""One import: the file checked (app.domain.order_import), the rows already here found,
then in mode `all` or `good` the orders written, all in ONE write transaction.

Nothing half-imported: the orders, their history entries and their import records are
inserted inside the transaction that checked them; any failure (a refused row in mode
`all`, a crash, a lost connection) rolls every one of them back.

An order is recognised, so the same file twice makes no duplicates, by:
- the row's `number`, when an order of the organisation has it (an exported file
  going back in: its orders are here);
- the row's `external_id` (given, or derived from the row's content), when an order of
  the organisation has it as its external id (every imported order keeps it there, and
  requests from intake have theirs), or an import record (`intake_records`, kind
  `import`, unique per organisation) names it.
Two imports of one file at once: the second waits for the first's transaction (the seq
counter's row lock, taken first as intake does) and then finds its orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.domain import LIFECYCLE_FIELDS, Source, Status, default_due, format_number
from app.domain.import_report import ImportMode, ImportReport, RowStatus
from app.domain.order_import import MAX_BYTES, Checked, OrderIn, Person, check_file, mark_already
from app.domain.protocol import MutationType
from server_stub.announce import concerns
from server_stub.bulk import insert_rows
from server_stub.db import SEQ_COUNTER, Database, next_order_number, next_seq, seq_block
from server_stub.history.ledger import CREATED_FROM
from server_stub.models import Counter, IntakeRecord, OrderEvent, User, WorkOrder
from server_stub.timeutil import to_db

IMPORT_KIND = "import"  # intake_records.kind of an imported order
CHUNK = 1000  # orders per executemany (and per IN list when looking for those here)
SCAN_ABOVE = 2000  # external ids looked for: above, the organisation's orders are read once
ANALYZE_AFTER = 1000  # orders imported at once: PostgreSQL's statistics are taken afresh (_analyze)
# The tables an import fills (WorkOrder, OrderEvent, IntakeRecord).
_ANALYZE = text("ANALYZE work_orders, order_events, intake_records")
_LIFECYCLE_COLUMNS = tuple(LIFECYCLE_FIELDS.values())


class ImportTooLarge(ValueError):
    """The file is over MAX_BYTES (the route answers 413)."""


class UnknownZone(ValueError):
    """The zone named for times without an offset is not an IANA zone (the route: 422)."""


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f"unknown time zone {name!r} (an IANA name, e.g. Europe/Paris)") from None


def people_of(session: Session, *, org_id: str) -> dict[str, Person]:
    """The organisation's users by username, casefolded, for the technician column."""
    rows = session.execute(
        select(User.id, User.username, User.role, User.disabled_at).where(User.org_id == org_id)
    )
    return {
        username.casefold(): Person(user_id=user_id, role=role, active=disabled_at is None)
        for user_id, username, role, disabled_at in rows
    }


def import_orders(
    db: Database,
    *,
    org_id: str,
    data: bytes,
    mode: ImportMode,
    now: datetime,
    zone: str = "UTC",
    file_name: str = "",
    after_chunk: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check `data` and, in mode all/good, import it; the report says what became of each
    row. `after_chunk(n)` is called after each chunk of orders is written, inside the
    transaction (tests make it fail there, to see that nothing stays)."""
    if len(data) > MAX_BYTES:
        raise ImportTooLarge(f"the file is {len(data):,} bytes; at most {MAX_BYTES:,} are taken: split it")
    tz = zone_of(zone)
    with db.read() as session:
        people = people_of(session, org_id=org_id)
    checked = check_file(data, mode=mode, people=people, zone=tz, zone_name=zone or "UTC")
    if checked.report.problems:
        return checked.report
    if mode is ImportMode.CHECK:
        with db.read() as session:
            return mark_already(checked.report, rows=_already(session, org_id=org_id, checked=checked))
    with db.write() as session, session.begin():
        # As intake: the seq counter's row first, so two imports (or an import and an
        # intake) of the same external ids queue, and the second finds the first's orders.
        session.execute(update(Counter).where(Counter.name == SEQ_COUNTER).values(value=Counter.value))
        report = mark_already(checked.report, rows=_already(session, org_id=org_id, checked=checked))
        if mode is ImportMode.ALL and report.refused:
            return report  # nothing written: the transaction ends empty
        good = [checked.orders[line.row] for line in report.rows if line.status is RowStatus.OK]
        numbers = _write(
            session, org_id=org_id, orders=good, now=now, file_name=file_name, after_chunk=after_chunk
        )
        for line in report.rows:
            if line.row in numbers:
                line.number = numbers[line.row]
        report.imported = len(numbers)
        report.committed = True
    if report.imported >= ANALYZE_AFTER and db.engine.dialect.name == "postgresql":
        _analyze(db)
    return report


def _analyze(db: Database) -> None:
    """Fresh planner statistics for the tables an import fills. PostgreSQL's autovacuum
    takes them within a minute or so; until then it plans for the tables as they were, and
    right after 30,000 rows a pull page's feed query took 31-41 ms instead of 1.4-2.4 ms
    (whole tables scanned and sorted instead of their seq indexes walked; issue 11)."""
    with db.engine.connect() as conn:
        conn.execute(_ANALYZE)
        conn.commit()


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _already(session: Session, *, org_id: str, checked: Checked) -> dict[int, str]:
    """Row number -> the number of the order already here that the row names.

    Plain queries, joined here: on PostgreSQL right after a bulk insert the planner's
    statistics still say the tables are empty, and a join then ran as nested scans
    (a minute for 50,000 rows)."""
    orders = list(checked.orders.values())
    by_number: dict[str, str] = {}
    numbers = sorted({o.number for o in orders if o.number})
    for part in _chunks(numbers):
        found = select(WorkOrder.number).where(WorkOrder.org_id == org_id, WorkOrder.number.in_(part))
        by_number.update((n, n) for n in session.execute(found).scalars())
    externals = sorted({o.external_id for o in orders})
    by_external: dict[str, str] = {}
    on_orders = select(WorkOrder.external_id, WorkOrder.number).where(
        WorkOrder.org_id == org_id, WorkOrder.external_id.is_not(None)
    )
    if len(externals) > SCAN_ABOVE:
        # work_orders.external_id has no index: one pass over the organisation's orders
        # rather than a scan per chunk.
        wanted = set(externals)
        found_all = session.execute(on_orders.execution_options(yield_per=CHUNK))
        by_external.update((e, n) for e, n in found_all if e in wanted)
    else:
        for part in _chunks(externals):
            by_external.update(session.execute(on_orders.where(WorkOrder.external_id.in_(part))).all())
    # Import records name orders whose external id was changed since (or never kept).
    recorded: dict[str, str] = {}
    for part in _chunks([e for e in externals if e not in by_external]):
        query = select(IntakeRecord.external_id, IntakeRecord.order_id).where(
            IntakeRecord.org_id == org_id,
            IntakeRecord.kind == IMPORT_KIND,
            IntakeRecord.external_id.in_(part),
        )
        recorded.update(session.execute(query).all())
    order_ids = sorted(set(recorded.values()))
    numbers_of: dict[str, str] = {}
    for part in _chunks(order_ids):
        numbers_of.update(
            session.execute(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(part))).tuples()
        )
    by_external.update((e, numbers_of[o]) for e, o in recorded.items() if o in numbers_of)
    found_rows: dict[int, str] = {}
    for order in orders:
        number = by_number.get(order.number or "") or by_external.get(order.external_id)
        if number is not None:
            found_rows[order.row] = number
    return found_rows


def _write(
    session: Session,
    *,
    org_id: str,
    orders: Sequence[OrderIn],
    now: datetime,
    file_name: str,
    after_chunk: Callable[[int], None] | None,
) -> dict[int, str]:
    """Insert the orders (numbers and seqs taken in one block, as a push does), a history
    entry and an import record each; row number -> the order's number."""
    at = to_db(now)
    made: dict[int, str] = {}
    where = f" of {file_name}" if file_name else ""
    summary = CREATED_FROM[Source.IMPORT.value]
    concerns(session, (), orgs=[org_id])  # whose dispatchers the commit's live poke is for
    connection = session.connection()
    with seq_block(session, numbers_too=True):
        for count, part in enumerate(_chunks(orders), start=1):
            order_rows, event_rows, record_rows = [], [], []
            for order in part:
                order_id = str(uuid.uuid4())
                number = format_number(next_order_number(session, org_id=org_id))
                row = _order_row(order, order_id=order_id, org_id=org_id, number=number, at=at)
                row["seq"] = next_seq(session)
                order_rows.append(row)
                event_seq = next_seq(session)
                event_rows.append(
                    {
                        "id": str(uuid.uuid4()), "order_id": order_id, "seq": event_seq, "at": at,
                        "type": MutationType.ORDER_CREATE.value,
                        "summary": f"{summary} (row {order.row}{where})", "fields": None,
                    }
                )  # fmt: skip
                record_rows.append(
                    {
                        "id": str(uuid.uuid4()), "org_id": org_id, "kind": IMPORT_KIND,
                        "external_id": order.external_id, "source": None, "order_id": order_id,
                        "created_at": at,
                    }
                )  # fmt: skip
                concerns(session, (row["seq"], event_seq), people=(order.assignee_id,))
                made[order.row] = number
            insert_rows(connection, WorkOrder.__table__, order_rows)  # type: ignore[arg-type]
            insert_rows(connection, OrderEvent.__table__, event_rows)  # type: ignore[arg-type]
            insert_rows(connection, IntakeRecord.__table__, record_rows)  # type: ignore[arg-type]
            if after_chunk is not None:
                after_chunk(count)
    return made


def _order_row(order: OrderIn, *, order_id: str, org_id: str, number: str, at: datetime) -> dict[str, Any]:
    assigned = order.assignee_id is not None
    row: dict[str, Any] = dict.fromkeys(_LIFECYCLE_COLUMNS)
    row.update(
        id=order_id,
        org_id=org_id,
        number=number,
        title=order.title,
        description=order.description,
        kind=order.kind.value,
        priority=order.priority.value,
        status=(Status.ASSIGNED if assigned else Status.NEW).value,
        status_reason=None,
        assignee_id=order.assignee_id,
        customer=order.customer,
        site=order.site,
        asset=order.asset,
        due_at=to_db(order.due_at) if order.due_at else default_due(priority=order.priority, created_at=at),
        requires_signature=order.requires_signature,
        required_skills=[],
        source=Source.IMPORT.value,
        external_id=order.external_id,
        created_at=at,
        updated_at=at,
        field_seqs={},
        past_assignees=[order.assignee_id] if assigned else [],
        created_by=None,  # made by no person's device, as intake's orders
        create_digest=None,
        first_assigned_at=at if assigned else None,
        reopen_count=0,
        follow_up_of=None,
    )
    if assigned:
        row[LIFECYCLE_FIELDS[Status.ASSIGNED]] = at
    return row
