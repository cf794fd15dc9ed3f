"""The rejection codes of sync-protocol.md ("Rejection codes"), each with one plain
sentence for the person whose change was refused. The server sends the code (and a
detailed message for logs and developers); the app shows the sentence."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Code(StrEnum):
    INVALID_ARGS = "invalid_args"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    UNSUPPORTED_MUTATION = "unsupported_mutation"
    ILLEGAL_TRANSITION = "illegal_transition"
    REASON_REQUIRED = "reason_required"
    COMPLETION_BLOCKED = "completion_blocked"
    NO_ASSIGNEE = "no_assignee"
    BASE_SEQ_REQUIRED = "base_seq_required"
    NOT_REASSIGNABLE = "not_reassignable"
    UNASSIGN_REFUSED = "unassign_refused"
    UNKNOWN_ASSIGNEE = "unknown_assignee"
    UNKNOWN_PART = "unknown_part"
    ID_CONFLICT = "id_conflict"
    ALREADY_RESOLVED = "already_resolved"
    ILLEGAL_STATE = "illegal_state"
    WRITE_CONFLICT = "write_conflict"


# What the person reads when the server refused their change. Each says what went
# wrong in the user's words; the app adds what was kept (see `refusal_sentence`).
PLAIN: Mapping[Code, str] = {
    Code.INVALID_ARGS: "The server could not accept what was entered.",
    Code.FORBIDDEN: "You are not allowed to make this change.",
    Code.NOT_FOUND: "The order or entry no longer exists on the server.",
    Code.UNSUPPORTED_MUTATION: "The server does not know this kind of change; update the app.",
    Code.ILLEGAL_TRANSITION: "The order cannot move to that step from where it is now.",
    Code.REASON_REQUIRED: "This step needs a reason.",
    Code.COMPLETION_BLOCKED: "The order cannot be completed yet: required work is still open.",
    Code.NO_ASSIGNEE: "Choose a technician first: an order needs someone to be assigned to.",
    Code.BASE_SEQ_REQUIRED: "The change was made on an old copy of the order; make it again.",
    Code.NOT_REASSIGNABLE: "A completed, closed or cancelled order keeps its technician.",
    Code.UNASSIGN_REFUSED: "Only an order nobody has started can be unassigned.",
    Code.UNKNOWN_ASSIGNEE: "That person is not a technician of this organisation.",
    Code.UNKNOWN_PART: "That part is not in the catalogue.",
    Code.ID_CONFLICT: "The same entry was already saved with other content.",
    Code.ALREADY_RESOLVED: "Someone already decided this conflict.",
    Code.ILLEGAL_STATE: "The order's state no longer allows this change.",
    Code.WRITE_CONFLICT: "Someone changed the same thing at the same moment; try again.",
}

UNKNOWN_REFUSAL = "The server refused this change."


def plain(code: str | None) -> str:
    """The sentence for a rejection code; a general one for a code this app does not know."""
    try:
        return PLAIN[Code(code or "")]
    except ValueError:
        return UNKNOWN_REFUSAL
