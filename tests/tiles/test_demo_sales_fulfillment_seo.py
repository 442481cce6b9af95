"""Sales Pulse, Fulfillment Health and SEO Content on the generated small demo: its planted situations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.kernel.tunables import Tunables
from hotdash.store.demo.service import DemoReport
from hotdash.store.models import Location, Order
from hotdash.tiles import fulfillment, sales, seo
from hotdash.tiles.context import make_context, resolve_store
from hotdash.tiles.schemas import Status, TileResult
from hotdash.tiles.windows import WindowName
from tests.store.demo_fixtures import DEMO_NOW, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, DemoReport]]:
    engine, report = build_demo(tmp_path_factory.mktemp("demo") / "demo.db")
    session = session_factory(engine)()
    yield session, report
    session.close()
    engine.dispose()


def run(session: Session, tile: object, window: WindowName = WindowName.today) -> TileResult:
    store = resolve_store(session=session, store_id=None)
    ctx = make_context(session=session, store=store, now=DEMO_NOW, window=window, thresholds=Tunables())
    return tile.compute(ctx)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("window", list(WindowName))
def test_sales_pulse_lists_top_skus(demo: tuple[Session, DemoReport], window: WindowName) -> None:
    session, _ = demo
    result = run(session, sales, window)
    top = result.extra_charts[0]
    assert len(top.x) == 5
    revenue = top.series[0].values
    assert all(v is not None and v > 0 for v in revenue)
    assert revenue == sorted(revenue, reverse=True)
    assert next(f for f in result.figures if f.key == "revenue").value


def test_fulfillment_is_critical_with_fedex_holding_most_delays(demo: tuple[Session, DemoReport]) -> None:
    session, report = demo
    result = run(session, fulfillment)
    assert result.status is Status.critical
    hotspot = next(e for e in result.exceptions if e.key == "carrier_hotspot")
    assert hotspot.title.startswith(f"{report.scenarios.delayed_carrier} holds")
    by_carrier = dict(zip(result.extra_charts[0].x, result.extra_charts[0].series[0].values, strict=True))
    shipped = {k: v for k, v in by_carrier.items() if k != "not shipped"}
    assert max(shipped, key=lambda k: shipped[k] or 0) == "FedEx"
    # The backlogged warehouse shows, and its count matches a count of the raw orders.
    assert result.chart is not None
    by_warehouse = dict(zip(result.chart.x, result.chart.series[0].values, strict=True))
    backlog = report.scenarios.backlogged_location
    late_open = (
        session.execute(
            select(Location.name)
            .join(Order, Order.location_id == Location.id)
            .where(
                Order.fulfillment_status.in_(("unfulfilled", "partial")),
                Order.cancelled_at.is_(None),
                Order.ship_by < DEMO_NOW,
            )
        )
        .scalars()
        .all()
    )
    late_shipped = (
        session.execute(
            select(Location.name)
            .join(Order, Order.location_id == Location.id)
            .where(
                Order.fulfillment_status == "fulfilled",
                Order.cancelled_at.is_(None),
                Order.deliver_by < DEMO_NOW,
            )
        )
        .scalars()
        .all()
    )
    expected = Counter(late_open) + Counter(late_shipped)
    assert by_warehouse[backlog] == expected[backlog] > 0
    assert Counter(late_open).most_common(1)[0][0] == backlog  # the backlog: orders not shipped in time


def test_seo_flags_exactly_the_dropping_page(demo: tuple[Session, DemoReport]) -> None:
    session, report = demo
    result = run(session, seo)
    pages = [e.records[0].label for e in result.exceptions if e.key.startswith("page_drop_")]
    assert pages == [report.scenarios.dropping_page]
    assert not any(e.key == "site_traffic_drop" for e in result.exceptions)
