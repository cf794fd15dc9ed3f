"""What a customer is told (app.domain.customer) and who manages links and reads reports
(app.domain.rules): every state has customer words, a closed order tells how the work
ended, and the report exists only for completed work."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs

import pytest

from app.domain import Status, rules
from app.domain.customer import (
    STAGE_SENTENCES,
    STAGE_WORDS,
    Stage,
    first_name,
    report_ready,
    stage_of,
    status_mail,
)
from app.domain.rules import Relation

T1 = datetime(2026, 11, 25, 9, 0)
T2 = datetime(2026, 11, 25, 11, 0)


def test_every_state_and_stage_has_words() -> None:
    assert set(STAGE_WORDS) == set(Stage) == set(STAGE_SENTENCES)
    seen = {stage_of(s, completed_at=T1) for s in Status}
    assert seen <= set(Stage)
    assert STAGE_WORDS[stage_of(Status.EN_ROUTE)] == "Technician on the way"
    assert STAGE_WORDS[stage_of(Status.ASSIGNED)] == "Scheduled"
    assert STAGE_WORDS[stage_of(Status.CANNOT_COMPLETE)] == "Could not be completed"


@pytest.mark.parametrize(
    ("status", "completed_at", "cannot_at", "stage", "ready"),
    [
        (Status.COMPLETED, T1, None, Stage.COMPLETED, True),
        (Status.CLOSED, T1, None, Stage.COMPLETED, True),
        (Status.CLOSED, None, T1, Stage.NOT_COMPLETED, False),
        # Completed, reopened, then could not be completed after all, then closed.
        (Status.CLOSED, T1, T2, Stage.NOT_COMPLETED, False),
        (Status.CLOSED, T2, T1, Stage.COMPLETED, True),
        # Reopened: back at work, no report until it completes again.
        (Status.IN_PROGRESS, T1, None, Stage.IN_PROGRESS, False),
        (Status.CANCELLED, None, None, Stage.CANCELLED, False),
        (Status.NEW, None, None, Stage.RECEIVED, False),
    ],
)
def test_how_the_work_ended_and_whether_there_is_a_report(
    status: Status, completed_at: datetime | None, cannot_at: datetime | None, stage: Stage, ready: bool
) -> None:
    assert stage_of(status, completed_at=completed_at, cannot_complete_at=cannot_at) is stage
    assert report_ready(status, completed_at=completed_at, cannot_complete_at=cannot_at) is ready


@pytest.mark.parametrize(
    ("name", "first"),
    [("Alex Novak", "Alex"), ("  Zoë  Ñúñez ", "Zoë"), ("", ""), (None, ""), ("Madonna", "Madonna")],
)
def test_the_technician_is_named_by_first_name_only(name: str | None, first: str) -> None:
    assert first_name(name) == first


def test_dispatch_manages_links_the_assignee_reads_reports_no_one_else() -> None:
    for relation in Relation:
        assert rules.may_manage_status_link(relation) is (relation is Relation.DISPATCH)
        assert rules.offers_customer_tools(relation) is (relation is Relation.DISPATCH)
        assert rules.may_read_report(relation) is (relation in (Relation.DISPATCH, Relation.ASSIGNEE))


def test_the_mail_goes_to_the_address_in_the_contact_and_carries_the_link() -> None:
    mail = status_mail(
        url="https://ordo.example/s/Wq8EhGmSMQPAAV3kGwlYA_",
        number="WO-000065",
        title="Boiler & pump",
        contact="Pat Customer, pat.customer@example.com, 0151 222",
    )
    to, _, query = mail.removeprefix("mailto:").partition("?")
    fields = parse_qs(query)
    assert to == "pat.customer@example.com"
    assert fields["subject"] == ["Your job WO-000065: Boiler & pump"]
    assert "https://ordo.example/s/Wq8EhGmSMQPAAV3kGwlYA_" in fields["body"][0]


@pytest.mark.parametrize("contact", [None, "", "0151 222 333", "ask at the desk @ reception"])
def test_no_address_in_the_contact_opens_a_mail_with_no_recipient(contact: str | None) -> None:
    mail = status_mail(url="https://ordo.example/s/x", number="WO-1", title="T", contact=contact)
    assert mail.startswith("mailto:?subject=")
