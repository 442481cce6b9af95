"""The business calendar against a naive minute-by-minute reference: weekends, days off, DST, empty weeks.

Every property draws a calendar (zone, hours per weekday with possibly overlapping intervals, days off) and
instants around a DST change or an ordinary week, on whole minutes (exactly at openings and closings) and a
microsecond either side, and compares the kernel's answer with `calendar_reference.Reference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotdash.kernel.calendar import NEVER, BusinessCalendar, DaysOff, limit_micros, to_micros
from tests.kernel.calendar_reference import Reference

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Adelaide",  # a 30-minute offset that also changes for DST
    "Asia/Kolkata",  # a 30-minute offset, no DST
    "UTC",
]
# Around the 2026 clock changes of those zones (UTC instants), and an ordinary week.
BASES = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York springs forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York falls back
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London springs forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London falls back
    datetime(2026, 4, 4, 16, tzinfo=UTC),  # Sydney falls back (Adelaide 30 minutes later)
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Sydney springs forward
    datetime(2026, 6, 17, 12, tzinfo=UTC),  # a plain week
]
# Openings drawn often where clocks change (01:00-03:00) and at ordinary office hours.
MINUTE_OF_DAY = st.one_of(st.integers(0, 1439), st.sampled_from([0, 60, 90, 120, 150, 180, 540, 1020, 1410]))
JITTER = st.sampled_from([0, 0, 0, 1, -1, 123_457])  # microseconds
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _time(minutes: int) -> time:
    return time(0) if minutes == 1440 else time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class Case:
    calendar: BusinessCalendar
    reference: Reference
    base: datetime
    empty: bool


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    base = draw(st.sampled_from(BASES))
    empty = draw(st.integers(0, 7)) == 0
    hours: dict[int, list[tuple[time, time]]] = {}
    if not empty:
        for weekday in draw(st.sets(st.integers(1, 7), min_size=1)):
            spans = []
            for _ in range(draw(st.integers(1, 2))):
                opens = draw(MINUTE_OF_DAY)
                # At least half an hour, so that a long SLA is met within a few weeks of walking.
                closes = draw(st.integers(min(opens + 30, 1440), 1440))
                spans.append((_time(opens), _time(closes)))
            hours[weekday] = spans
    local = base.astimezone(zone).date()
    off = {local + timedelta(days=k) for k in draw(st.sets(st.integers(-3, 3), max_size=3))}
    calendar = BusinessCalendar(timezone=zone, hours=hours, days_off=DaysOff(off))
    return Case(calendar, Reference(zone, hours, off), base, empty)


@st.composite
def instants(draw: st.DrawFn, base: datetime) -> datetime:
    minutes = draw(st.integers(-2 * 1440, 2 * 1440))
    return base + timedelta(minutes=minutes, microseconds=draw(JITTER))


def _micro(n: int) -> timedelta:
    return timedelta(microseconds=n)


@SETTINGS
@given(data=st.data(), case=cases())
def test_is_open_and_next_opening_agree_with_the_wall_clock(data: st.DataObject, case: Case) -> None:
    moment = data.draw(instants(case.base))
    assert case.calendar.is_open(moment) == case.reference.is_open(moment)
    found = case.calendar.next_opening(moment)
    if case.empty:
        assert found is None
    else:
        assert found == case.reference.next_opening(moment, reach=timedelta(days=15))


@SETTINGS
@given(data=st.data(), case=cases())
def test_business_time_elapsed_is_the_open_time_walked_minute_by_minute(
    data: st.DataObject, case: Case
) -> None:
    pairs = [(data.draw(instants(case.base)), data.draw(instants(case.base))) for _ in range(3)]
    starts, ends = to_micros([a for a, _ in pairs]), to_micros([b for _, b in pairs])
    vectorised = case.calendar.elapsed(starts, ends)
    expected = [case.reference.elapsed(a, b) // _micro(1) for a, b in pairs]
    assert vectorised.tolist() == expected
    assert case.calendar.elapsed_between(*pairs[0]) == _micro(expected[0])


@SETTINGS
@given(data=st.data(), case=cases(), minutes=st.sampled_from([0, 1, 15, 60, 90.5, 240]))
def test_breach_cutoff_splits_breached_from_not_at_the_microsecond(
    data: st.DataObject, case: Case, minutes: float
) -> None:
    now = data.draw(instants(case.base))
    cutoff = case.calendar.breach_cutoff(now, minutes)
    if case.empty:
        assert cutoff == NEVER
        return
    limit = _micro(limit_micros(minutes))
    created = data.draw(instants(case.base))
    for started in (cutoff - _micro(1), cutoff, cutoff + _micro(1), created):
        # Breached: strictly more business time than the SLA between the start and now.
        assert (started < cutoff) == (case.reference.elapsed(started, now) > limit), started


@SETTINGS
@given(data=st.data(), case=cases(), minutes=st.sampled_from([0, 1, 15, 60, 90.5, 240]))
def test_deadline_is_the_first_instant_the_sla_is_used_up(
    data: st.DataObject, case: Case, minutes: float
) -> None:
    start = data.draw(instants(case.base))
    found = case.calendar.deadline(start, minutes)
    if case.empty:
        assert found is None
        return
    reach = timedelta(days=40)
    expected = case.reference.deadline(start, _micro(limit_micros(minutes)), reach)
    if expected is None:
        assert found is not None
        assert found >= start + reach
    else:
        assert found == expected


# Both sides of every boundary, by hand -------------------------------------------------------------------
NY = ZoneInfo("America/New_York")
NINE_TO_SIX = {day: [(time(9), time(18))] for day in range(1, 6)}


def _ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NY)  # type: ignore[misc]


def test_open_at_opening_closed_at_closing_a_microsecond_either_side() -> None:
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX)
    opening, closing = _ny(2026, 6, 17, 9), _ny(2026, 6, 17, 18)
    assert [calendar.is_open(opening + _micro(k)) for k in (-1, 0, 1)] == [False, True, True]
    assert [calendar.is_open(closing + _micro(k)) for k in (-1, 0, 1)] == [True, False, False]
    assert calendar.next_opening(closing) == _ny(2026, 6, 18, 9)
    assert calendar.next_opening(opening - _micro(1)) == opening
    assert calendar.next_opening(opening + _micro(1)) == opening + _micro(1)


def test_an_sla_met_exactly_at_closing_breaches_a_microsecond_after_the_next_opening() -> None:
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX)
    created = _ny(2026, 6, 19, 17, 45)  # Friday, 15 minutes before closing
    assert calendar.deadline(created, 15) == _ny(2026, 6, 19, 18)
    monday = _ny(2026, 6, 22, 9)
    assert calendar.elapsed_between(created, monday) == timedelta(minutes=15)  # not breached yet
    assert calendar.breach_cutoff(monday, 15) == created  # so `created < cutoff` is false for it
    after = monday + _micro(1)
    assert calendar.elapsed_between(created, after) == timedelta(minutes=15, microseconds=1)
    assert calendar.breach_cutoff(after, 15) == created + _micro(1)  # breached now


def test_the_cutoff_is_the_closing_instant_when_the_limit_is_reached_at_closing() -> None:
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX)
    # At Monday 09:15, a ticket from Friday 18:00 or from Saturday has waited exactly 15 minutes.
    cutoff = calendar.breach_cutoff(_ny(2026, 6, 22, 9, 15), 15)
    assert cutoff == _ny(2026, 6, 19, 18)
    assert calendar.elapsed_between(_ny(2026, 6, 20, 12), _ny(2026, 6, 22, 9, 15)) == timedelta(minutes=15)
    before = cutoff - _micro(1)
    assert calendar.elapsed_between(before, _ny(2026, 6, 22, 9, 15)) == timedelta(minutes=15, microseconds=1)


def test_clock_changes_skip_and_repeat_wall_clock_hours() -> None:
    # Open 01:30-03:30: in spring 02:00-03:00 never happens, in autumn 01:30-02:00 happens twice.
    night = {day: [(time(1, 30), time(3, 30))] for day in range(1, 8)}
    calendar = BusinessCalendar(timezone=NY, hours=night)
    spring = calendar.elapsed_between(_ny(2026, 3, 8), _ny(2026, 3, 8, 12))
    autumn = calendar.elapsed_between(_ny(2026, 11, 1), _ny(2026, 11, 1, 12))
    ordinary = calendar.elapsed_between(_ny(2026, 6, 7), _ny(2026, 6, 7, 12))
    assert (spring, ordinary, autumn) == (
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2, minutes=30),
    )


def test_a_day_open_around_the_clock_lasts_23_or_25_hours_when_clocks_change() -> None:
    calendar = BusinessCalendar(timezone=NY, hours={day: [(time(0), time(0))] for day in range(1, 8)})
    assert calendar.elapsed_between(_ny(2026, 3, 8), _ny(2026, 3, 9)) == timedelta(hours=23)
    assert calendar.elapsed_between(_ny(2026, 11, 1), _ny(2026, 11, 2)) == timedelta(hours=25)


def test_a_calendar_that_never_opens_stops_every_sla_clock() -> None:
    calendar = BusinessCalendar(timezone=NY, hours={})
    now = _ny(2026, 6, 17, 12)
    assert not calendar.is_open(now)
    assert calendar.elapsed_between(now - timedelta(days=30), now) == timedelta(0)
    assert calendar.breach_cutoff(now, 15) == NEVER
    assert calendar.deadline(now, 15) is None
    assert calendar.next_opening(now) is None


def test_sla_limits_are_whole_microseconds_of_the_minutes_as_written() -> None:
    assert [limit_micros(m) for m in (0, 0.1, 15, 90.5, 1234.5)] == [
        0,
        6_000_000,
        900_000_000,
        5_430_000_000,
        74_070_000_000,
    ]


def test_elapsed_for_thousands_of_tickets_at_once_matches_one_at_a_time() -> None:
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX, days_off=DaysOff(country="US"))
    rng = np.random.default_rng(11)
    now = _ny(2026, 11, 27, 10)
    created = to_micros([now]) - rng.integers(0, 60 * 86_400 * 1_000_000, 5_000)
    ends = np.full(len(created), to_micros([now])[0])
    together = calendar.elapsed(created, ends)
    for i in range(0, 5_000, 500):
        one = calendar.elapsed(created[i : i + 1], ends[i : i + 1])
        assert together[i] == one[0]
    # The cutoff and the per-ticket judgement agree on every one of them.
    cutoff = to_micros([calendar.breach_cutoff(now, 60)])[0]
    assert np.array_equal(created < cutoff, together > limit_micros(60))


def test_promotions_cover_whole_local_dates() -> None:
    from hotdash.kernel.calendar import Period

    sale = Period("promotion", "Black Friday", date(2026, 11, 27), date(2026, 11, 30))
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX, periods=[sale])
    assert not calendar.in_promotion(_ny(2026, 11, 26, 23, 59, 59, 999_999))
    assert calendar.in_promotion(_ny(2026, 11, 27))
    assert calendar.in_promotion(_ny(2026, 11, 30, 23, 59))
    assert not calendar.in_promotion(_ny(2026, 12, 1))
    # 04:30 UTC on 1 December is still 30 November in New York.
    assert calendar.in_promotion(datetime(2026, 12, 1, 4, 30, tzinfo=UTC))


def test_a_start_mistyped_decades_back_counts_ten_years_and_no_more() -> None:
    calendar = BusinessCalendar(timezone="UTC", hours={day: [(time(0), time(0))] for day in range(1, 8)})
    now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    assert calendar.elapsed_between(datetime(1950, 1, 1, tzinfo=UTC), now) == timedelta(days=3660)
    assert calendar.elapsed_between(now - timedelta(days=3000), now) == timedelta(days=3000)


def test_more_than_ten_years_of_closed_days_mean_never() -> None:
    closed = {date(2020, 1, 1) + timedelta(days=k) for k in range(11 * 366)}  # to January 2031
    calendar = BusinessCalendar(timezone=NY, hours=NINE_TO_SIX, days_off=closed)
    start = _ny(2020, 1, 1, 12)
    assert calendar.deadline(start, 15) is None
    assert calendar.next_opening(start) is None
    # Looking back from mid-2030, nothing was open for ten years: nothing started in them has breached.
    assert calendar.breach_cutoff(_ny(2030, 6, 1), 15) == NEVER
