"""Text from files into record values: timestamps, dates, decimals, booleans, in the forms exports use.

The rules (docs/import.md repeats them for users):

- An empty cell (or JSON null) is "no value": null for a field that may be null; otherwise the field is left
  out, so a new record gets the default and an existing one keeps what is stored.
- Timestamps: ISO 8601 with an offset or `Z` (`2026-11-30T14:05:00+01:00`, `2026-11-30 13:05Z`), RFC 2822
  (`Mon, 30 Nov 2026 13:05:00 +0000`), `2026/11/30 14:05`, `30.11.2026 14:05`, and US or European slash dates
  (`11/30/2026`, `30/11/2026`) when only one reading is a real date. A time without an offset, or a date
  alone, is read in the store's timezone (shop exports show local times). A slash date both ways valid
  (`03/04/2026`) is refused as ambiguous.
- Decimals: `1234.5`, `1,234.50`, `1.234,50`, `1234,5`, with an optional currency sign ($ € £) and spaces. A
  lone comma is the decimal separator unless exactly three digits follow it (`1,234` is 1234).
- Booleans: true/false, 1/0, yes/no, y/n, t/f, in any case.
- Integers: digits with an optional sign (a trailing `.0` from spreadsheets is accepted).
- Times of day: `HH:MM` or `HH:MM:SS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotdash.store.ingest.records import RECORDS, describe_type

Converter = Callable[[str], Any]

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_INT = re.compile(r"[+-]?\d+(\.0*)?")
_CURRENCY = str.maketrans("", "", "$€£ \u00a0")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](.+))?")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](.+))?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](.+))?")


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean: use true/false, 1/0 or yes/no")


def parse_int(text: str) -> int:
    word = text.strip()
    if not _INT.fullmatch(word):
        raise ValueError(f"{text!r} is not a whole number")
    return int(word.split(".")[0])


def parse_decimal(text: str) -> Decimal:
    word = text.strip().translate(_CURRENCY)
    if "," in word and "." in word:
        # The later separator is the decimal one: 1,234.50 and 1.234,50.
        thousands = "," if word.rfind(",") < word.rfind(".") else "."
        word = word.replace(thousands, "").replace(",", ".")
    elif "," in word:
        groups = word.split(",")
        if all(len(group) == 3 for group in groups[1:]):
            word = "".join(groups)  # 1,234 and 1,234,567: thousands
        elif len(groups) == 2:
            word = ".".join(groups)  # 12,5 and 1234,50: a decimal comma
        else:
            raise ValueError(f"{text!r} is not a number")
    try:
        value = Decimal(word)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_time(text: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day: use HH:MM or HH:MM:SS") from None
    return value


def _clock(rest: str | None) -> time:
    return time() if rest is None else parse_time(rest)


def _day_month(first: int, second: int, year: int, original: str) -> date:
    readings = set()
    for month, day in ((first, second), (second, first)):
        try:
            readings.add(date(year, month, day))
        except ValueError:
            continue
    if len(readings) == 1:
        return readings.pop()
    if not readings:
        raise ValueError(f"{original!r} is not a real date")
    raise ValueError(f"{original!r} is ambiguous (month/day or day/month?): use YYYY-MM-DD")


def _local_forms(text: str) -> datetime | None:
    """Read the non-ISO layouts; None if the text is none of them."""
    for pattern, order in ((_YMD_SLASH, "ymd"), (_DOTTED, "dmy"), (_SLASHED, "either")):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        a, b, c = (int(part) for part in match.groups()[:3])
        if order == "ymd":
            day = date(a, b, c)
        elif order == "dmy":
            day = date(c, b, a)
        else:
            day = _day_month(a, b, c, text)
        return datetime.combine(day, _clock(match.group(4)))
    return None


def parse_timestamp(text: str, tz: ZoneInfo) -> datetime:
    word = text.strip()
    value: datetime | None
    try:
        value = datetime.fromisoformat(word)
    except ValueError:
        value = None
    if value is None:
        try:
            value = _local_forms(word)
        except ValueError as bad:
            if "ambiguous" in str(bad) or "real date" in str(bad):
                raise
            value = None
    if value is None:
        try:
            value = parsedate_to_datetime(word)
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                f"{text!r} is not a timestamp: use ISO 8601, e.g. 2026-11-30T14:05:00+01:00"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def parse_date(text: str) -> date:
    word = text.strip()
    try:
        return date.fromisoformat(word)
    except ValueError:
        pass
    value = _local_forms(word)
    if value is None or value.time() != time():
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD")
    return value.date()


def converters(entity: str, tz: ZoneInfo) -> dict[str, tuple[Converter, bool]]:
    """Return field -> (text converter, field may be null) for an entity's record."""
    out: dict[str, tuple[Converter, bool]] = {}
    for name, info in RECORDS[entity].model_fields.items():
        kind = describe_type(entity, name)
        nullable = "None" in str(info.annotation)
        convert: Converter
        if kind == "timestamp":

            def convert(text: str) -> datetime:
                return parse_timestamp(text, tz)

        elif kind == "date":
            convert = parse_date
        elif kind == "time":
            convert = parse_time
        elif kind == "decimal":
            convert = parse_decimal
        elif kind == "integer":
            convert = parse_int
        elif kind == "boolean":
            convert = parse_bool
        else:
            convert = str.strip
        out[name] = (convert, nullable)
    return out
