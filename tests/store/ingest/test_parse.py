"""Text values from files read into record values the way docs/import.md says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hotdash.store.ingest.files.parse import (
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_time,
    parse_timestamp,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-30T14:05:00+01:00", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("2026-11-30T13:05:00Z", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("2026-11-30 13:05:00.250-05:00", datetime(2026, 11, 30, 18, 5, 0, 250000, tzinfo=UTC)),
        # No offset: the store's local time (Berlin is UTC+1 in November, UTC+2 in July).
        ("2026-11-30 14:05", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("2026-07-01T14:05:00", datetime(2026, 7, 1, 12, 5, tzinfo=UTC)),
        ("2026-11-30", datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),
        ("Mon, 30 Nov 2026 13:05:00 +0000", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("2026/11/30 14:05", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("30.11.2026 14:05", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("11/30/2026 14:05", datetime(2026, 11, 30, 13, 5, tzinfo=UTC)),
        ("30/11/2026", datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_in_common_layouts_become_the_right_instant(text: str, instant: datetime) -> None:
    assert parse_timestamp(text, BERLIN) == instant


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2026", "ambiguous"),
        ("31/02/2026", "not a real date"),
        ("2026-13-01", "not a timestamp"),
        ("yesterday", "not a timestamp"),
    ],
)
def test_unreadable_or_ambiguous_timestamps_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_timestamp(text, BERLIN)


def test_an_explicit_offset_wins_over_the_store_timezone() -> None:
    value = parse_timestamp("2026-11-30T14:05:00+05:30", BERLIN)
    assert value.utcoffset() == timedelta(hours=5, minutes=30)
    assert value == datetime(2026, 11, 30, 14, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234.5", Decimal("1234.5")),
        ("1,234.50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("12,5", Decimal("12.5")),
        ("1,234", Decimal("1234")),
        ("1,234,567", Decimal("1234567")),
        (" € 19.99 ", Decimal("19.99")),
        ("$-3", Decimal("-3")),
    ],
)
def test_decimals_in_common_layouts(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["12.5.3", "1,2,3", "abc", "NaN", "Infinity", ""])
def test_things_that_are_not_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("YES", True), ("1", True), ("f", False), ("No", False)]
)
def test_booleans(text: str, value: bool) -> None:
    assert parse_bool(text) is value


def test_other_values_are_read_strictly() -> None:
    assert parse_int(" 42 ") == 42
    assert parse_int("7.0") == 7
    with pytest.raises(ValueError, match="whole number"):
        parse_int("7.5")
    with pytest.raises(ValueError, match="boolean"):
        parse_bool("maybe")
    assert parse_time("09:30") == time(9, 30)
    assert parse_date("2026-11-30") == date(2026, 11, 30)
    assert parse_date("30.11.2026") == date(2026, 11, 30)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("30.11.2026 10:00")
