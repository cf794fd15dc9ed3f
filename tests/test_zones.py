"""The test helper that runs clients where it is mid-morning (tests/zones.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from zones import local_zone, morning_zone


def test_morning_zone_is_mid_morning_at_every_hour() -> None:
    for hour in range(24):
        now = datetime(2026, 12, 6, hour, 30, tzinfo=UTC)
        ahead = -int(morning_zone(now).removeprefix("ORDO"))
        assert -12 <= ahead <= 14 and (hour + ahead) % 24 == 10


def test_local_zone_sets_this_process_local_time_and_puts_it_back() -> None:
    now = datetime.now(UTC)
    before = now.astimezone().utcoffset()
    with local_zone(morning_zone(now)):
        assert now.astimezone().hour in (9, 10, 11)  # about 10:00 (the hour turning meanwhile)
    assert now.astimezone().utcoffset() == before
