"""template.save: a checklist template of the organisation, written whole.

Templates belong to the organisation, not to an order: the rulebook's DISPATCH
relation (a dispatcher or admin of it) manages them, and no one else. The items are
checked as checklist items are (app.domain.limits via the wire schema; positions
unique, min not above max). A save replaces the template; the same content again
changes nothing and answers with the seq it has. Templates are never deleted, only
archived (`archived: true`), so orders made from one can always name it.
"""

from __future__ import annotations

from typing import Any

from app.domain import rules
from app.domain.codes import Code
from app.domain.protocol import Mutation, MutationResult, MutationType, ResultStatus, TemplateSaveArgs
from server_stub.db import next_seq
from server_stub.models import ChecklistTemplate
from server_stub.sync.apply.common import Context, Rejected, parse_args, settled
from server_stub.timeutil import to_db


def org_relation(ctx: Context) -> rules.Relation:
    """How the sender stands to what belongs to the organisation, not to an order (its
    templates, its schedules): as to its orders before anyone is assigned: dispatch for
    dispatchers and admins, nothing for others."""
    return rules.relation_of(role=ctx.user.role, user_id=ctx.user.id, same_org=True, assignee_id=None)


def save_org_row(
    ctx: Context, *, model: Any, row_id: str, content: dict[str, Any], what: str
) -> tuple[Any, bool]:
    """Write `content` over the organisation's row `row_id` of `model` (made if new) with a
    new seq; the row, and False (nothing written) when it already held that content."""
    row = ctx.session.get(model, row_id, with_for_update=True)
    if row is not None and row.org_id != ctx.user.org_id:
        raise Rejected(Code.ID_CONFLICT, f"{what} {row_id} belongs to someone else")
    if row is not None and all(getattr(row, key) == value for key, value in content.items()):
        return row, False
    seq = next_seq(ctx.session)
    if row is None:
        row = model(id=row_id, org_id=ctx.user.org_id)
        ctx.session.add(row)
    for key, value in content.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by, row.seq = to_db(ctx.now), ctx.user.id, seq
    return row, True


def _content(args: TemplateSaveArgs) -> dict[str, Any]:
    items = sorted(args.items, key=lambda item: item.position)
    if len({item.position for item in items}) != len(items):
        raise Rejected(Code.INVALID_ARGS, "items: positions must be unique")
    for item in items:
        if item.min is not None and item.max is not None and item.min > item.max:
            raise Rejected(Code.INVALID_ARGS, f"items: min above max in {item.label!r}")
    name = args.name.strip()
    if not name:
        raise Rejected(Code.INVALID_ARGS, "name: must not be blank")
    return {
        "name": name,
        "kind": args.kind,
        "items": [item.model_dump(mode="json") for item in items],
        "archived": args.archived,
    }


def template_save(ctx: Context, m: Mutation) -> MutationResult:
    settled(rules.access(MutationType.TEMPLATE_SAVE, org_relation(ctx)))
    content = _content(parse_args(TemplateSaveArgs, m.args))
    row, _ = save_org_row(
        ctx, model=ChecklistTemplate, row_id=str(m.entity_id), content=content, what="checklist template"
    )
    return ctx.result(ResultStatus.APPLIED, seq=row.seq)  # saved as it was: the seq it has
