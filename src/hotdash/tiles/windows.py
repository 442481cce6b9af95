"""The time windows a tile can show, in the store's timezone, and their comparison windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

BASELINE_DAYS = 7


class WindowName(StrEnum):
    """today: since local midnight. 24h: the last 24 hours. 7d and 30d: today and the 6 or 29 local days
    before it, up to now, the way a shop's analytics counts "last 7 days"."""

    today = "today"
    last_24h = "24h"
    last_7d = "7d"
    last_30d = "30d"


LABELS = {
    WindowName.today: "Today",
    WindowName.last_24h: "Last 24 hours",
    WindowName.last_7d: "Last 7 days",
    WindowName.last_30d: "Last 30 days",
}


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of UTC instants."""

    name: WindowName
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def days(self) -> float:
        """Return the real length in days (subtract in UTC: same-zone subtraction is wall-clock)."""
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 86_400

    def shifted(self, days: int) -> Window:
        """Return the same window `days` days earlier."""
        delta = timedelta(days=days)
        return Window(self.name, self.start - delta, self.end - delta)

    def last_week(self) -> Window:
        """Return the same window one week earlier: same weekdays, same time of day."""
        return self.shifted(7)

    def baseline(self) -> list[Window]:
        """Return the windows whose mean is the 7-day baseline: this window 1 to 7 days earlier."""
        return [self.shifted(k) for k in range(1, BASELINE_DAYS + 1)]


def local_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    """Return the start of `moment`'s local day, as an aware datetime in `tz`."""
    return datetime.combine(moment.astimezone(tz).date(), time(0), tz)


def window_for(name: WindowName, now: datetime, tz: ZoneInfo) -> Window:
    """Return the window `name` ending at `now`, with local days in `tz`.

    Bounds are kept in the store's zone, because Python shifts such datetimes in wall-clock time: the same
    window a week earlier starts at local midnight even across a daylight-saving change.
    """
    end = now.astimezone(tz)
    if name is WindowName.last_24h:
        return Window(name, (now - timedelta(hours=24)).astimezone(tz), end)
    days = {WindowName.today: 0, WindowName.last_7d: 6, WindowName.last_30d: 29}[name]
    start = datetime.combine(end.date() - timedelta(days=days), time(0), tz)
    return Window(name, start, end)


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Return the relative change in percent, or None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous) * 100.0
