"""The push body the device splices from its outbox (mutation_json, push_body) is the
PushRequest it stands for: what the server reads back is what the model would have sent."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.domain.protocol import PROTOCOL, Mutation, PushRequest, mutation_json, push_body

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
_mutation = st.fixed_dictionaries(
    {
        "mid": st.integers(min_value=1, max_value=2**53),
        "type": st.text(min_size=1, max_size=64),
        "entity_id": st.uuids(),
        "args": st.dictionaries(st.text(), _json, max_size=4),
        "base_seq": st.none() | st.integers(min_value=0, max_value=2**53),
    }
)


def _spliced(m: dict[str, Any], *, upper: bool) -> bytes:
    entity = str(m["entity_id"])
    return mutation_json(
        mid=m["mid"],
        type=m["type"],
        entity_id=entity.upper() if upper else entity,
        args_json=json.dumps(m["args"]),  # as the outbox's JSON column stores them
        base_seq=m["base_seq"],
    )


@given(device=st.uuids(), mutations=st.lists(_mutation, max_size=5), upper=st.booleans())
def test_the_spliced_body_reads_back_as_the_request(
    device: uuid.UUID, mutations: list[dict[str, Any]], upper: bool
) -> None:
    body = push_body(device_id=str(device), mutations=[_spliced(m, upper=upper) for m in mutations])
    expected = PushRequest(
        protocol=PROTOCOL, device_id=device, mutations=[Mutation.model_validate(m) for m in mutations]
    )
    assert PushRequest.model_validate_json(body) == expected
    assert json.loads(body) == json.loads(expected.model_dump_json())


def test_missing_args_are_sent_empty() -> None:
    for stored in (None, "null"):
        sent = mutation_json(
            mid=1, type="note.add", entity_id=str(uuid.uuid4()), args_json=stored, base_seq=None
        )
        assert Mutation.model_validate_json(sent).args == {}
