"""The rejection codes against sync-protocol.md's list, copied by hand, and their
plain sentences: one for each, in words a person reads (no wire names)."""

from __future__ import annotations

import re

import pytest

from app.domain.codes import PLAIN, UNKNOWN_REFUSAL, Code, plain

# sync-protocol.md, "Rejection codes", copied by hand.
PROTOCOL_CODES = [
    "invalid_args", "forbidden", "not_found", "unsupported_mutation", "illegal_transition",
    "reason_required", "completion_blocked", "no_assignee", "base_seq_required", "not_reassignable",
    "unassign_refused", "unknown_assignee", "unknown_part", "id_conflict", "already_resolved",
    "illegal_state", "write_conflict",
]  # fmt: skip
# Words of the wire a person should never read.
FIELD_NAMES = ("assignee", "base_seq", "entity", "mutation", "args", "seq", "mid", "id", "null", "true")


def test_the_codes_are_the_protocol_list() -> None:
    assert [c.value for c in Code] == PROTOCOL_CODES


@pytest.mark.parametrize("code", list(Code))
def test_every_code_has_a_plain_sentence(code: Code) -> None:
    sentence = plain(code.value)
    assert sentence is PLAIN[code] and sentence != UNKNOWN_REFUSAL
    assert sentence[0].isupper() and sentence.endswith(".")
    assert not re.search(r"\w_\w", sentence), sentence  # no snake_case
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    assert not words & set(FIELD_NAMES), sentence
    assert code.value not in sentence


def test_an_unknown_code_gets_the_general_sentence() -> None:
    assert plain("quota_exceeded") == UNKNOWN_REFUSAL
    assert plain(None) == UNKNOWN_REFUSAL
    assert plain("") == UNKNOWN_REFUSAL
