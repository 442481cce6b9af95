"""A deliberately naive business calendar: it reads the wall clock minute by minute through zoneinfo.

It shares nothing with `hotdash.kernel.calendar` but the meaning of the words: an instant is open when the
local wall clock then reads a time inside one of that local date's intervals [opens, closes) and the date
is not a day off. Hours are whole minutes and every zone's offset is whole minutes, so openness is constant
over each UTC minute; within a minute the walk counts the microseconds of the part it covers.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Reference:
    zone: ZoneInfo
    hours: Mapping[int, Sequence[tuple[time, time]]]
    days_off: Container[date]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        if local.date() in self.days_off:
            return False
        reading = local.time().replace(tzinfo=None, fold=0)
        for opens, closes in self.hours.get(local.isoweekday(), ()):
            if opens <= reading and (closes == time(0) or reading < closes):
                return True
        return False

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time in [start, end), walking one UTC minute at a time."""
        total = timedelta(0)
        minute = _floor_minute(start)
        while minute < end:
            if self.is_open(minute):
                total += min(minute + MINUTE, end) - max(minute, start)
            minute += MINUTE
        return max(total, timedelta(0))

    def deadline(self, start: datetime, limit: timedelta, reach: timedelta) -> datetime | None:
        """The first instant by which `limit` of open time has passed since `start`; None beyond `reach`."""
        if limit == timedelta(0):
            return start
        spent = timedelta(0)
        minute = _floor_minute(start)
        while minute < start + reach:
            if self.is_open(minute):
                begin = max(minute, start)
                if spent + (minute + MINUTE - begin) >= limit:
                    return begin + (limit - spent)
                spent += minute + MINUTE - begin
            minute += MINUTE
        return None

    def next_opening(self, moment: datetime, reach: timedelta) -> datetime | None:
        """`moment` if open then, else the first open minute after it; None beyond `reach`."""
        if self.is_open(moment):
            return moment
        minute = _floor_minute(moment) + MINUTE
        while minute < moment + reach:
            if self.is_open(minute):
                return minute
            minute += MINUTE
        return None


def _floor_minute(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return utc.replace(second=0, microsecond=0)
