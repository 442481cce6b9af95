"""Google Search Console performance exports to canonical page traffic.

Reads `Pages.csv` of the performance report download (Top pages, Clicks, Impressions, CTR, Position), which
covers the report's whole date range and so needs the caller to say which single day it is, and the dated form
(a Date column beside the page: one row per page and day). Pure functions: no database, no network.

Search clicks are not sessions: GA4 counts sessions from every channel, Search Console counts clicks from
Google's results. A Search Console record fills only `search_clicks` and `search_impressions`; it never
carries sessions, conversions or revenue, so it cannot overwrite what GA4 wrote for the same page and day
(absent keys keep what is stored), and GA4 cannot overwrite the search figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from hotdash.store.connectors import traffic_rules as tr

SOURCE_KIND = "gsc"

PAGE_COLUMNS = ("top pages", "page", "pages", "landing page", "url")
NEEDED = ("clicks", "impressions")


class ExportError(ValueError):
    """The file cannot be read as a Search Console pages export at all."""


def map_csv(text: str, *, day: date | None = None) -> tr.TrafficBatch:
    """Return the page traffic of a Search Console CSV: Pages.csv (with `day`) or a dated pages export."""
    for header_line, table in tr.csv_sections(text):
        names = [h.strip().lower() for h in table[0]]
        if any(p in names for p in PAGE_COLUMNS):
            return _read(table[1:], _columns(names, day), day, header_line + 1)
    raise ExportError(
        "no 'Top pages' (or 'Page') column in this file: use Pages.csv of the performance export"
    )


def _columns(names: Sequence[str], day: date | None) -> dict[str, int]:
    where = {"landing_page": next(names.index(p) for p in PAGE_COLUMNS if p in names)}
    for name in NEEDED:
        if name not in names:
            raise ExportError(f"the export has no {name.title()} column")
        where[name] = names.index(name)
    if "date" in names:
        where["day"] = names.index("date")
    elif day is None:
        raise ExportError(
            "Pages.csv covers the report's whole date range: give the day it covers (export one day at a "
            "time) or export with a Date column"
        )
    return where


def _read(
    rows: Sequence[Sequence[str]], where: Mapping[str, int], day: date | None, first_line: int
) -> tr.TrafficBatch:
    out = tr.TrafficBatch()
    parsed: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        try:
            if len(row) <= max(where.values()):
                raise ValueError(f"{len(row)} values, expected at least {max(where.values()) + 1}")
            if not row[where["landing_page"]].strip():
                raise ValueError("no page on this row")
            parsed.append(
                {
                    "day": _day(row[where["day"]]) if "day" in where else day,
                    "landing_page": tr.landing_page(row[where["landing_page"]]),
                    "search_clicks": tr.count(row[where["clicks"]]),
                    "search_impressions": tr.count(row[where["impressions"]]),
                }
            )
        except ValueError as exc:
            out.problems.append(tr.RowProblem(line=first_line + offset, message=str(exc)))
    out.records = tr.merge(parsed)
    return out


def _day(value: str) -> date:
    text = value.strip()
    for form in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day, not an instant
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")
