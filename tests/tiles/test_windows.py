"""Windows in the store's timezone, and their comparison windows, across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hotdash.tiles.windows import WindowName, change_pct, window_for

NY = ZoneInfo("America/New_York")


def test_today_starts_at_local_midnight_not_utc_midnight() -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 22:00 on the 21st in New York
    window = window_for(WindowName.today, now, NY)
    assert window.start == datetime(2026, 11, 21, 0, 0, tzinfo=NY)
    assert window.end == now


def test_seven_days_is_today_and_the_six_days_before() -> None:
    now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    window = window_for(WindowName.last_7d, now, NY)
    assert window.start == datetime(2026, 11, 16, 0, 0, tzinfo=NY)
    assert window.label == "Last 7 days"


def test_last_week_keeps_local_midnight_across_the_dst_change() -> None:
    # 2026-11-01 is when New York falls back from EDT (UTC-4) to EST (UTC-5).
    now = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    window = window_for(WindowName.today, now, NY)
    earlier = window.last_week()
    assert earlier.start.astimezone(NY).hour == 0
    assert earlier.start.astimezone(UTC) == datetime(2026, 10, 28, 4, 0, tzinfo=UTC)  # EDT midnight
    assert window.start.astimezone(UTC) == datetime(2026, 11, 4, 5, 0, tzinfo=UTC)  # EST midnight


def test_last_24_hours_is_24_real_hours_even_across_the_change() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    window = window_for(WindowName.last_24h, now, NY)
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(hours=24)
    assert window.days == 1


def test_the_baseline_is_the_seven_windows_before() -> None:
    now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    window = window_for(WindowName.last_24h, now, NY)
    shifts = [window.end - b.end for b in window.baseline()]
    assert shifts == [timedelta(days=k) for k in range(1, 8)]


def test_change_is_relative_and_undefined_from_zero() -> None:
    assert change_pct(120, 100) == 20
    assert change_pct(80, 100) == -20
    assert change_pct(5, 0) is None
    assert change_pct(None, 10) is None
