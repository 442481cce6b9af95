"""Service levels counted in business time: the store's opening hours, less its holidays, in its timezone.

A first-response SLA of 15 minutes for a ticket that arrives at 17:50 on a Friday, with the support desk
closing at 18:00, runs out at 09:05 on Monday, not at 18:05 on Friday. The arithmetic and its one boundary
convention are the kernel's (`hotdash.kernel.calendar`); this module reads tickets' timestamps into epoch
microseconds and turns business time into the tiles' figures. "Breached" is "strictly more business time
than the SLA" both per ticket here and in SQL through the calendar's `breach_cutoff`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, String, type_coerce
from sqlalchemy.types import TypeDecorator

from hotdash.kernel.calendar import MINUTE, MISSING, BusinessCalendar, limit_micros, limits_micros, to_micros


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


def waited(calendar: BusinessCalendar, start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return the business microseconds from each start to its end; MISSING where either is MISSING."""
    known = (start != MISSING) & (end != MISSING)
    spent = np.full(len(start), MISSING, dtype=np.int64)
    if known.any():
        spent[known] = calendar.elapsed(start[known], end[known])
    return spent


def waited_minutes(
    calendar: BusinessCalendar, start: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Return the business minutes from each start to its end; NaN where either is MISSING."""
    spent = waited(calendar, start, end)
    return np.where(spent == MISSING, np.nan, spent / MINUTE)


def first_response_limits(
    priorities: Sequence[str], urgent_minutes: float, other_minutes: float
) -> NDArray[np.float64]:
    """Return each ticket's first-response SLA in business minutes: urgent tickets have the short one."""
    return np.where(np.array(priorities, dtype=object) == "urgent", urgent_minutes, other_minutes).astype(
        np.float64
    )


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
    response = waited(calendar, created, np.where(answered, first_response, end))
    resolution = waited(calendar, created, np.where(done, resolved, end))
    # Compared in whole microseconds, as the calendar's breach cutoff is: both sides agree on every ticket.
    late_reply = response > limits_micros(first_response_limits)
    over_resolution = resolution > limit_micros(resolution_minutes)
    answered_minutes = response[answered] / MINUTE
    return SlaStats(
        tickets=len(created),
        answered=int(answered.sum()),
        median_first_response=float(np.median(answered_minutes)) if len(answered_minutes) else None,
        first_response_breaches=int(late_reply.sum()),
        resolved_within=int((done & ~over_resolution).sum()),
        resolution_decided=int((done | over_resolution).sum()),
    )
