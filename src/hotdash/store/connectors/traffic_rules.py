"""The rules the analytics mappers share: one landing page form, one external id, one row per page and day."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

EXTERNAL_ID_LENGTH = 128  # the column's width


@dataclass(frozen=True)
class RowProblem:
    """A row a mapper could not read, with the line a person can find it on."""

    line: int
    message: str


@dataclass
class TrafficBatch:
    """The page_traffic records of one file or response, and the rows that could not be read."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def batch(self) -> dict[str, list[dict[str, Any]]]:
        """Return the canonical batch."""
        return {"page_traffic": self.records}


def landing_page(value: str) -> str:
    """Return the path of a landing page: no scheme, host, query string or fragment, no trailing slash.

    GA4's "(not set)" and "(other)" are kept as they are: they are real sessions without a known page.
    """
    text = value.strip()
    if not text or text.startswith("("):
        return text or "(not set)"
    parts = urlsplit(text if "://" in text or text.startswith("//") else "//host" + _rooted(text))
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path[:512]


def _rooted(text: str) -> str:
    return text if text.startswith("/") else "/" + text


def external_id(day: date, page: str) -> str:
    """Return the record's id in its source: the day and the page, hashed when too long for the column."""
    plain = f"{day.isoformat()}:{page}"
    if len(plain) <= EXTERNAL_ID_LENGTH:
        return plain
    return f"{day.isoformat()}:sha256:{hashlib.sha256(page.encode()).hexdigest()}"


def merge(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return one record per (day, landing page), summing the figures of rows that normalise to the same page.

    "/?utm_source=a" and "/?utm_source=b" are the same landing page once the query string is gone.
    """
    merged: dict[tuple[date, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["day"], row["landing_page"])
        into = merged.get(key)
        if into is None:
            merged[key] = {"external_id": external_id(*key), **row}
            continue
        for name, value in row.items():
            if name not in ("day", "landing_page"):
                into[name] = into.get(name, 0) + value
    return list(merged.values())


def count(value: str) -> int:
    """Return a count from a report cell ("1234", "1,234", "12.0"); raise ValueError if it is not one."""
    number = decimal(value)
    if number < 0:
        raise ValueError(f"negative count {value!r}")
    return int(number.to_integral_value(ROUND_HALF_UP))


def money(value: str) -> Decimal:
    """Return an amount rounded to cents from a report cell ("123.456", "$1,234.50")."""
    return decimal(value.replace("$", "").replace("€", "").replace("£", "")).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def decimal(value: str) -> Decimal:
    """Return a number from a report cell; raise ValueError if it is not one."""
    text = value.strip().replace(",", "")
    try:
        number = Decimal(text or "0")
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return number


def csv_sections(text: str) -> list[tuple[int, list[list[str]]]]:
    """Split an export into its tables: `#` lines are comments and blank lines end a table.

    Returns (line number of the header, rows including the header) per table, so problems name real lines.
    """
    sections: list[tuple[int, list[list[str]]]] = []
    current: list[list[str]] = []
    start = 0
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                sections.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(next(csv.reader(io.StringIO(line))))
    if current:
        sections.append((start, current))
    return sections
