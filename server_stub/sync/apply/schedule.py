"""schedule.save: a preventive maintenance schedule of the organisation, written whole.

Like templates, schedules belong to the organisation: dispatchers and admins (the
rulebook's DISPATCH relation) save them, anyone else is refused `forbidden`. The fields
are checked by the wire schema and then by app.domain.schedules (one rulebook with the
desk); the default technician must be an active technician of the organisation. A save
never touches orders already made; dates before the day of the save are never made.
The same content again changes nothing and answers with the seq the row has.
"""

from __future__ import annotations

from typing import Any

from app.domain import rules
from app.domain.codes import Code
from app.domain.protocol import Mutation, MutationResult, MutationType, ResultStatus, ScheduleSaveArgs
from app.domain.schedules import schedule_problems
from server_stub.auth import policy
from server_stub.models import Schedule
from server_stub.schedules import state
from server_stub.sync.apply.common import Context, Rejected, parse_args, person, settled
from server_stub.sync.apply.template import org_relation, save_org_row


def _content(ctx: Context, args: ScheduleSaveArgs) -> dict[str, Any]:
    dumped = args.model_dump(mode="json")
    problems = schedule_problems(dumped)
    if problems:
        field, sentence = next(iter(problems.items()))
        raise Rejected(Code.INVALID_ARGS, f"{field}: {sentence}")
    checklist = sorted(args.template.checklist, key=lambda item: item.position)
    if len({item.position for item in checklist}) != len(checklist):
        raise Rejected(Code.INVALID_ARGS, "template.checklist: positions must be unique")
    for item in checklist:
        if item.min is not None and item.max is not None and item.min > item.max:
            raise Rejected(Code.INVALID_ARGS, f"template.checklist: min above max in {item.label!r}")
    assignee = None if args.assignee_id is None else str(args.assignee_id)
    if assignee is not None and not policy.may_be_assignee(person(ctx, assignee), org_id=ctx.user.org_id):
        raise Rejected(Code.UNKNOWN_ASSIGNEE, f"no active technician {assignee} in this organisation")
    template = dumped["template"]
    template["title"] = template["title"].strip()
    template["checklist"] = [item.model_dump(mode="json") for item in checklist]
    return {
        "name": args.name.strip(),
        "site": dumped["site"],
        "asset": (args.asset or "").strip() or None,
        "every": dumped["every"],
        "anchor": args.anchor,
        "starts_on": args.starts_on,
        "lead_days": args.lead_days,
        "template": template,
        "assignee_id": assignee,
        "paused": args.paused,
        "timezone": args.timezone.strip(),
    }


def schedule_save(ctx: Context, m: Mutation) -> MutationResult:
    settled(rules.access(MutationType.SCHEDULE_SAVE, org_relation(ctx)))
    content = _content(ctx, parse_args(ScheduleSaveArgs, m.args))
    row, changed = save_org_row(
        ctx, model=Schedule, row_id=str(m.entity_id), content=content, what="schedule"
    )
    if changed:
        row.saved_at = row.updated_at
        row.next_due_on = state.next_due(ctx.session, row, now=row.updated_at)
    return ctx.result(ResultStatus.APPLIED, seq=row.seq)
