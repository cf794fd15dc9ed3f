"""The desk's editing tests' world: a dispatcher's device with two technicians pulled,
and readers of its outbox and checklist rows."""

import uuid

import pytest
from store.kit import DISPATCHER, TECH, change

from app.domain.protocol import Change
from app.services.types import OrderId
from app.store.models import ChecklistItem
from app.store.outbox import queued
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}


def pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


def outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.entity_id, e.args, e.base_seq) for e in queued(s)]


def oid(rig) -> OrderId:
    return OrderId(uuid.UUID(rig.order))


def items(rig, order_id=None):
    with rig.ordo._store.read() as s:
        rows = (
            s.query(ChecklistItem).filter_by(order_id=order_id or rig.order).order_by(ChecklistItem.position)
        )
        return [(i.id, i.position, i.label, i.kind, i.value) for i in rows]


@pytest.fixture(name="desk")
def desk_fixture(dispatcher):
    pull(
        dispatcher,
        change("user", {**TECH, "skills": ["Boilers", "gas-safe"]}, 100),
        change("user", {**ANA, "role": "technician", "skills": ["Fire safety"]}, 101),
        change("user", {**DISPATCHER, "skills": []}, 102),
    )
    return dispatcher
