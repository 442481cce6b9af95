"""Instants as epoch microseconds: exact integers, so business time adds up to the microsecond."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

MICROS = 1_000_000
MINUTE = 60 * MICROS
DAY = 86_400 * MICROS
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICRO = timedelta(microseconds=1)
# Stands for "no such instant" (a ticket never answered) in arrays of epoch microseconds.
MISSING = np.iinfo(np.int64).min
# The cutoff when nothing can have breached: no aware datetime is earlier, so `created_at < NEVER` is false.
NEVER = datetime.min.replace(tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Return the epoch microseconds of an aware datetime, exactly."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime is no instant: give it a timezone")
    # Integer timedelta division is exact, where float timestamps can be a microsecond off.
    return (moment - EPOCH) // ONE_MICRO


def to_micros(moments: Sequence[datetime | None]) -> NDArray[np.int64]:
    """Return epoch microseconds for each aware datetime, MISSING for None."""
    return np.array([MISSING if m is None else micros(m) for m in moments], dtype=np.int64)


def from_micros(value: int) -> datetime:
    """Return the aware UTC datetime of an epoch-microsecond instant."""
    return EPOCH + timedelta(microseconds=value)


def limit_micros(minutes: float) -> int:
    """Return an SLA of `minutes` as whole microseconds (rounded to the nearest)."""
    if minutes < 0 or minutes != minutes:
        raise ValueError(f"an SLA is a number of minutes, zero or more, not {minutes!r}")
    return round(float(minutes) * MINUTE)


def limits_micros(minutes: ArrayLike) -> NDArray[np.int64]:
    """Return SLAs in minutes as whole microseconds, as `limit_micros` rounds each one."""
    values = np.asarray(minutes, dtype=np.float64)
    if (values < 0).any() or np.isnan(values).any():
        raise ValueError("an SLA is a number of minutes, zero or more")
    rounded: NDArray[np.int64] = np.rint(values * MINUTE).astype(np.int64)
    return rounded
