"""A store's business calendar: when its team works, so SLAs can be counted in business time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.models import BusinessHours, CalendarEvent, Store

MICROS = 1_000_000


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * MICROS)


@dataclass(frozen=True)
class BusinessCalendar:
    """Open intervals as sorted UTC microsecond bounds, with the open time accumulated before each."""

    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    open_before: NDArray[np.int64]  # open microseconds in all intervals before interval i

    def open_until(self, moments: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return, for each instant, the open time from the calendar's start up to it (microseconds)."""
        if len(self.starts) == 0:
            return np.zeros_like(moments)
        index = np.searchsorted(self.starts, moments, side="right") - 1
        inside = np.clip(
            moments - self.starts[np.maximum(index, 0)], 0, (self.ends - self.starts)[np.maximum(index, 0)]
        )
        total = self.open_before[np.maximum(index, 0)] + inside
        return np.where(index < 0, 0, total)

    def next_open(self, moments: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return each instant itself if the business is open then, else when it next opens."""
        index = np.minimum(np.searchsorted(self.ends, moments, side="right"), len(self.starts) - 1)
        opened: NDArray[np.int64] = np.maximum(moments, self.starts[index])
        return opened

    def business_seconds(self, start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.float64]:
        """Return the business seconds between each pair of instants (0 where end <= start)."""
        spent = self.open_until(end) - self.open_until(start)
        seconds: NDArray[np.float64] = np.maximum(spent, 0) / MICROS
        return seconds

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Return the business seconds between two instants."""
        return float(self.business_seconds(np.array([_micros(start)]), np.array([_micros(end)]))[0])

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """Return the instant `seconds` of business time after `start` (the SLA deadline)."""
        target = int(self.open_until(np.array([_micros(start)]))[0] + seconds * MICROS)
        index = int(np.searchsorted(self.open_before + (self.ends - self.starts), target, side="left"))
        if index >= len(self.starts):
            raise ValueError("deadline beyond the calendar's range")
        moment = self.starts[index] + (target - self.open_before[index])
        return datetime.fromtimestamp(int(moment) / MICROS, tz=UTC)


def build_calendar(
    hours: dict[int, tuple[time, time]], closed: set[date], tz: ZoneInfo, first: date, last: date
) -> BusinessCalendar:
    """Build the open intervals from `first` to `last` (local dates, inclusive) by ISO weekday."""
    starts: list[int] = []
    ends: list[int] = []
    day = first
    while day <= last:
        window = hours.get(day.isoweekday())
        if window is not None and day not in closed and window[1] > window[0]:
            starts.append(_micros(datetime.combine(day, window[0], tz)))
            ends.append(_micros(datetime.combine(day, window[1], tz)))
        day += timedelta(days=1)
    start_arr = np.array(starts, dtype=np.int64)
    end_arr = np.array(ends, dtype=np.int64)
    open_before = np.concatenate([[0], np.cumsum(end_arr - start_arr)[:-1]]).astype(np.int64)
    return BusinessCalendar(start_arr, end_arr, open_before if len(starts) else np.zeros(0, dtype=np.int64))


def store_calendar(*, session: Session, store: Store, first: date, last: date) -> BusinessCalendar:
    """Return the store's business calendar between two local dates; no hours set means always open."""
    rows = session.execute(
        select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes).where(
            BusinessHours.store_id == store.id
        )
    ).all()
    hours = {weekday: (opens, closes) for weekday, opens, closes in rows}
    if not hours:
        # A store that never said when it works is measured in wall-clock time.
        hours = {weekday: (time(0), time(23, 59, 59, 999_999)) for weekday in range(1, 8)}
    closed: set[date] = set()
    holidays = session.execute(
        select(CalendarEvent.starts_on, CalendarEvent.ends_on).where(
            CalendarEvent.store_id == store.id,
            CalendarEvent.kind == "holiday",
            CalendarEvent.ends_on >= first,
            CalendarEvent.starts_on <= last,
        )
    ).all()
    for starts_on, ends_on in holidays:
        day = starts_on
        while day <= ends_on:
            closed.add(day)
            day += timedelta(days=1)
    return build_calendar(
        hours, closed, ZoneInfo(store.timezone), first - timedelta(days=1), last + timedelta(days=1)
    )
