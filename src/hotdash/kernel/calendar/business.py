"""The business calendar: open intervals in UTC microseconds, compiled as far as the questions reach."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from hotdash.kernel.calendar.hours import WeeklyHours, day_table
from hotdash.kernel.calendar.instants import DAY, NEVER, from_micros, limit_micros, micros
from hotdash.kernel.calendar.zone import offset_pieces, to_utc

# A deadline, cutoff or next opening further away than this (wall-clock time) is "never".
HORIZON = 3660 * DAY
# Compile a little more than asked, so a run of nearby questions compiles once.
MARGIN = 30 * DAY
FIRST_SEARCH = 14 * DAY


@dataclass(frozen=True)
class Period:
    """A promotion or peak period: local dates, both inclusive."""

    kind: str
    name: str
    first: date
    last: date


@dataclass(frozen=True)
class _Compiled:
    """The open intervals of a run of local days, and the UTC span they answer for."""

    lo: int  # every instant in [lo, hi) has its local date among the compiled days
    hi: int
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    before: NDArray[np.int64]  # open microseconds in the intervals before interval i
    reached: NDArray[np.int64]  # open microseconds up to the end of interval i


class BusinessCalendar:
    """When a business is open, in its timezone, and the SLA arithmetic on top (see the package docstring)."""

    def __init__(
        self,
        *,
        timezone: str | ZoneInfo,
        hours: WeeklyHours,
        days_off: Container[date] = frozenset(),
        periods: Sequence[Period] = (),
    ) -> None:
        self.zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        self.table = day_table(hours)
        self.days_off = days_off
        self.periods = tuple(periods)
        self.never_open = not any(self.table)
        self._compiled: _Compiled | None = None

    # Compiling ---------------------------------------------------------------------------------------------
    def _cover(self, lo: int, hi: int) -> _Compiled:
        """Return the open intervals, compiled so that they answer for every instant in [lo, hi]."""
        done = self._compiled
        if done is not None and done.lo <= lo and hi < done.hi:
            return done
        # Compile a margin beyond what is asked, so the next nearby question compiles nothing.
        if done is None:
            lo, hi = lo - MARGIN, hi + MARGIN
        else:
            lo = min(lo - MARGIN, done.lo) if lo < done.lo else done.lo
            hi = max(hi + MARGIN, done.hi) if hi >= done.hi else done.hi
        if hi - lo > 3 * HORIZON:
            raise ValueError("a business-time question spanning more than 30 years: check the instants")
        # A local date is within a day of the UTC date, so these local days cover every instant in [lo, hi].
        first, last = lo // DAY - 1, hi // DAY + 2
        self._compiled = self._compile(first, last)
        return self._compiled

    def _compile(self, first: int, last: int) -> _Compiled:
        days = np.arange(first, last + 1, dtype=np.int64)
        origin = date(1970, 1, 1)
        closed = np.array([origin + timedelta(days=int(d)) in self.days_off for d in days], dtype=bool)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: ISO weekday 4, index 3
        local_starts: list[NDArray[np.int64]] = []
        local_ends: list[NDArray[np.int64]] = []
        for index, spans in enumerate(self.table):
            open_days = days[(weekday == index) & ~closed]
            for opens, closes in spans:
                local_starts.append(open_days * DAY + opens)
                local_ends.append(open_days * DAY + closes)
        pieces = offset_pieces(self.zone, (first - 1) * DAY, (last + 2) * DAY)
        starts, ends = to_utc(
            np.concatenate(local_starts) if local_starts else np.zeros(0, np.int64),
            np.concatenate(local_ends) if local_ends else np.zeros(0, np.int64),
            pieces,
        )
        reached = np.cumsum(ends - starts, dtype=np.int64)
        return _Compiled(
            lo=(first + 1) * DAY,
            hi=last * DAY,
            starts=starts,
            ends=ends,
            before=reached - (ends - starts),
            reached=reached,
        )

    @staticmethod
    def _open_until(c: _Compiled, moments: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the open microseconds from the compiled start up to each instant."""
        if len(c.starts) == 0:
            return np.zeros(len(moments), dtype=np.int64)
        index = np.searchsorted(c.starts, moments, side="right") - 1
        at = np.maximum(index, 0)
        inside = np.clip(moments - c.starts[at], 0, c.ends[at] - c.starts[at])
        total: NDArray[np.int64] = np.where(index < 0, 0, c.before[at] + inside).astype(np.int64)
        return total

    # Questions ---------------------------------------------------------------------------------------------
    def local_date(self, moment: datetime) -> date:
        """Return the business's local date at `moment`."""
        return moment.astimezone(self.zone).date()

    def is_open(self, moment: datetime) -> bool:
        """Tell whether the business is open at `moment`: open intervals are [opens, closes)."""
        if self.never_open:
            return False
        at = micros(moment)
        c = self._cover(at, at)
        index = int(np.searchsorted(c.starts, at, side="right")) - 1
        return index >= 0 and at < int(c.ends[index])

    def in_promotion(self, moment: datetime) -> bool:
        """Tell whether a promotion or peak period covers the local date at `moment`."""
        today = self.local_date(moment)
        return any(p.first <= today <= p.last for p in self.periods)

    def elapsed(self, start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the open microseconds in [start, end) for each pair of instants; 0 where end <= start.

        Only the ten years before each end count: an older start is taken as ten years before its end.
        """
        if len(start) == 0 or self.never_open:
            return np.zeros(len(start), dtype=np.int64)
        # Counted over at most the ten years before each end: a start mistyped decades back (the import takes
        # dates from 1900) must not make the calendar compile a century. SLAs are far shorter.
        start = np.maximum(start, end - HORIZON)
        c = self._cover(int(min(start.min(), end.min())), int(max(start.max(), end.max())))
        spent: NDArray[np.int64] = np.maximum(self._open_until(c, end) - self._open_until(c, start), 0)
        return spent

    def elapsed_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time in [start, end)."""
        spent = self.elapsed(np.array([micros(start)]), np.array([micros(end)]))
        return timedelta(microseconds=int(spent[0]))

    def next_openings(self, moments: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return, for each instant, itself if open then, else when the business next opens (vectorised).

        Raises ValueError if some instant has no opening within the horizon (ten years).
        """
        if len(moments) == 0:
            return moments.astype(np.int64)
        if self.never_open:
            raise ValueError("the calendar is never open")
        lo, hi = int(moments.min()), int(moments.max())
        span = FIRST_SEARCH
        while True:
            c = self._cover(lo, hi + span)
            index = np.searchsorted(c.ends, moments, side="right")
            if (index < len(c.starts)).all() and int(c.starts[index.max()]) < c.hi:
                opened: NDArray[np.int64] = np.maximum(moments, c.starts[index])
                # The same answer whatever was compiled before: nothing beyond the horizon counts.
                if (opened - moments > HORIZON).any():
                    raise ValueError("no opening within ten years")
                return opened
            if c.hi > hi + HORIZON:
                raise ValueError("no opening within ten years")
            span = min(2 * span, HORIZON)

    def next_opening(self, moment: datetime) -> datetime | None:
        """Return `moment` itself if the business is open then, else when it next opens; None if never."""
        if self.never_open:
            return None
        try:
            return from_micros(int(self.next_openings(np.array([micros(moment)], dtype=np.int64))[0]))
        except ValueError:
            return None

    def deadline(self, start: datetime, minutes: float) -> datetime | None:
        """Return the first instant by which `minutes` of business time have passed since `start`.

        The record breaches only once strictly more has passed: right after this instant if the business is
        open then, at the next opening if the deadline falls on a closing. None if the clock never runs out
        (within ten years).
        """
        if self.never_open:
            return None
        begin, limit = micros(start), limit_micros(minutes)
        if limit == 0:
            return start
        span = max(FIRST_SEARCH, min(2 * limit, HORIZON))
        while True:
            c = self._cover(begin, begin + span)
            target = int(self._open_until(c, np.array([begin]))[0]) + limit
            index = int(np.searchsorted(c.reached, target, side="left"))
            if index < len(c.starts):
                moment = int(c.starts[index]) + (target - int(c.before[index]))
                if moment < c.hi:
                    return from_micros(moment) if moment - begin <= HORIZON else None
            if c.hi > begin + HORIZON:
                return None
            span = min(2 * span, HORIZON)

    def breach_cutoff(self, now: datetime, minutes: float) -> datetime:
        """Return the instant c such that a record started before c has had more than `minutes` of business
        time by `now`, and one started at or after c has not: "breached" is `started < c` in SQL.

        When the limit is reached at a closing, c is that closing instant: a record started overnight has
        waited exactly as long as one started at closing, and neither has breached. NEVER if nothing can
        have breached: a calendar that is never open, or not open for `minutes` in the last ten years.
        """
        if self.never_open:
            return NEVER
        at, limit = micros(now), limit_micros(minutes)
        span = max(FIRST_SEARCH, min(2 * limit, HORIZON))
        while True:
            c = self._cover(at - span, at)
            # Never further back than the horizon, so the answer does not depend on what was compiled before.
            edge_at = max(c.lo, at - HORIZON)
            edge, until_now = (int(u) for u in self._open_until(c, np.array([edge_at, at])))
            target = until_now - limit
            # Only a target past the edge proves that everything older has waited longer.
            if target > edge:
                index = int(np.searchsorted(c.reached, target, side="left"))
                return from_micros(int(c.starts[index]) + (target - int(c.before[index])))
            if edge_at == at - HORIZON:
                return NEVER
            span = min(2 * span, HORIZON)
