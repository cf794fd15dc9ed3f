"""One table from mutation type to its applier."""

from __future__ import annotations

from collections.abc import Callable

from app.domain.codes import Code
from app.domain.protocol import Mutation, MutationResult, MutationType
from server_stub.sync.apply.checklist import checklist_set
from server_stub.sync.apply.common import Context, Rejected
from server_stub.sync.apply.evidence import note_add, part_use, photo_add, signature_add, time_add
from server_stub.sync.apply.orders import order_create
from server_stub.sync.apply.resolve import conflict_resolve
from server_stub.sync.apply.schedule import schedule_save
from server_stub.sync.apply.template import template_save
from server_stub.sync.apply.transition import order_transition
from server_stub.sync.apply.update import order_update
from server_stub.sync.apply.void import entry_void

Applier = Callable[[Context, Mutation], MutationResult]

APPLIERS: dict[MutationType, Applier] = {
    MutationType.ORDER_CREATE: order_create,
    MutationType.ORDER_UPDATE: order_update,
    MutationType.ORDER_TRANSITION: order_transition,
    MutationType.CHECKLIST_SET: checklist_set,
    MutationType.NOTE_ADD: note_add,
    MutationType.PHOTO_ADD: photo_add,
    MutationType.TIME_ADD: time_add,
    MutationType.PART_USE: part_use,
    MutationType.SIGNATURE_ADD: signature_add,
    MutationType.ENTRY_VOID: entry_void,
    MutationType.CONFLICT_RESOLVE: conflict_resolve,
    MutationType.TEMPLATE_SAVE: template_save,
    MutationType.SCHEDULE_SAVE: schedule_save,
}


def apply(ctx: Context, m: Mutation) -> MutationResult:
    try:
        applier = APPLIERS[MutationType(m.type)]
    except (ValueError, KeyError):
        raise Rejected(Code.UNSUPPORTED_MUTATION, f"this server does not know {m.type!r} mutations") from None
    return applier(ctx, m)
