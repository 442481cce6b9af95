"""GA4 and Search Console through upsert_batch: one row per page and day, each source in its own columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.store.connectors import traffic_rules as tr
from hotdash.store.connectors.ga4.mapper import map_csv, map_run_report
from hotdash.store.connectors.search_console import mapper as gsc
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import PageTraffic
from tests.store.connectors.helpers import load, seed_shop, text

Row = tuple[int, int, Decimal, int | None, int | None]


@pytest.fixture
def shop(engine: Engine) -> Iterator[tuple[Session, int]]:
    with session_factory(engine)() as session:
        yield session, seed_shop(session)


def push(session: Session, store_id: int, source: str, mapped: tr.TrafficBatch) -> dict[str, int]:
    result = upsert_batch(session=session, store_id=store_id, source=source, batch=mapped.batch())
    session.commit()
    return {k: v for k, v in result.counts["page_traffic"].items() if v}


def stored(session: Session) -> dict[tuple[date, str], Row]:
    rows = session.execute(
        select(
            PageTraffic.day,
            PageTraffic.landing_page,
            PageTraffic.sessions,
            PageTraffic.conversions,
            PageTraffic.revenue,
            PageTraffic.search_clicks,
            PageTraffic.search_impressions,
        )
    ).all()
    return {(r[0], r[1]): (r[2], r[3], r[4], r[5], r[6]) for r in rows}


def test_ga4_then_search_console_fill_their_own_columns(shop: tuple[Session, int]) -> None:
    session, store_id = shop
    assert push(session, store_id, "ga4", map_run_report(load("ga4", "run_report.json"))) == {"inserted": 4}
    assert push(session, store_id, "gsc", gsc.map_csv(text("gsc", "pages_by_date.csv"))) == {
        "updated": 2,
        "inserted": 1,
    }
    rows = stored(session)
    # GA4's figures are untouched by Search Console, which added its clicks beside them.
    assert rows[(date(2025, 11, 30), "/")] == (932, 23, Decimal("1760.76"), 160, 4300)
    assert rows[(date(2025, 12, 1), "/products/trail-daypack-28l")] == (401, 7, Decimal("623.00"), 60, 1000)
    # A page only Search Console knows: no sessions yet (0 until GA4 reports the day).
    assert rows[(date(2025, 12, 1), "/collections/tents")] == (0, 0, Decimal("0.00"), 0, 500)
    assert rows[(date(2025, 11, 30), "/products/trail-daypack-28l")][3] is None  # GSC did not report it


def test_search_console_first_then_ga4_keeps_the_clicks(shop: tuple[Session, int]) -> None:
    session, store_id = shop
    push(session, store_id, "gsc", gsc.map_csv(text("gsc", "pages_by_date.csv")))
    # "/" on 11-30 and the tents page on 12-01 were there from Search Console; the blog post is new.
    assert push(session, store_id, "ga4", map_csv(text("ga4", "landing_pages.csv"))) == {
        "updated": 2,
        "inserted": 1,
    }
    rows = stored(session)
    assert rows[(date(2025, 12, 1), "/collections/tents")] == (1204, 30, Decimal("3120.75"), 0, 500)
    assert rows[(date(2025, 11, 30), "/")] == (867, 20, Decimal("1538.60"), 160, 4300)
    # Importing the same file twice changes nothing.
    assert push(session, store_id, "ga4", map_csv(text("ga4", "landing_pages.csv"))) == {"unchanged": 3}
