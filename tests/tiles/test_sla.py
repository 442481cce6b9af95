"""SLAs in business time: opening hours, holidays and the store's timezone decide when a ticket breaches."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotdash.kernel.calendar import MISSING, BusinessCalendar, DaysOff, to_micros
from hotdash.store import models as m
from hotdash.store.calendar import store_calendar
from hotdash.tiles import sla
from tests.tiles.builders import add

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_6 = {day: (time(9), time(18)) for day in range(1, 6)}


def shop(session: Session, timezone: str = "America/New_York", holidays: tuple[date, ...] = ()) -> m.Store:
    store = add(session, m.Store, timezone=timezone)
    for weekday, (opens, closes) in WEEKDAYS_9_TO_6.items():
        add(session, m.BusinessHours, store_id=store.id, weekday=weekday, opens=opens, closes=closes)
    for day in holidays:
        add(session, m.CalendarEvent, store_id=store.id, kind="holiday", starts_on=day, ends_on=day)
    add(
        session,
        m.CalendarEvent,
        store_id=store.id,
        kind="promotion",
        starts_on=date(2026, 6, 19),
        ends_on=date(2026, 6, 23),
    )  # a promotion is not a day off
    return store


def calendar_of(session: Session, store: m.Store) -> BusinessCalendar:
    return store_calendar(session=session, store=store)


def waited(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    return float(sla.waited_minutes(calendar, to_micros([start]), to_micros([end]))[0])


def test_friday_evening_ticket_breaches_on_monday_morning_not_friday_night(session: Session) -> None:
    calendar = calendar_of(session, shop(session))
    created = datetime(2026, 6, 19, 17, 50, tzinfo=NY)  # Friday, 10 minutes before closing
    assert calendar.deadline(created, 15) == datetime(2026, 6, 22, 9, 5, tzinfo=NY)
    assert waited(calendar, created, datetime(2026, 6, 19, 18, 5, tzinfo=NY)) == 10  # not 15: closed at 18:00
    assert waited(calendar, created, datetime(2026, 6, 22, 9, 4, 59, tzinfo=NY)) < 15
    assert waited(calendar, created, datetime(2026, 6, 22, 9, 5, 1, tzinfo=NY)) > 15


def test_holidays_have_no_business_hours(session: Session) -> None:
    calendar = calendar_of(session, shop(session, holidays=(date(2026, 6, 22),)))  # a Monday off
    created = datetime(2026, 6, 19, 17, 50, tzinfo=NY)
    assert calendar.deadline(created, 15) == datetime(2026, 6, 23, 9, 5, tzinfo=NY)


def test_business_hours_are_in_the_store_timezone(session: Session) -> None:
    tokyo = calendar_of(session, shop(session, timezone="Asia/Tokyo"))
    new_york = calendar_of(session, shop(session))
    created = datetime(2026, 6, 19, 8, 50, tzinfo=UTC)  # 17:50 Friday in Tokyo, 04:50 Friday in New York
    assert tokyo.deadline(created, 15) == datetime(2026, 6, 22, 9, 5, tzinfo=TOKYO)
    assert new_york.deadline(created, 15) == datetime(2026, 6, 19, 9, 15, tzinfo=NY)


def test_a_store_without_hours_counts_wall_clock_time(session: Session) -> None:
    calendar = calendar_of(session, add(session, m.Store))
    created = datetime(2026, 6, 19, 17, 50, tzinfo=NY)
    assert calendar.deadline(created, 15) == datetime(2026, 6, 19, 18, 5, tzinfo=NY)


def _calendar() -> BusinessCalendar:
    hours = {day: [span] for day, span in WEEKDAYS_9_TO_6.items()}
    return BusinessCalendar(timezone=NY, hours=hours, days_off=DaysOff({date(2026, 6, 22)}))


def test_breach_cutoff_at_closing_time_is_the_closing_instant() -> None:
    calendar = _calendar()
    # Monday 22nd is a holiday: at Tuesday 09:15 a ticket must have been created before Friday 18:00 to have
    # waited more than 15 business minutes; one created overnight waited exactly 15 and has not breached.
    cutoff = calendar.breach_cutoff(datetime(2026, 6, 23, 9, 15, tzinfo=NY), 15)
    assert cutoff == datetime(2026, 6, 19, 18, 0, tzinfo=NY)
    assert (
        waited(calendar, datetime(2026, 6, 20, 12, 0, tzinfo=NY), datetime(2026, 6, 23, 9, 15, tzinfo=NY))
        == 15
    )


MOMENTS = st.datetimes(min_value=datetime(2026, 6, 10), max_value=datetime(2026, 7, 5)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(created=MOMENTS, moment=MOMENTS, minutes=st.sampled_from([1.0, 15.0, 60.0, 120.0, 600.0, 1234.5]))
def test_created_before_the_cutoff_is_exactly_waited_more_than_the_limit(
    created: datetime, moment: datetime, minutes: float
) -> None:
    calendar = _calendar()
    cutoff = calendar.breach_cutoff(moment, minutes)
    assert (created < cutoff) == (waited(calendar, created, moment) > minutes)


def test_sla_stats_judge_each_ticket_as_it_stood_at_the_end_of_its_window() -> None:
    calendar = _calendar()
    at = lambda day, hour, minute=0: datetime(2026, 6, day, hour, minute, tzinfo=NY)  # noqa: E731
    created = [at(15, 10), at(15, 10), at(15, 14, 50), at(15, 11), at(15, 11)]
    replied = [at(15, 10, 5), at(15, 10, 20), at(16, 9, 4), None, at(15, 16)]
    resolved = [at(15, 11), None, at(16, 9, 30), None, at(15, 16, 30)]
    stats = sla.sla_stats(
        calendar,
        created=to_micros(created),
        first_response=to_micros(replied),
        resolved=to_micros(resolved),
        first_response_limits=sla.first_response_limits(
            ["urgent", "urgent", "normal", "urgent", "normal"], 15, 60
        ),
        resolution_minutes=120,
        as_of=int(to_micros([at(15, 15)])[0]),  # Monday 15:00: the last reply and resolution come later
    )
    # Waits by 15:00: 5, 20 (late), 10 unanswered so far, 240 unanswered (late), 240 unanswered (late)
    assert stats.answered == 2
    assert stats.median_first_response == pytest.approx(12.5)
    assert stats.first_response_breaches == 3
    # Resolution: #1 in 60 min (within); #2, #4 and #5 open past 120 min; #3 open 10 min, not judged yet
    assert (stats.resolved_within, stats.resolution_decided) == (1, 4)
    assert stats.resolved_within_pct == pytest.approx(25.0)


def test_stored_timestamps_read_back_to_the_same_instants(session: Session) -> None:
    store = add(session, m.Store)
    moments = [datetime(2026, 6, 19, 17, 50, 12, 345678, tzinfo=NY), None]
    for moment in moments:
        add(
            session,
            m.Ticket,
            store_id=store.id,
            created_at=datetime(2026, 6, 1, tzinfo=UTC),
            first_response_at=moment,
        )
    from sqlalchemy import select

    rows = (
        session.execute(
            select(sla.as_stored(m.Ticket.first_response_at))
            .where(m.Ticket.store_id == store.id)
            .order_by(m.Ticket.id)
        )
        .scalars()
        .all()
    )
    assert sla.stored_micros(rows).tolist() == to_micros(moments).tolist()
    assert sla.stored_micros(rows)[1] == MISSING
    assert np.array_equal(sla.stored_micros([]), np.zeros(0, dtype=np.int64))
