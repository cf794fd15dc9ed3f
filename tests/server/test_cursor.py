from __future__ import annotations

import pytest

from server_stub.sync.cursor import BadCursor, decode, encode


@pytest.mark.parametrize("seq", [0, 1, 17, 2**53])
def test_round_trip(seq: int) -> None:
    assert decode(encode(seq)) == seq


def test_no_cursor_is_the_beginning() -> None:
    assert decode(None) == 0 and decode("") == 0


@pytest.mark.parametrize("bad", ["%%%", "e30", "W10", "eyJ2IjoxLCJzZXEiOnRydWV9", "x" * 300])
def test_bad_cursors(bad: str) -> None:
    with pytest.raises(BadCursor):
        decode(bad)
