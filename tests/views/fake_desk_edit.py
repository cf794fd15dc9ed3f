"""The fake services' desk edit form (tests/views/fake_services.py): the order as a draft
and a draft saved, with the rules of the real one (app.services.edit) in small."""

from __future__ import annotations

import dataclasses
import uuid

from app.domain import Priority, Role
from app.domain import rules as R
from app.domain.skills import SkillsProblem, clean_required_skills
from app.domain.suggest import normalize_skill
from app.services.desk_types import ChecklistDraftItem, OrderDraft, OrderEdit
from app.services.types import ChecklistItemView, InvalidInput, ItemId, OrderDetail, OrderId

from .fake_core import FakeCore


class FakeDeskEdit(FakeCore):
    def known_skills(self) -> list[str]:
        techs = [p for p in self._people.values() if p.role is Role.TECHNICIAN]
        tags = {normalize_skill(skill) for p in techs for skill in p.skills}
        return sorted(tags | {t for d in self._orders.values() for t in d.required_skills})

    def edit_draft(self, order_id: OrderId) -> OrderEdit:
        d = self._order(order_id)
        allowed = R.judge_field_edit(relation=self._relation(d)).allowed
        items = [
            ChecklistDraftItem(i.label, i.kind, i.required, i.unit, i.min, i.max, id=str(i.id))
            for i in d.checklist
        ]
        s = d.summary
        draft = OrderDraft(
            s.title,
            d.description,
            d.kind,
            s.priority.value,
            s.due_at,
            dict(d.customer),
            dict(d.site),
            requires_signature=d.requires_signature,
            checklist=items,
            assignee_id=d.assignee_id,
            required_skills=d.required_skills,
        )
        return OrderEdit(
            order_id=s.id,
            number=s.number,
            draft=draft,
            fixed_items=frozenset(str(i.id) for i in d.checklist),  # every saved item stays
            kind_fixed_items=frozenset(str(i.id) for i in d.checklist if i.value is not None or i.done),
            may_edit=allowed,
            why_not=None if allowed else "Only a dispatcher can change an order's details.",
        )

    def _edited_items(self, edit: OrderEdit, draft: OrderDraft) -> list[ChecklistItemView]:
        old = {str(i.id): i for i in self._order(edit.order_id).checklist}
        if gone := [old[i].label for i in edit.fixed_items - {i.id for i in draft.checklist}]:
            raise InvalidInput(f"Checklist item “{gone[0]}” cannot be removed: once saved, it stays.")
        items = []
        for n, i in enumerate(draft.checklist, start=1):
            if not i.label.strip():
                raise InvalidInput(f"Checklist item {n} needs a label.")
            was = old.get(i.id or "")
            if was is not None and str(was.id) in edit.kind_fixed_items and i.kind != was.kind:
                raise InvalidInput(
                    f"Checklist item {n} (“{was.label}”) already holds a value: its kind stays."
                )
            value, done = (was.value, was.done) if was is not None else (None, False)
            item_id = ItemId(uuid.UUID(i.id)) if i.id else ItemId(uuid.uuid4())
            label = i.label.strip()
            items.append(
                ChecklistItemView(item_id, n, label, i.kind, i.required, value, done, i.unit, i.min, i.max)
            )
        return items

    def save_edit(self, order_id: OrderId, draft: OrderDraft) -> OrderDetail:
        edit = self.edit_draft(order_id)
        if not edit.may_edit:
            raise InvalidInput(edit.why_not or "")
        if not draft.title.strip():
            raise InvalidInput("The title cannot be empty.")
        try:
            skills = tuple(clean_required_skills(list(draft.required_skills)))
        except SkillsProblem as problem:
            raise InvalidInput(f"Required skills: {problem}.") from None
        items = self._edited_items(edit, draft)
        d = self._order(order_id)
        summary = dataclasses.replace(
            d.summary,
            title=draft.title.strip(),
            priority=Priority(draft.priority),
            due_at=draft.due_at or d.summary.due_at,  # left empty: kept
            site_name=str(draft.site.get("name") or ""),
        )
        edited = dataclasses.replace(
            d,
            summary=summary,
            description=draft.description,
            kind=draft.kind,
            customer=dict(draft.customer),
            site=dict(draft.site),
            requires_signature=draft.requires_signature,
            checklist=items,
            required_skills=skills,
        )
        if edited == d:
            return self._fresh(d)  # nothing changed: nothing queued
        return self._write(order_id, lambda _d: edited)
