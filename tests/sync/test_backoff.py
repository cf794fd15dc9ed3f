import random

import pytest

from app.sync.backoff import Backoff


def test_delays_stay_within_the_growing_ceiling_and_the_cap():
    b = Backoff(base=1.0, cap=60.0, rng=random.Random(7))
    for attempt in range(40):
        ceiling = min(60.0, 2.0**attempt)
        assert b.ceiling(attempt) == ceiling
        for _ in range(50):
            assert 0.0 <= b.delay(attempt) <= ceiling


def test_full_jitter_spreads_delays_over_the_whole_range():
    b = Backoff(base=1.0, cap=100.0, rng=random.Random(1))
    delays = [b.delay(6) for _ in range(500)]  # ceiling 64
    assert min(delays) < 8 and max(delays) > 56


def test_same_seed_same_schedule():
    one = Backoff(base=0.5, cap=30.0, rng=random.Random(3))
    two = Backoff(base=0.5, cap=30.0, rng=random.Random(3))
    assert [one.delay(i) for i in range(10)] == [two.delay(i) for i in range(10)]


def test_huge_attempt_counts_do_not_overflow():
    assert Backoff(base=1.0, cap=300.0).ceiling(10_000) == 300.0


@pytest.mark.parametrize(("base", "cap"), [(0, 1), (1, 0), (-1, 5)])
def test_bad_parameters_are_refused(base, cap):
    with pytest.raises(ValueError):
        Backoff(base=base, cap=cap)
