"""Inventory Heatmap on a hand-made catalog whose covers, tiers and priorities are known by construction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.store.demo.service import DemoReport
from hotdash.tiles import inventory
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import Status, TileException, TileResult
from hotdash.tiles.windows import WindowName
from tests.store.demo_fixtures import DEMO_NOW, build_demo
from tests.tiles.builders import add

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)  # a Wednesday; 11:30 in New York
TODAY = NOW.date()
# SKU index -> (units per day over the last 28 days, unit price, available at the two active locations)
CATALOG = {
    0: (10, 450, (20, 10)),  # top seller, exactly 3.0 days of cover: P1, not P0
    1: (8, 100, (20, 0)),  # top seller, 2.5 days: P0
    2: (7, 100, (14, 0)),  # the first mid seller (rank 3 of 10), 2.0 days: P2
    3: (6, 100, (60, 0)),  # mid, 10 days
    4: (5, 100, (500, 0)),  # mid, 100 days
    5: (4, 100, (4, 0)),  # low, 1 day: P3
    6: (3, 100, (300, 0)),  # low, 100 days
    7: (2, 100, (50, 0)),  # low, 25 days
    8: (1, 100, (10, 0)),  # low, 10 days
    9: (0, 100, (0, 0)),  # never sells, out of stock
}


@dataclass
class Catalog:
    store: m.Store
    skus: list[m.Sku]


def catalog(session: Session) -> Catalog:
    store = add(session, m.Store)
    supplier = add(session, m.Supplier, lead_time_days=14, rush_fee=Decimal("500"))
    product = add(session, m.Product, store_id=store.id)
    main = add(session, m.Location, store_id=store.id, name="Main")
    second = add(session, m.Location, store_id=store.id, name="Second")
    closed = add(session, m.Location, store_id=store.id, name="Closed", is_active=False)
    skus = []
    for i, (per_day, price, (at_main, at_second)) in CATALOG.items():
        sku = add(
            session,
            m.Sku,
            product_id=product.id,
            supplier_id=supplier.id,
            sku=f"SKU-{i}",
            price=Decimal(price),
        )
        add(session, m.InventoryLevel, sku_id=sku.id, location_id=main.id, on_hand=at_main, available=at_main)
        add(
            session,
            m.InventoryLevel,
            sku_id=sku.id,
            location_id=second.id,
            on_hand=at_second,
            available=at_second,
        )
        add(session, m.InventoryLevel, sku_id=sku.id, location_id=closed.id, on_hand=1000, available=1000)
        for k in range(1, 29) if per_day else ():
            add(
                session,
                m.SkuSalesDaily,
                store_id=store.id,
                sku_id=sku.id,
                day=TODAY - timedelta(days=k),
                units=per_day,
                revenue=Decimal(per_day * price),
                orders=per_day,
            )
        skus.append(sku)
    # SKU-0 has a purchase order of 100 landing in 5 days.
    level = session.scalars(select(m.InventoryLevel).where(m.InventoryLevel.sku_id == skus[0].id)).first()
    assert level is not None
    level.incoming, level.incoming_eta = 100, NOW + timedelta(days=5)
    session.flush()
    return Catalog(store, skus)


def compute(session: Session, store: m.Store, now: datetime = NOW, **overrides: float) -> TileResult:
    ctx = make_context(
        session=session, store=store, now=now, window=WindowName.today, thresholds=Tunables(overrides)
    )
    return inventory.compute(ctx)


def exception(result: TileResult, key: str) -> TileException | None:
    return next((e for e in result.exceptions if e.key == key), None)


def codes(exc: TileException | None, shop: Catalog) -> list[str]:
    names = {s.id: s.sku for s in shop.skus}
    return [names[r.id] for r in exc.records] if exc else []


def figure(result: TileResult, key: str) -> float | None:
    return next(f.value for f in result.figures if f.key == key)


def test_priorities_follow_seller_tier_and_days_of_cover(session: Session) -> None:
    shop = catalog(session)
    result = compute(session, shop.store)
    assert codes(exception(result, "p0"), shop) == ["SKU-1"]
    assert codes(exception(result, "p1"), shop) == ["SKU-0"]  # 30 / 10 = 3.0 days exactly
    assert codes(exception(result, "p2"), shop) == ["SKU-2"]
    assert codes(exception(result, "p3"), shop) == ["SKU-5"]
    assert result.status is Status.critical
    assert (figure(result, "p0"), figure(result, "p1")) == (1, 1)
    assert figure(result, "out_of_stock") == 1  # SKU-9; the inactive location's stock does not count


def test_moving_the_top_seller_cut_makes_the_first_mid_seller_a_p0(session: Session) -> None:
    shop = catalog(session)
    result = compute(session, shop.store, **{"inventory.top_seller_pct": 30})
    assert codes(exception(result, "p0"), shop) == ["SKU-1", "SKU-2"]  # SKU-1 has more money at stake
    # The mid band moves down with it (ranks 4 to 6): SKU-5 is now a mid seller.
    assert codes(exception(result, "p2"), shop) == ["SKU-5"]
    assert exception(result, "p3") is None


def test_cover_reorder_and_money_at_risk(session: Session) -> None:
    shop = catalog(session)
    result = compute(session, shop.store)
    p0 = exception(result, "p0")
    assert p0 is not None
    # SKU-1: 20 units at 8 a day = 2.5 days; reorder 8 x (14 + 30) - 20 = 332; no purchase order, so out of
    # stock 14 - 2.5 = 11.5 days at 8 x $100.
    assert p0.records[0].label.startswith("SKU-1 SKU: 2.5 d cover at 8.0/day, reorder 332;")
    assert p0.money_at_stake == Decimal("9200.00")
    # SKU-0: the purchase order lands in 5 days: 2 days out at 10 x $450; reorder 10 x 44 - 30 - 100 = 310.
    p1 = exception(result, "p1")
    assert p1 is not None
    assert p1.money_at_stake == Decimal("9000.00")
    assert "reorder 310" in p1.records[0].label
    at_risk = 9200 + 9000 + (14 - 2) * 7 * 100 + (14 - 1) * 4 * 100
    assert figure(result, "revenue_at_risk") == pytest.approx(at_risk)


def test_expedite_pays_when_the_rush_fee_is_below_the_revenue_saved(session: Session) -> None:
    shop = catalog(session)
    result = compute(session, shop.store)
    rush = exception(result, "expedite")
    assert rush is not None
    # SKU-0: rushing (3 days) beats the PO (5 days): saves 2 days x 10 x $450 = $9,000 for $500.
    # SKU-1: rushing brings stock in 3 days instead of 14: 11 days x 8 x $100 = $8,800 saved.
    assert [r.label for r in rush.records] == [
        "SKU-0: Pay $500.00 to save $9,000.00 -> YES",
        "SKU-1: Pay $500.00 to save $8,800.00 -> YES",
    ]
    assert rush.money_at_stake == Decimal("17800.00")
    assert result.recommendation.action.startswith("Expedite supplier shipment (pay extra fees)")
    assert result.recommendation.action.endswith("SKU-1 SKU: Pay $500.00 to save $8,800.00 -> YES")


def test_heatmap_counts_skus_by_tier_and_cover(session: Session) -> None:
    shop = catalog(session)
    chart = compute(session, shop.store).chart
    assert chart is not None
    assert chart.kind == "heatmap"
    assert chart.x == ["<3 d", "3-7 d", "7-14 d", "14-30 d", "30+ d"]
    assert [s.values for s in chart.series] == [
        [1, 1, 0, 0, 0],  # top: SKU-1 2.5 d, SKU-0 3.0 d
        [1, 0, 1, 0, 1],  # mid: SKU-2 2 d, SKU-3 10 d, SKU-4 100 d
        [1, 0, 1, 1, 2],  # low: SKU-5 1 d, SKU-8 10 d, SKU-7 25 d, SKU-6 100 d, SKU-9 no demand
    ]


def test_without_risk_the_tile_is_ok(session: Session) -> None:
    store = add(session, m.Store)
    product = add(session, m.Product, store_id=store.id)
    location = add(session, m.Location, store_id=store.id)
    sku = add(session, m.Sku, product_id=product.id, sku="PLENTY")
    add(session, m.InventoryLevel, sku_id=sku.id, location_id=location.id, on_hand=900, available=900)
    add(
        session,
        m.SkuSalesDaily,
        store_id=store.id,
        sku_id=sku.id,
        day=TODAY - timedelta(days=1),
        units=3,
        revenue=Decimal(30),
        orders=3,
    )
    result = compute(session, store)
    assert result.status is Status.ok
    assert result.exceptions == []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoReport]]:
    engine, report = build_demo(tmp_path_factory.mktemp("inventory") / "demo.db")
    yield engine, report
    engine.dispose()


def test_the_demo_stores_planted_low_cover_top_sellers_are_p0(demo: tuple[Engine, DemoReport]) -> None:
    engine, report = demo
    with session_factory(engine)() as session:
        store = session.get(m.Store, 1)
        assert store is not None
        result = compute(session, store, now=DEMO_NOW)
        p0 = exception(result, "p0")
        assert p0 is not None
        listed = set(session.scalars(select(m.Sku.sku).where(m.Sku.id.in_([r.id for r in p0.records]))))
    assert set(report.scenarios.low_cover_top_skus) <= listed
    assert result.status is Status.critical
