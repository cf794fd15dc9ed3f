"""Editing an order on the desk against a real ordo-server process: the edit (title, required
skills, a checklist item added and one relabelled) goes as ONE order.update, the desk and the
technician's phone end with the server's definition, and an edit of a field changed
meanwhile on another desk becomes a conflict while the rest of it applies."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from servicekit import conflicts_of

from app.services.desk_types import ChecklistDraftItem, OrderDraft
from app.services.facade import Ordo
from app.services.types import InvalidInput, OrderId
from app.store.checklist_def import definition_of
from app.store.outbox import queued
from server_stub.testing import running_server

from .devices import Switch, device

pytestmark = pytest.mark.slow


def _definition(ordo: Ordo, oid: OrderId) -> list[dict]:
    with ordo._store.read() as s:
        return definition_of(s, str(oid))


def _sent(ordo: Ordo) -> list[tuple[str, dict]]:
    with ordo._store.read() as s:
        return [(e.type, e.args) for e in queued(s)]


def test_an_edit_reaches_the_phone_and_a_concurrent_one_is_a_conflict(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        network = Switch()
        desk = device(server.url, tmp_path / "desk", network)
        other = device(server.url, tmp_path / "other-desk", httpx.HTTPTransport())
        phone = device(server.url, tmp_path / "phone", httpx.HTTPTransport())
        try:
            desk.sign_in(server_url=server.url, username="dispatcher", password="demo-dispatcher")
            desk.sync_blocking()
            tech1 = next(lane for lane in desk.board().lanes if lane.username == "tech1")
            made = desk.create_order(
                OrderDraft(
                    title="Edit test: boiler service",
                    customer={"name": "Harbour Properties Ltd"},
                    site={"name": "Harbour View Offices"},
                    required_skills=("Boilers",),
                    checklist=[
                        ChecklistDraftItem(label="Isolate gas", required=True),
                        ChecklistDraftItem(label="Flue temp", kind="number", unit="°C", min=55, max=80),
                    ],
                    assignee_id=tech1.technician_id,
                )
            )
            oid = OrderId(made.summary.id)
            desk.sync_blocking()
            assert desk.get_order(oid).summary.number.startswith("WO-")

            # The edit: title, skills, one item relabelled, one added; ONE order.update.
            edit = desk.edit_draft(oid)
            assert edit.may_edit and edit.fixed_items == {i.id for i in edit.draft.checklist}
            isolate, flue = edit.draft.checklist
            draft = dataclasses.replace(
                edit.draft,
                title="Edit test: boiler service and flue check",
                required_skills=("Boilers", "Gas safe"),
                checklist=[
                    dataclasses.replace(isolate, label="Isolate gas supply"),
                    flue,
                    ChecklistDraftItem(label="Photo of the data plate", required=True),
                ],
            )
            desk.save_edit(oid, draft)
            [(kind, args)] = _sent(desk)
            assert kind == "order.update"
            assert set(args["fields"]) == {"title", "required_skills", "checklist"}
            desk.sync_blocking()
            assert _sent(desk) == []
            mine = desk.get_order(oid)
            assert not mine.summary.pending and mine.required_skills == ("boilers", "gas_safe")
            labels = ["Isolate gas supply", "Flue temp", "Photo of the data plate"]
            assert [i.label for i in mine.checklist] == labels

            # The technician's phone pulls the new definition.
            phone.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            phone.sync_blocking()
            seen = phone.get_order(oid)
            assert seen.summary.title == "Edit test: boiler service and flue check"
            assert [i.label for i in seen.checklist] == labels
            assert seen.required_skills == ("boilers", "gas_safe")
            assert _definition(phone, oid) == _definition(desk, oid)
            # A value measured on the phone fixes that item's kind on the desk.
            phone.set_checklist(
                oid,
                flue_id := next(i.id for i in seen.checklist if i.label == "Flue temp"),
                value=62.0,
                done=True,
            )
            phone.sync_blocking()
            desk.sync_blocking()
            again = desk.edit_draft(oid)
            assert again.kind_fixed_items == {str(flue_id)}
            changed_kind = [
                dataclasses.replace(i, kind="text", unit=None, min=None, max=None)
                if i.id == str(flue_id)
                else i
                for i in again.draft.checklist
            ]
            with pytest.raises(InvalidInput, match="already holds a value: its kind stays number"):
                desk.save_edit(oid, dataclasses.replace(again.draft, checklist=changed_kind))

            # Offline, the desk renames the order and adds an item; another desk renames it first.
            network.cut = True
            offline = dataclasses.replace(
                again.draft,
                title="Desk one's title",
                checklist=[*again.draft.checklist, ChecklistDraftItem(label="Leak test", kind="pass_fail")],
            )
            desk.save_edit(oid, offline)
            assert desk.get_order(oid).summary.title == "Desk one's title"  # at once, offline
            other.sign_in(server_url=server.url, username="dispatcher", password="demo-dispatcher")
            other.sync_blocking()
            first = other.edit_draft(oid).draft
            other.save_edit(oid, dataclasses.replace(first, title="Desk two's title"))
            other.sync_blocking()
            network.cut = False
            desk.sync_blocking()
            after = desk.get_order(oid)
            assert after.summary.title == "Desk two's title" and not after.summary.pending
            assert [i.label for i in after.checklist] == [*labels, "Leak test"]  # not in conflict: applied
            [row] = desk.list_open_conflicts(order_id=oid)
            assert (row.conflict.field, row.mine_words, row.theirs_words) == (
                "title",
                "Desk one's title",
                "Desk two's title",
            )
            assert [c.field for c in conflicts_of(desk, oid)] == ["title"]
            # Everyone converges on the server's definition.
            other.sync_blocking()
            phone.sync_blocking()
            assert _definition(desk, oid) == _definition(other, oid) == _definition(phone, oid)
            assert [i.value for i in phone.get_order(oid).checklist] == [None, 62.0, None, None]
        finally:
            desk.close()
            other.close()
            phone.close()
            network.close()
