"""Time helpers for the generator: a day grid in the store's timezone and its promotions.

Times inside the generator are int64 microseconds since the Unix epoch (UTC), so whole columns can be shifted,
compared and sorted with numpy. Local calendar questions (which weekday, which hour, is the shop open) are
answered once per local day, not once per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR

I64 = NDArray[np.int64]


def to_us(moment: datetime) -> int:
    """Return `moment` as microseconds since the epoch."""
    return int(moment.timestamp() * US)


def as_datetime64(micros: I64) -> NDArray[np.datetime64]:
    """Return epoch microseconds as numpy datetimes to the whole second, as sources send them.

    The int64 minimum stands for "no value" and becomes NaT.
    """
    missing = micros == np.iinfo(np.int64).min
    seconds = np.where(missing, micros, micros // US * US)
    return seconds.astype("datetime64[us]")


@dataclass(frozen=True)
class DayGrid:
    """The store-local days of the demo, oldest first; the last one is today and ends at `now`."""

    dates: list[date]
    starts: I64  # UTC microseconds of each local midnight
    weekdays: NDArray[np.int64]  # 0 = Monday
    months: NDArray[np.int64]
    now_us: int
    tz: ZoneInfo

    @property
    def size(self) -> int:
        return len(self.dates)

    def day_index(self, micros: I64) -> NDArray[np.int64]:
        """Return, for each instant, the index of the local day it falls in."""
        return np.searchsorted(self.starts, micros, side="right").astype(np.int64) - 1


def day_grid(now: datetime, days: int, tz: ZoneInfo) -> DayGrid:
    """Build the grid of `days` local days ending with today."""
    today = now.astimezone(tz).date()
    dates = [today - timedelta(days=days - 1 - i) for i in range(days)]
    starts = np.array([to_us(datetime.combine(d, time(0), tz)) for d in dates], dtype=np.int64)
    return DayGrid(
        dates=dates,
        starts=starts,
        weekdays=np.array([d.weekday() for d in dates], dtype=np.int64),
        months=np.array([d.month for d in dates], dtype=np.int64),
        now_us=to_us(now),
        tz=tz,
    )


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def promotions(year: int) -> list[tuple[str, str, date, date]]:
    """Return (kind, name, first day, last day) of the store's recurring promotions and peak periods."""
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    return [
        (
            "promotion",
            "Summer Sale",
            _nth_weekday(year, 7, 0, 2),
            _nth_weekday(year, 7, 0, 2) + timedelta(days=4),
        ),
        (
            "promotion",
            "Black Friday / Cyber Monday",
            thanksgiving + timedelta(days=1),
            thanksgiving + timedelta(days=4),
        ),
        ("peak", "Holiday peak", date(year, 11, 15), date(year, 12, 23)),
    ]


def utc(micros: int) -> datetime:
    """Return epoch microseconds as an aware UTC datetime."""
    return datetime.fromtimestamp(micros / US, tz=UTC)
