"""Load a store's business calendar from its rows: the kernel's calendar, built from what the store says.

The arithmetic and its conventions live in `hotdash.kernel.calendar`; this only reads the store's hours,
country and calendar events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.kernel.calendar import ALWAYS, BusinessCalendar, DaysOff, Period
from hotdash.store.models import BusinessHours, CalendarEvent, Store


def store_calendar(*, session: Session, store: Store) -> BusinessCalendar:
    """Return the store's business calendar; a store that never set its hours is open around the clock."""
    rows = session.execute(
        select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes).where(
            BusinessHours.store_id == store.id
        )
    ).all()
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in rows:
        if closes == time(0) or opens < closes:
            hours[weekday].append((opens, closes))
        elif closes < opens:
            # A night shift (22:00-02:00) runs to midnight and on into the next weekday's morning.
            hours[weekday].append((opens, time(0)))
            hours[weekday % 7 + 1].append((time(0), closes))
        # opens == closes (other than midnight) is no hours at all that day.
    own: set[date] = set()
    periods: list[Period] = []
    # A store has a few events a year: read them all, so the calendar can answer for any date.
    events = session.execute(
        select(CalendarEvent.kind, CalendarEvent.name, CalendarEvent.starts_on, CalendarEvent.ends_on).where(
            CalendarEvent.store_id == store.id
        )
    ).all()
    for kind, name, starts_on, ends_on in events:
        if kind == "holiday":
            own.update(starts_on + timedelta(days=k) for k in range((ends_on - starts_on).days + 1))
        elif kind in ("promotion", "peak"):
            periods.append(Period(kind, name, starts_on, ends_on))
    return BusinessCalendar(
        timezone=store.timezone,
        # A store that never said when it works is measured in wall-clock time.
        hours=hours or ALWAYS,
        days_off=DaysOff(own, country=store.country, subdivision=store.subdivision),
        periods=periods,
    )
