"""A store's calendar as loaded from its rows: its hours, its country's public holidays and its own days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, literal, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.db.types import UTCDateTime
from hotdash.kernel.calendar import NEVER
from hotdash.store import models as m
from hotdash.store.calendar import store_calendar
from tests.tiles.builders import add

NY = ZoneInfo("America/New_York")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def _shop(session: Session, country: str | None = None, subdivision: str | None = None) -> m.Store:
    store = add(session, m.Store, timezone="America/New_York", country=country, subdivision=subdivision)
    for weekday in range(1, 6):
        add(session, m.BusinessHours, store_id=store.id, weekday=weekday, opens=time(9), closes=time(18))
    return store


def _day_off(session: Session, store: m.Store, first: date, last: date, kind: str = "holiday") -> None:
    add(session, m.CalendarEvent, store_id=store.id, kind=kind, name="Ours", starts_on=first, ends_on=last)


def test_thanksgiving_is_closed_for_a_us_store_and_open_for_a_store_with_no_country(session: Session) -> None:
    us, nowhere = _shop(session, "US"), _shop(session)
    thursday_noon = datetime(2026, 11, 26, 12, tzinfo=NY)
    assert not store_calendar(session=session, store=us).is_open(thursday_noon)
    assert store_calendar(session=session, store=nowhere).is_open(thursday_noon)
    wednesday_evening = datetime(2026, 11, 25, 17, 50, tzinfo=NY)
    # 10 minutes on Wednesday, the other 5 on the next working day.
    assert store_calendar(session=session, store=us).deadline(wednesday_evening, 15) == datetime(
        2026, 11, 27, 9, 5, tzinfo=NY
    )
    assert store_calendar(session=session, store=nowhere).deadline(wednesday_evening, 15) == datetime(
        2026, 11, 26, 9, 5, tzinfo=NY
    )


def test_the_stores_own_days_add_to_its_countrys(session: Session) -> None:
    store = _shop(session, "US")
    _day_off(session, store, date(2026, 11, 27), date(2026, 11, 27))  # the Friday after Thanksgiving
    _day_off(session, store, date(2026, 12, 1), date(2026, 12, 2))  # two days, both ends closed
    _day_off(session, store, date(2026, 11, 30), date(2026, 11, 30), kind="promotion")  # not a day off
    calendar = store_calendar(session=session, store=store)
    wednesday_evening = datetime(2026, 11, 25, 17, 50, tzinfo=NY)
    assert calendar.deadline(wednesday_evening, 15) == datetime(2026, 11, 30, 9, 5, tzinfo=NY)
    assert [calendar.is_open(datetime(2026, 12, d, 12, tzinfo=NY)) for d in (1, 2, 3)] == [False, False, True]
    assert calendar.in_promotion(datetime(2026, 11, 30, 12, tzinfo=NY))
    assert not calendar.in_promotion(datetime(2026, 12, 1, 12, tzinfo=NY))


def test_a_subdivision_adds_its_own_public_holidays(session: Session) -> None:
    patriots_day = datetime(2026, 4, 20, 12, tzinfo=NY)  # third Monday of April, in Massachusetts only
    assert not store_calendar(session=session, store=_shop(session, "US", "MA")).is_open(patriots_day)
    assert store_calendar(session=session, store=_shop(session, "US")).is_open(patriots_day)


def test_a_store_without_hours_is_open_around_the_clock_but_not_on_its_days_off(session: Session) -> None:
    store = add(session, m.Store, timezone="America/New_York", country="US")
    calendar = store_calendar(session=session, store=store)
    assert calendar.is_open(datetime(2026, 11, 28, 3, tzinfo=NY))  # a Saturday night
    assert not calendar.is_open(datetime(2026, 11, 26, 12, tzinfo=NY))  # Thanksgiving


def test_an_unknown_country_is_refused_with_a_message_saying_what_to_use(session: Session) -> None:
    store = _shop(session, "XX")
    with pytest.raises(ValueError, match="no public holidays are known for country 'XX'") as refused:
        store_calendar(session=session, store=store)
    assert "ISO 3166-1 alpha-2" in str(refused.value)


def test_a_night_shift_runs_past_midnight_into_the_next_weekday(session: Session) -> None:
    store = add(session, m.Store, timezone="America/New_York")
    add(session, m.BusinessHours, store_id=store.id, weekday=7, opens=time(22), closes=time(2))  # Sunday
    calendar = store_calendar(session=session, store=store)
    sunday, monday = date(2026, 6, 21), date(2026, 6, 22)
    assert calendar.is_open(datetime.combine(sunday, time(23, 30), NY))
    assert calendar.is_open(datetime.combine(monday, time(1, 59), NY))
    assert not calendar.is_open(datetime.combine(monday, time(2), NY))
    assert not calendar.is_open(datetime.combine(sunday, time(1), NY))  # Saturday night had no shift
    start, end = datetime.combine(sunday, time(0), NY), datetime.combine(monday, time(12), NY)
    assert calendar.elapsed_between(start, end) == timedelta(hours=4)


def test_never_is_before_every_stored_instant(session: Session) -> None:
    # The cutoff of a calendar that never opens: in SQL, no record is created before it.
    store = add(session, m.Store)
    add(session, m.Ticket, store_id=store.id, created_at=datetime(1900, 1, 1, tzinfo=UTC))
    count = session.scalar(
        select(func.count())
        .select_from(m.Ticket)
        .where(m.Ticket.store_id == store.id, m.Ticket.created_at < literal(NEVER, UTCDateTime()))
    )
    assert count == 0
