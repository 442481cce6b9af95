"""Business-calendar questions rules ask: is the store open now, is a promotion on, when did an SLA start.

The calendar itself (hours, holidays) is `hotdash.store.calendar`; this turns it into values a set-based
rule can use: "open now?" decides whether a business-hours-only rule runs, and the SLA cutoff is the instant
after which less than N business minutes have passed, so "breached" is `created_at < :cutoff` in SQL.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.calendar import MICROS, BusinessCalendar, store_calendar
from hotdash.store.models import CalendarEvent, Store

ACTIVE_WHEN = ("always", "business_hours", "outside_business_hours", "promotion", "no_promotion")


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * MICROS)


def local_day(store: Store, now: datetime) -> date:
    """Return the store's local date at `now`."""
    return now.astimezone(ZoneInfo(store.timezone)).date()


def calendar_around(*, session: Session, store: Store, now: datetime, days_back: int) -> BusinessCalendar:
    """Return the store's calendar from `days_back` days before `now` to the day after."""
    today = local_day(store, now)
    return store_calendar(session=session, store=store, first=today - timedelta(days=days_back), last=today)


def is_open(calendar: BusinessCalendar, now: datetime) -> bool:
    """Tell whether the business is open at `now`."""
    if len(calendar.starts) == 0:
        return False
    moment = _micros(now)
    # The interval that started last before `now`, if any, and whether `now` is before its end.
    index = int(np.searchsorted(calendar.starts, moment, side="right")) - 1
    return index >= 0 and moment < int(calendar.ends[index])


def business_cutoff(calendar: BusinessCalendar, now: datetime, minutes: float) -> datetime:
    """Return the latest instant from which at least `minutes` business minutes have passed by `now`.

    A record whose SLA clock started before the cutoff has used up its SLA. If the calendar does not reach
    back far enough, its first opening is the cutoff (nothing older is counted as within the SLA).
    """
    if len(calendar.starts) == 0:
        return datetime.fromtimestamp(0, tz=UTC)
    target = int(calendar.open_until(np.array([_micros(now)]))[0]) - int(minutes * 60 * MICROS)
    if target <= 0:
        return datetime.fromtimestamp(int(calendar.starts[0]) / MICROS, tz=UTC)
    cumulative_end = calendar.open_before + (calendar.ends - calendar.starts)
    index = int(np.searchsorted(cumulative_end, target, side="left"))
    moment = int(calendar.starts[index]) + (target - int(calendar.open_before[index]))
    return datetime.fromtimestamp(moment / MICROS, tz=UTC)


def sla_days_back(minutes: float) -> int:
    """Return how many days of calendar an SLA of `minutes` business minutes needs (with holidays)."""
    return max(14, math.ceil(minutes / 60 / 8) * 3 + 7)


def in_promotion(*, session: Session, store: Store, now: datetime) -> bool:
    """Tell whether a promotion or peak period of the store covers its local date at `now`."""
    today = local_day(store, now)
    found = session.execute(
        select(CalendarEvent.id)
        .where(
            CalendarEvent.store_id == store.id,
            CalendarEvent.kind.in_(("promotion", "peak")),
            CalendarEvent.starts_on <= today,
            CalendarEvent.ends_on >= today,
        )
        .limit(1)
    ).first()
    return found is not None
