"""The access gate's check: the right code opens, a few wrong ones, then each try waits longer."""

from __future__ import annotations

import socket

import pytest

from app.views.account.access_gate import (
    FIRST_WAIT,
    FREE_TRIES,
    LONGEST_WAIT,
    AccessCheck,
    Answer,
    Verdict,
    normalize_code,
    place_words,
)

CODE = "K7QM PX3R"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gate(clock: Clock) -> AccessCheck:
    return AccessCheck(code=CODE, place="depot-pc", clock=clock)


def test_the_code_opens_however_it_is_typed(gate: AccessCheck) -> None:
    for typed in ("K7QMPX3R", "k7qm-px3r", " k7qm px3r "):
        assert gate.check(typed, client="10.0.0.2").verdict is Verdict.OPEN
    assert normalize_code("ab-c d") == "ABCD"


@pytest.mark.parametrize("typed", ["", "K7QMPX3", "K7QMPX3RR", "K7QMPX3S", "K7QMPX3R\u0000"])
def test_anything_else_does_not(gate: AccessCheck, typed: str) -> None:
    assert gate.check(typed, client="10.0.0.2").verdict is Verdict.WRONG


def test_a_long_attempt_is_cut_before_it_is_compared(gate: AccessCheck) -> None:
    assert gate.check("K7QMPX3R" + "X" * 10_000, client="c").verdict is Verdict.WRONG
    assert gate.check("K7QMPX3R" + " " * 10_000, client="c").verdict is Verdict.OPEN


def test_there_is_no_gate_without_a_code() -> None:
    with pytest.raises(ValueError):
        AccessCheck(code=" - ", place="x")


def test_a_few_wrong_tries_then_each_waits_longer(gate: AccessCheck, clock: Clock) -> None:
    for _ in range(FREE_TRIES - 1):
        assert gate.check("WRONG123", client="a") == Answer(Verdict.WRONG)
    assert gate.check("WRONG123", client="a") == Answer(Verdict.WRONG, wait_seconds=FIRST_WAIT)

    # While it waits, even the right code is not compared.
    clock.now += FIRST_WAIT - 0.5
    assert gate.check(CODE, client="a") == Answer(Verdict.WAIT, wait_seconds=0.5)
    # Another address is not held up by this one.
    assert gate.check(CODE, client="b").verdict is Verdict.OPEN

    clock.now += 0.5
    assert gate.check("WRONG123", client="a") == Answer(Verdict.WRONG, wait_seconds=2 * FIRST_WAIT)
    waits = []
    for _ in range(10):
        clock.now += LONGEST_WAIT
        waits.append(gate.check("WRONG123", client="a").wait_seconds)
    assert waits[:3] == [4 * FIRST_WAIT, 8 * FIRST_WAIT, 16 * FIRST_WAIT]
    assert max(waits) == waits[-1] == LONGEST_WAIT

    # Once the wait is over the right code opens, and the count starts again.
    clock.now += LONGEST_WAIT
    assert gate.check(CODE, client="a").verdict is Verdict.OPEN
    assert gate.check("WRONG123", client="a") == Answer(Verdict.WRONG)


def test_the_words_under_the_field() -> None:
    assert "not the access code" in Answer(Verdict.WRONG).words()
    assert Answer(Verdict.WRONG).words() == "That is not the access code. Check it and try again."
    assert Answer(Verdict.WRONG, wait_seconds=2.0).words().endswith("Wait 2 seconds before the next try.")
    assert (
        Answer(Verdict.WAIT, wait_seconds=0.2).words()
        == "Too many wrong codes. Wait 1 second, then try again."
    )
    assert "Wait 31 seconds" in Answer(Verdict.WAIT, wait_seconds=30.2).words()
    assert Answer(Verdict.OPEN).words() == ""


def test_many_addresses_do_not_grow_the_memory_without_end(clock: Clock) -> None:
    gate = AccessCheck(code=CODE, place="x", clock=clock)
    for n in range(10_000):
        gate.check("WRONG123", client=f"10.{n // 256}.{n % 256}.1")
    assert len(gate._tries) <= 4096


def test_the_place_is_the_machine_name_when_every_address_is_served() -> None:
    assert place_words("0.0.0.0") == place_words("::") == socket.gethostname()
    assert place_words("192.168.1.20") == "192.168.1.20"
