"""GA4 reports and Search Console exports become page traffic, one record per page and day.

The reports are written from Google's published formats (see fixtures/ga4/README.md, fixtures/gsc/README.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hotdash.store.connectors import traffic_rules as tr
from hotdash.store.connectors.ga4.mapper import ReportError, map_csv, map_run_report
from hotdash.store.connectors.search_console import mapper as gsc
from tests.store.connectors.helpers import load, text


def by_key(records: list[dict[str, object]]) -> dict[tuple[object, object], dict[str, object]]:
    return {(r["day"], r["landing_page"]): r for r in records}


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("/", "/"),
        ("/?utm_source=x", "/"),
        ("/products/a/?variant=1#reviews", "/products/a"),
        ("https://shop.example.com/products/a?x=1", "/products/a"),
        ("shop.example.com/products/a", "/shop.example.com/products/a"),  # no scheme: read as a path
        ("products/a", "/products/a"),
        ("(not set)", "(not set)"),
        ("", "(not set)"),
    ],
)
def test_landing_page_is_the_path(raw: str, page: str) -> None:
    assert tr.landing_page(raw) == page


def test_run_report_rows_merge_per_page_and_day() -> None:
    result = map_run_report(load("ga4", "run_report.json"))
    assert result.problems == []
    rows = by_key(result.records)
    home = rows[(date(2025, 11, 30), "/")]
    # "/" and "/?utm_source=newsletter..." are one landing page: 812 + 120 sessions.
    assert (home["sessions"], home["conversions"], home["revenue"]) == (932, 23, Decimal("1760.76"))
    assert home["external_id"] == "2025-11-30:/"
    pack = rows[(date(2025, 12, 1), "/products/trail-daypack-28l")]
    assert (pack["sessions"], pack["conversions"], pack["revenue"]) == (401, 7, Decimal("623.00"))
    assert rows[(date(2025, 12, 1), "(not set)")]["sessions"] == 25
    assert len(rows) == 4


def test_csv_download_skips_comments_and_names_the_bad_line() -> None:
    result = map_csv(text("ga4", "landing_pages.csv"))
    rows = by_key(result.records)
    assert rows[(date(2025, 11, 30), "/")]["sessions"] == 867  # 812 + 55 from the gclid landing
    assert rows[(date(2025, 11, 30), "/")]["revenue"] == Decimal("1538.60")
    tents = rows[(date(2025, 12, 1), "/collections/tents")]
    assert (tents["sessions"], tents["revenue"]) == (1204, Decimal("3120.75"))
    # Line 15 of the file is "oops" sessions: reported with its line, the other rows still map.
    assert [(p.line, "not a number" in p.message) for p in result.problems] == [(15, True)]
    assert len(rows) == 3


def test_a_report_without_what_page_traffic_needs_is_refused_with_the_reason() -> None:
    report = load("ga4", "run_report.json")
    no_date = report | {"dimensionHeaders": report["dimensionHeaders"][1:]}
    with pytest.raises(ReportError, match="no date dimension"):
        map_run_report(no_date)
    no_revenue = report | {"metricHeaders": report["metricHeaders"][:2]}
    with pytest.raises(ReportError, match="revenue"):
        map_run_report(no_revenue)
    with pytest.raises(ReportError, match="Landing page"):
        map_csv("# GA4\nCountry,Sessions\nFrance,12\n")


def test_a_report_without_date_needs_the_day_it_covers() -> None:
    report = load("ga4", "run_report.json")
    rows = [
        {"dimensionValues": r["dimensionValues"][1:], "metricValues": r["metricValues"]}
        for r in report["rows"]
    ]
    single = report | {"dimensionHeaders": report["dimensionHeaders"][1:], "rows": rows}
    result = map_run_report(single, day=date(2025, 12, 1))
    assert {r["day"] for r in result.records} == {date(2025, 12, 1)}


def test_search_console_pages_export_fills_only_the_search_columns() -> None:
    result = gsc.map_csv(text("gsc", "Pages.csv"), day=date(2025, 11, 30))
    rows = by_key(result.records)
    home = rows[(date(2025, 11, 30), "/")]
    assert (home["search_clicks"], home["search_impressions"]) == (340, 9120)
    assert rows[(date(2025, 11, 30), "/blogs/journal/how-to-choose-a-hiking-daypack")]["search_clicks"] == 88
    # Never sessions, conversions or revenue: those are GA4's, and a missing key keeps what GA4 stored.
    assert all({"sessions", "conversions", "revenue"}.isdisjoint(r) for r in result.records)


def test_search_console_pages_export_without_a_day_is_refused() -> None:
    with pytest.raises(gsc.ExportError, match="whole date range"):
        gsc.map_csv(text("gsc", "Pages.csv"))


def test_search_console_dated_export() -> None:
    result = gsc.map_csv(text("gsc", "pages_by_date.csv"))
    rows = by_key(result.records)
    # www and bare host are the same path once the host is dropped: 150 + 10 clicks.
    assert rows[(date(2025, 11, 30), "/")]["search_clicks"] == 160
    assert rows[(date(2025, 12, 1), "/products/trail-daypack-28l")]["search_impressions"] == 1000
    # An empty Clicks cell reads as 0 (Search Console leaves it empty for none), not as a problem.
    assert rows[(date(2025, 12, 1), "/collections/tents")]["search_clicks"] == 0
    assert result.problems == []


def test_long_pages_get_a_hashed_external_id_that_fits() -> None:
    page = "/" + "a" * 300
    assert len(tr.external_id(date(2025, 1, 1), page)) <= tr.EXTERNAL_ID_LENGTH
    assert tr.external_id(date(2025, 1, 1), page) != tr.external_id(date(2025, 1, 1), page + "b")
