"""Moments and business-hours arithmetic shared by the hand-written references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from hotdash.kernel.calendar import MINUTE, micros, to_micros


@dataclass(frozen=True)
class Moments:
    """The instants and local dates every reference computation is anchored on."""

    now: datetime
    tz: ZoneInfo
    today_start: datetime
    this_week: tuple[date, date]  # the last 7 complete local days, inclusive
    last_week: tuple[date, date]
    calendar: Any


def moments(now: datetime, tz: ZoneInfo, calendar: Any) -> Moments:
    today = now.astimezone(tz).date()
    return Moments(
        now=now,
        tz=tz,
        today_start=datetime.combine(today, time(0), tz),
        this_week=(today - timedelta(days=7), today - timedelta(days=1)),
        last_week=(today - timedelta(days=14), today - timedelta(days=8)),
        calendar=calendar,
    )


def business_minutes(m: Moments, since: list[datetime]) -> list[float]:
    """Return the business minutes from each instant to now, by the store's calendar."""
    if not since:
        return []
    start = to_micros(since)
    end = np.full(len(start), micros(m.now), dtype=np.int64)
    return list(m.calendar.elapsed(start, end) / MINUTE)
