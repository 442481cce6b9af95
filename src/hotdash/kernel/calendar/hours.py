"""Weekly working hours: intervals of local wall-clock time per ISO weekday."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time

from hotdash.kernel.calendar.instants import DAY, MICROS

# An ISO weekday (1 = Monday) -> the day's open intervals of local time; closing at 00:00 means midnight.
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]
# The same per ISO weekday - 1, as (opens, closes) microseconds after local midnight, sorted and disjoint.
DayTable = tuple[tuple[tuple[int, int], ...], ...]

ALL_DAY = (time(0), time(0))
ALWAYS: WeeklyHours = {weekday: (ALL_DAY,) for weekday in range(1, 8)}


def _of_day(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * MICROS + moment.microsecond


def day_table(hours: WeeklyHours) -> DayTable:
    """Check the weekly hours and return them as microseconds after midnight, overlaps merged."""
    table: list[tuple[tuple[int, int], ...]] = []
    for weekday in range(1, 8):
        spans: list[tuple[int, int]] = []
        for opens, closes in hours.get(weekday, ()):
            start, end = _of_day(opens), _of_day(closes) or DAY
            if end <= start:
                raise ValueError(
                    f"weekday {weekday}: closes at {closes} before it opens at {opens}; "
                    "split a night shift into two days"
                )
            spans.append((start, end))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        table.append(tuple(merged))
    unknown = set(hours) - set(range(1, 8))
    if unknown:
        raise ValueError(f"ISO weekdays run from 1 (Monday) to 7 (Sunday), not {sorted(unknown)}")
    return tuple(table)
