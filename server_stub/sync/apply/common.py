"""What every applier shares: the context, rejection, args parsing, loading the
order under a row lock, asking the policy, and conflict rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status, rules
from app.domain.codes import Code
from app.domain.protocol import Entity, MutationResult, MutationType, ResultStatus
from server_stub.auth import policy
from server_stub.blobs.store import BlobStore
from server_stub.db import next_seq
from server_stub.models import Base, Conflict, User, WorkOrder
from server_stub.timeutil import parse_wire, to_db


class Rejected(Exception):
    """The mutation can never succeed; `code` (one of the protocol's) and `message`
    go into its result. A code outside the protocol's list fails here, loudly."""

    def __init__(self, code: Code | str, message: str) -> None:
        super().__init__(message)
        self.code = Code(code)
        self.message = message

    @classmethod
    def of(cls, verdict: rules.Verdict | rules.MoveVerdict) -> Rejected:
        """The rejection a refusing verdict of the rulebook stands for."""
        if verdict.code is None:
            raise ValueError(f"{verdict} refuses nothing")
        return cls(verdict.code, verdict.detail)


@dataclass(frozen=True, slots=True)
class Context:
    session: Session
    user: User
    device_id: str
    mid: int
    now: datetime
    # Where the organisation's blobs are, so photo.add can tell whether its bytes came already.
    blobs: BlobStore | None = None
    # What the mutation wrote, for the order's history: name -> [before, after] (wire values).
    # Kept in the ledger row beside the result, never sent in a push response.
    changes: dict[str, list[Any]] = field(default_factory=dict)
    # Applied without a savepoint (server_stub.sync.push): a row whose id is taken is left
    # for the primary key to refuse, since any failure re-applies the batch carefully; so
    # the look for an existing row (a SELECT and a flush before it) is skipped.
    bold: bool = False

    def changed(self, name: str, before: Any, after: Any) -> None:
        """Note that `name` went from `before` to `after`; written twice in one mutation,
        the first `before` and the last `after` stand (and nothing, if they are equal)."""
        if name in self.changes:
            before = self.changes[name][0]
        if before == after:
            self.changes.pop(name, None)
        else:
            self.changes[name] = [before, after]

    def result(
        self, status: ResultStatus, *, seq: int | None, conflict_ids: list[uuid.UUID] | None = None
    ) -> MutationResult:
        return MutationResult(mid=self.mid, status=status, seq=seq, conflict_ids=conflict_ids or None)


A = TypeVar("A", bound=BaseModel)
M = TypeVar("M")


def parse_args(model: type[A], args: dict[str, Any]) -> A:
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "args"
        raise Rejected(Code.INVALID_ARGS, f"{where}: {first['msg']}") from None


def parse_time(text: str, *, name: str) -> datetime:
    try:
        return parse_wire(text)
    except ValueError:
        raise Rejected(Code.INVALID_ARGS, f"{name}: not an ISO-8601 time: {text!r}") from None


def parse_status(text: Any, *, name: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        raise Rejected(Code.INVALID_ARGS, f"{name}: unknown status {text!r}") from None


# session.info key: the rows this transaction holds the row lock of, by (model, id) (push
# keeps it per batch and empties it whenever a savepoint rolls back, which releases locks).
# Holding them here also keeps them in the session, whose identity map alone would let them go.
LOCKED = "ordo_locked_rows"


# session.info key: people read during the batch, by id, held so that the session keeps them.
PEOPLE = "ordo_people"


def person(ctx: Context, user_id: str) -> User | None:
    """A user row (an assignee, a creator), read once per push batch rather than per mutation."""
    people: dict[str, User | None] | None = ctx.session.info.get(PEOPLE)
    if people is None:
        return ctx.session.get(User, user_id)
    if user_id not in people:
        with ctx.session.no_autoflush:  # no push writes users: what is pending can wait
            people[user_id] = ctx.session.get(User, user_id)
    return people[user_id]


def locked_row(session: Session, model: type[M], row_id: str) -> M | None:
    """`model`'s row `row_id` under a row lock (PostgreSQL: two devices changing one row must
    not both read the old one). Locked earlier in this push batch, nobody else can have
    changed it since: the batch's later mutations on it skip a SELECT ... FOR UPDATE each."""
    held: dict[tuple[type[Any], str], Any] | None = session.info.get(LOCKED)
    row = None if held is None else held.get((model, row_id))
    if row is None:
        row = session.get(model, row_id, with_for_update=True)
        if row is not None and held is not None:
            held[(model, row_id)] = row
    return row


def lock_rows(session: Session, model: type[Base], row_ids: Iterable[str]) -> None:
    """Read and row-lock at once the rows a push batch is about to change, in id order (two
    batches over the same rows then queue rather than deadlock); locked_row finds them here
    instead of reading each (a read costs more than applying a note)."""
    held: dict[tuple[type[Any], str], Any] = session.info.setdefault(LOCKED, {})
    wanted = sorted({row_id for row_id in row_ids if (model, row_id) not in held})
    if wanted:
        table_id = model.__table__.c.id  # type: ignore[attr-defined]
        query = select(model).where(table_id.in_(wanted)).order_by(table_id).with_for_update()
        held.update(((model, row.id), row) for row in session.execute(query).scalars())  # type: ignore[attr-defined]


def hold(session: Session, row: Base) -> None:
    """A row this push batch inserted: no one else can change it, so locked_row may find it."""
    if (held := session.info.get(LOCKED)) is not None:
        held[(type(row), row.id)] = row  # type: ignore[attr-defined]


def load_order(ctx: Context, entity_id: uuid.UUID) -> tuple[WorkOrder, rules.Relation]:
    order = locked_row(ctx.session, WorkOrder, str(entity_id))
    if order is None or order.org_id != ctx.user.org_id:
        # Orders of other organisations are indistinguishable from unknown ones.
        raise Rejected(Code.NOT_FOUND, f"no work order {entity_id}")
    return order, policy.order_access(user=ctx.user, order=order)


def allowed(mutation_type: MutationType, access: rules.Relation) -> rules.Verdict:
    """The rulebook's first answer for a mutation on this order: refused raises,
    otherwise ALLOW or CONFLICT (the caller keeps a conflict row)."""
    return settled(policy.verdict(mutation_type=mutation_type, access=access))


def settled(verdict: rules.Verdict) -> rules.Verdict:
    """Raise the rejection of a refusing verdict; pass an allowing or conflicting one on."""
    if verdict.outcome is rules.Outcome.REFUSE:
        raise Rejected.of(verdict)
    return verdict


def open_conflict(
    ctx: Context, *, order: WorkOrder, entity: Entity, entity_id: str, field: str, mine: Any, theirs: Any
) -> tuple[uuid.UUID, int]:
    """Keep the losing value as a conflict row (its own seq); returns (id, seq)."""
    seq = next_seq(ctx.session)
    row_id = str(uuid.uuid4())
    ctx.session.add(
        Conflict(
            id=row_id,
            order_id=order.id,
            entity=entity.value,
            entity_id=entity_id,
            field=field,
            mine=mine,
            theirs=theirs,
            mid=ctx.mid,
            device_id=ctx.device_id,
            user_id=ctx.user.id,
            status="open",
            resolution=None,
            seq=seq,
            created_at=to_db(ctx.now),
            order_number=order.number,
        )
    )
    return uuid.UUID(row_id), seq


def conflict(
    ctx: Context, *, order: WorkOrder, entity: Entity, entity_id: str, field: str, mine: Any, theirs: Any
) -> MutationResult:
    """The whole mutation lost: one conflict row, result `conflict`."""
    conflict_id, seq = open_conflict(
        ctx, order=order, entity=entity, entity_id=entity_id, field=field, mine=mine, theirs=theirs
    )
    return ctx.result(ResultStatus.CONFLICT, seq=seq, conflict_ids=[conflict_id])


def conflicts_about(ctx: Context, *, entity: Entity, entity_id: str) -> list[uuid.UUID]:
    """Conflict rows opened about one row, oldest first: a repeated append answers with them."""
    rows = ctx.session.execute(
        select(Conflict.id)
        .where(Conflict.entity == entity.value, Conflict.entity_id == entity_id)
        .order_by(Conflict.seq)
    ).scalars()
    return [uuid.UUID(r) for r in rows]
