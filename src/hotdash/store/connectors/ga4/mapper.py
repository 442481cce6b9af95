"""Google Analytics 4 reports to canonical page traffic.

Reads the Data API `runReport` response (`dimensionHeaders`, `metricHeaders`, `rows[]` of `dimensionValues`
and `metricValues`) and the CSV a report downloads as from the GA4 interface (`#` comment lines, then the
table). Both need a landing page dimension (`landingPage` or `landingPagePlusQueryString`) and, unless the
caller names the day the report covers, the `date` dimension. Pure functions: no database, no network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from hotdash.store.connectors import traffic_rules as tr

SOURCE_KIND = "ga4"

# Each canonical figure and the GA4 metrics that can give it, best first. Conversions are purchases where the
# report has them (what the store means by a conversion), else GA4's key events (formerly "conversions").
METRICS: dict[str, tuple[str, ...]] = {
    "sessions": ("sessions",),
    "conversions": ("ecommercePurchases", "transactions", "keyEvents", "conversions"),
    "revenue": ("purchaseRevenue", "totalRevenue"),
}
PAGE_DIMENSIONS = ("landingPagePlusQueryString", "landingPage")
# The column titles of the same dimensions and metrics in a CSV download.
CSV_NAMES = {
    "landing page + query string": "landingPagePlusQueryString",
    "landing page": "landingPage",
    "date": "date",
    "sessions": "sessions",
    "ecommerce purchases": "ecommercePurchases",
    "transactions": "transactions",
    "key events": "keyEvents",
    "conversions": "conversions",
    "purchase revenue": "purchaseRevenue",
    "total revenue": "totalRevenue",
}


TOTAL_LABELS = frozenset({"", "total", "totals", "grand total"})


class ReportError(ValueError):
    """The report cannot be read as page traffic at all (a missing column, not a bad row)."""


def map_run_report(report: Mapping[str, Any], *, day: date | None = None) -> tr.TrafficBatch:
    """Return the page traffic of one runReport response."""
    dimensions = [str(h.get("name")) for h in report.get("dimensionHeaders") or []]
    metrics = [str(h.get("name")) for h in report.get("metricHeaders") or []]
    columns = _columns(dimensions + metrics, day)
    rows: list[list[str]] = []
    for row in report.get("rows") or []:
        values = [str(v.get("value", "")) for v in row.get("dimensionValues") or []]
        values += [str(v.get("value", "")) for v in row.get("metricValues") or []]
        rows.append(values)
    # A JSON response has no lines; a row's position (1 = first row) is what a person can find.
    return _read(rows, columns, day, first_line=1)


def map_csv(text: str, *, day: date | None = None) -> tr.TrafficBatch:
    """Return the page traffic of a GA4 CSV download: the first table with a landing page column."""
    for header_line, table in tr.csv_sections(text):
        names = [CSV_NAMES.get(h.strip().lower(), h.strip()) for h in table[0]]
        if any(p in names for p in PAGE_DIMENSIONS):
            return _read(table[1:], _columns(names, day), day, first_line=header_line + 1)
    raise ReportError("no table with a 'Landing page' column in this file: export the Landing page report")


def _columns(names: Sequence[str], day: date | None) -> dict[str, int]:
    """Return where each needed value is, by canonical name; raise ReportError naming what is missing."""
    where: dict[str, int] = {}
    page = next((p for p in PAGE_DIMENSIONS if p in names), None)
    if page is None:
        raise ReportError("the report has no landingPage or landingPagePlusQueryString dimension")
    where["landing_page"] = names.index(page)
    if "date" in names:
        where["day"] = names.index("date")
    elif day is None:
        raise ReportError("the report has no date dimension: add it, or give the day the report covers")
    for figure, candidates in METRICS.items():
        found = next((m for m in candidates if m in names), None)
        if found is None:
            raise ReportError(f"the report has no metric for {figure} (one of: {', '.join(candidates)})")
        where[figure] = names.index(found)
    return where


def _read(
    rows: Sequence[Sequence[str]], where: Mapping[str, int], day: date | None, first_line: int
) -> tr.TrafficBatch:
    out = tr.TrafficBatch()
    parsed: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        line = first_line + offset
        try:
            if len(row) <= max(where.values()):
                raise ValueError(f"{len(row)} values, expected at least {max(where.values()) + 1}")
            if row[where["landing_page"]].strip().lower() in TOTAL_LABELS:
                # A totals line: GA4 says "(not set)" for sessions without a page, never an empty cell.
                continue
            parsed.append(
                {
                    "day": _day(row[where["day"]]) if "day" in where else day,
                    "landing_page": tr.landing_page(row[where["landing_page"]]),
                    "sessions": tr.count(row[where["sessions"]]),
                    "conversions": tr.count(row[where["conversions"]]),
                    "revenue": tr.money(row[where["revenue"]]),
                }
            )
        except ValueError as exc:
            out.problems.append(tr.RowProblem(line=line, message=str(exc)))
    out.records = tr.merge(parsed)
    return out


def _day(value: str) -> date:
    """Return the day of a GA4 date value (20241130; the CSV may also say 2024-11-30)."""
    text = value.strip()
    for form in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day, not an instant
        except ValueError:
            continue
    raise ValueError(f"not a GA4 date: {value!r}")
