from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from app.domain.protocol import (
    MutationResult,
    NoteAddArgs,
    PullResponse,
    PushRequest,
    ResultStatus,
    TransitionArgs,
    error_body,
)


def test_push_request_parses_the_protocol_example() -> None:
    body = {
        "protocol": 1,
        "device_id": str(uuid.uuid4()),
        "mutations": [
            {
                "mid": 17,
                "type": "order.transition",
                "entity_id": str(uuid.uuid4()),
                "args": {"from": "assigned", "to": "in_progress", "at": "2026-11-25T09:12:00Z"},
                "base_seq": 1234,
            }
        ],
    }
    req = PushRequest.model_validate(body)
    args = TransitionArgs.model_validate(req.mutations[0].args)
    assert (args.from_, args.to) == ("assigned", "in_progress")


@pytest.mark.parametrize(
    "bad",
    [
        {"protocol": 1, "device_id": "not-a-uuid", "mutations": []},
        {"protocol": 1, "device_id": str(uuid.uuid4()), "mutations": [{"mid": 0, "type": "x"}]},
        {"protocol": 1, "device_id": str(uuid.uuid4())},
    ],
)
def test_push_request_refuses_malformed_bodies(bad: dict) -> None:
    with pytest.raises(ValidationError):
        PushRequest.model_validate(bad)


def test_empty_note_is_invalid() -> None:
    with pytest.raises(ValidationError):
        NoteAddArgs.model_validate({"id": str(uuid.uuid4()), "text": "", "at": "2026-11-25T09:12:00Z"})


def test_result_omits_nothing_it_was_given() -> None:
    r = MutationResult(mid=3, status=ResultStatus.REJECTED, error={"code": "forbidden", "message": "no"})
    assert r.model_dump(exclude_none=True) == {
        "mid": 3,
        "status": "rejected",
        "error": {"code": "forbidden", "message": "no"},
    }


def test_pull_response_defaults() -> None:
    p = PullResponse.model_validate(
        {"changes": [], "cursor": None, "has_more": False, "last_mid": 0, "server_time": "x"}
    )
    assert p.reset is False


def test_error_body_shape() -> None:
    assert error_body("bad", "Bad thing") == {"error": {"code": "bad", "message": "Bad thing"}}
