"""Service levels counted in business time: the store's opening hours, less its holidays, in its timezone.

A first-response SLA of 15 minutes for a ticket that arrives at 17:50 on a Friday, with the support desk
closing at 18:00, runs out at 09:05 on Monday, not at 18:05 on Friday. All arithmetic goes through the store's
`BusinessCalendar` on numpy arrays of epoch microseconds, so a few thousand tickets cost a few array
operations.

Two directions are needed:
- forwards, per ticket: how many business minutes did it wait (`waited_minutes`);
- backwards, for SQL: the latest creation time that has used up an SLA by a given instant
  (`breach_cutoff`), so "breached" becomes `created_at < cutoff` and the counting runs in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, String, type_coerce
from sqlalchemy.types import TypeDecorator

from hotdash.store.calendar import MICROS, BusinessCalendar

# Stands for "no such instant" (a ticket never answered) in the microsecond arrays.
MISSING = np.iinfo(np.int64).min
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICRO = timedelta(microseconds=1)


def to_micros(moments: Sequence[datetime | None]) -> NDArray[np.int64]:
    """Return epoch microseconds for each aware datetime, MISSING for None."""
    # Integer timedelta division is exact, where float timestamps can be a microsecond off.
    return np.array([MISSING if m is None else (m - EPOCH) // ONE_MICRO for m in moments], dtype=np.int64)


class _AsStored(TypeDecorator[Any]):
    """A timestamp read as the driver returns it, skipping the per-value conversion to datetime."""

    impl = String
    cache_ok = True


def as_stored(column: Any) -> ColumnElement[Any]:
    """Select a UTC timestamp column for `stored_micros`: thousands of rows read several times faster."""
    return type_coerce(column, _AsStored())


def stored_micros(values: Sequence[Any]) -> NDArray[np.int64]:
    """Return epoch microseconds (MISSING for NULL) of timestamps selected with `as_stored`.

    SQLite keeps `UTCDateTime` as naive UTC text ("2026-11-22 15:30:00.000000"), which numpy parses in C;
    PostgreSQL's driver returns aware datetimes.
    """
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype="datetime64[us]").astype(np.int64)
    return to_micros(values)


def from_micros(value: int) -> datetime:
    """Return the aware UTC datetime of an epoch-microsecond instant."""
    return EPOCH + timedelta(microseconds=value)


def waited_minutes(
    calendar: BusinessCalendar, start: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Return the business minutes from each start to its end; NaN where either is MISSING."""
    known = (start != MISSING) & (end != MISSING)
    minutes = np.full(len(start), np.nan)
    if known.any():
        minutes[known] = calendar.business_seconds(start[known], end[known]) / 60.0
    return minutes


def first_response_limits(
    priorities: Sequence[str], urgent_minutes: float, other_minutes: float
) -> NDArray[np.float64]:
    """Return each ticket's first-response SLA in business minutes: urgent tickets have the short one."""
    return np.where(np.array(priorities, dtype=object) == "urgent", urgent_minutes, other_minutes).astype(
        np.float64
    )


def breach_cutoff(calendar: BusinessCalendar, moment: datetime, minutes: float) -> datetime:
    """Return the instant c such that a ticket created before c has waited more than `minutes` of business
    time at `moment`, and one created at or after c has not.

    Business time up to an instant, U(x), is continuous and non-decreasing, so {x : U(moment) - U(x) >
    limit} is exactly {x < c} for the first c with U(c) = U(moment) - limit. When that value is reached at
    closing time, c is the closing instant: a ticket created overnight has waited exactly as long as one
    created at closing, and neither has breached yet.
    """
    now_us = to_micros([moment])
    target = int(calendar.open_until(now_us)[0]) - round(minutes * 60 * MICROS)
    if target < 0:
        # Not enough business time in the whole calendar before `moment`: nothing has breached.
        return from_micros(int(calendar.starts[0])) if len(calendar.starts) else moment
    reached = calendar.open_before + (calendar.ends - calendar.starts)
    index = int(np.searchsorted(reached, target, side="left"))
    return from_micros(int(calendar.starts[index] + (target - calendar.open_before[index])))


def deadline(calendar: BusinessCalendar, created: datetime, minutes: float) -> datetime:
    """Return when an SLA of `minutes` business minutes from `created` runs out."""
    return calendar.add_business_seconds(created, minutes * 60)


@dataclass(frozen=True)
class SlaStats:
    """How a set of tickets fared against the SLAs, as known at one instant."""

    tickets: int
    answered: int
    median_first_response: float | None  # business minutes, over tickets answered by then
    first_response_breaches: int  # answered late, or still unanswered and already past the SLA
    resolved_within: int
    resolution_decided: int  # resolved, or open and already past the resolution SLA

    @property
    def resolved_within_pct(self) -> float | None:
        """Share of decided tickets resolved within the SLA; tickets still inside it are not judged yet."""
        if not self.resolution_decided:
            return None
        return self.resolved_within / self.resolution_decided * 100.0


def sla_stats(
    calendar: BusinessCalendar,
    *,
    created: NDArray[np.int64],
    first_response: NDArray[np.int64],
    resolved: NDArray[np.int64],
    first_response_limits: NDArray[np.float64],
    resolution_minutes: float,
    as_of: int,
) -> SlaStats:
    """Return the SLA figures of tickets as they stood at `as_of` (epoch microseconds).

    A reply or resolution after `as_of` had not happened yet then, so last week's window is judged as it
    stood at its own end, like this week's is at now.
    """
    if len(created) == 0:
        return SlaStats(0, 0, None, 0, 0, 0)
    end = np.full(len(created), as_of, dtype=np.int64)
    answered = (first_response != MISSING) & (first_response <= as_of)
    done = (resolved != MISSING) & (resolved <= as_of)
    response = waited_minutes(calendar, created, np.where(answered, first_response, end))
    resolution = waited_minutes(calendar, created, np.where(done, resolved, end))
    late_reply = response > first_response_limits
    over_resolution = resolution > resolution_minutes
    answered_minutes = response[answered]
    return SlaStats(
        tickets=len(created),
        answered=int(answered.sum()),
        median_first_response=float(np.median(answered_minutes)) if len(answered_minutes) else None,
        first_response_breaches=int(late_reply.sum()),
        resolved_within=int((done & ~over_resolution).sum()),
        resolution_decided=int((done | over_resolution).sum()),
    )
