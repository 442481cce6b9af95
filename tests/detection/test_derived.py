"""Derived fields select what their definitions say, on hand-made records whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection.expression import compile_rule
from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.tiles import fulfillment
from hotdash.tiles.context import make_context
from hotdash.tiles.windows import WindowName
from tests.tiles.builders import add

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)


def ids(session: Session, entity: str, rule: str, clock: FrozenClock, store: m.Store) -> set[int]:
    return set(compile_rule(entity, rule, clock=clock).select_ids(session, store_id=store.id))


def test_delayed_orders_are_the_fulfillment_tiles_delayed_orders(session: Session) -> None:
    store = add(session, m.Store)
    other = add(session, m.Store)
    place = add(session, m.Location, store_id=store.id)
    cases = [
        # (status, ship_by, deliver_by, cancelled, hours late by the tile's definition)
        ("unfulfilled", NOW - 80 * H, None, False, 80),
        ("partial", NOW - 30 * H, NOW + D, False, 30),
        ("unfulfilled", NOW + 2 * H, None, False, 0),
        ("unfulfilled", None, None, False, 0),
        ("fulfilled", NOW - 90 * H, NOW - 50 * H, False, 50),  # shipped: late against deliver_by only
        ("fulfilled", NOW - 90 * H, NOW + H, False, 0),
        ("delivered", NOW - 90 * H, NOW - 80 * H, False, 0),
        ("unfulfilled", NOW - 100 * H, None, True, 0),  # cancelled orders are never delayed
        ("cancelled", NOW - 100 * H, None, True, 0),
    ]
    made = []
    for status, ship_by, deliver_by, cancelled, late in cases:
        order = add(
            session,
            m.Order,
            store_id=store.id,
            location_id=place.id,
            placed_at=NOW - 5 * D,
            fulfillment_status=status,
            ship_by=ship_by,
            deliver_by=deliver_by,
            cancelled_at=NOW - D if cancelled else None,
            total=Decimal("10.00"),
        )
        made.append((order.id, late))
    add(session, m.Order, store_id=other.id, placed_at=NOW - 5 * D, ship_by=NOW - 80 * H)
    clock = FrozenClock(NOW)
    delayed = ids(session, "orders", "is_delayed", clock, store)
    ctx = make_context(
        session=session, store=store, now=NOW, window=WindowName.today, thresholds=Tunables({})
    )
    tile = fulfillment.compute(ctx)
    (listed,) = [e for e in tile.exceptions if e.key == "delayed"]
    assert delayed == {r.id for r in listed.records}
    assert listed.record_count == len(delayed) == 3
    assert ids(session, "orders", "delay_hours > 72", clock, store) == {i for i, late in made if late > 72}
    assert ids(session, "orders", "delay_hours BETWEEN 29.99 AND 30.01", clock, store) == {made[1][0]}
    assert ids(session, "orders", "delay_hours = 0", clock, store) == {i for i, late in made if late == 0}


def test_the_clock_moves_a_compiled_rule_without_recompiling(session: Session) -> None:
    store = add(session, m.Store)
    order = add(session, m.Order, store_id=store.id, placed_at=NOW - 10 * H, ship_by=NOW + 2 * H)
    clock = FrozenClock(NOW)
    rule = compile_rule("orders", "age_hours > 11 OR delay_hours >= 1", clock=clock)
    assert rule.select_ids(session, store_id=store.id) == []
    clock.advance(timedelta(hours=1, seconds=1))  # 11 h 1 s old, not yet late
    assert rule.select_ids(session, store_id=store.id) == [order.id]
    late = compile_rule("orders", "delay_hours >= 1", clock=clock)
    assert late.select_ids(session, store_id=store.id) == []
    clock.advance(timedelta(hours=2))  # now 1 h 1 s past ship_by
    assert late.select_ids(session, store_id=store.id) == [order.id]


def test_first_orders_and_vip_customers(session: Session) -> None:
    store = add(session, m.Store)
    vip = add(session, m.Customer, store_id=store.id, is_vip=True, orders_count=2, tags="VIP, wholesale")
    new = add(session, m.Customer, store_id=store.id, orders_count=1)
    first = add(session, m.Order, store_id=store.id, customer_id=vip.id, placed_at=NOW - 3 * D)
    second = add(session, m.Order, store_id=store.id, customer_id=vip.id, placed_at=NOW - D)
    only = add(session, m.Order, store_id=store.id, customer_id=new.id, placed_at=NOW - D)
    guest = add(session, m.Order, store_id=store.id, placed_at=NOW - D)
    clock = FrozenClock(NOW)
    assert ids(session, "orders", "is_first_order", clock, store) == {first.id, only.id}
    assert ids(session, "orders", "customer.is_first_order", clock, store) == {only.id}
    assert ids(session, "orders", "is_vip", clock, store) == {first.id, second.id}
    assert ids(session, "orders", "NOT is_vip", clock, store) == {only.id, guest.id}
    # A guest order has no customer: its customer fields are NULL, so neither test selects it.
    assert ids(session, "orders", "NOT customer.is_vip", clock, store) == {only.id}
    assert ids(session, "orders", "contains_tag(customer.tags, 'vip')", clock, store) == {first.id, second.id}
    assert ids(session, "customers", "contains_tag(tags, 'wholesale')", clock, store) == {vip.id}


def test_ticket_response_times(session: Session) -> None:
    store = add(session, m.Store)
    answered = add(
        session,
        m.Ticket,
        store_id=store.id,
        created_at=NOW - 5 * H,
        first_response_at=NOW - 5 * H + 90 * timedelta(minutes=1),
    )
    waiting = add(session, m.Ticket, store_id=store.id, created_at=NOW - 2 * H, priority="urgent")
    solved = add(session, m.Ticket, store_id=store.id, created_at=NOW - 50 * H, status="solved")
    held = add(session, m.Ticket, store_id=store.id, created_at=NOW - 30 * H, status="on_hold")
    clock = FrozenClock(NOW)
    assert ids(session, "tickets", "first_response_minutes = 90", clock, store) == {answered.id}
    assert ids(session, "tickets", "minutes_waiting > 119 AND minutes_waiting < 121", clock, store) == {
        waiting.id
    }
    assert ids(session, "tickets", "is_open AND age_hours > 1", clock, store) == {
        answered.id,
        waiting.id,
        held.id,
    }
    assert ids(session, "tickets", "NOT is_open", clock, store) == {solved.id}


def test_shipments_silent_since_their_last_scan(session: Session) -> None:
    store = add(session, m.Store)
    order = add(session, m.Order, store_id=store.id, placed_at=NOW - 9 * D, fulfillment_status="fulfilled")
    scanned = add(session, m.Shipment, order_id=order.id, shipped_at=NOW - 8 * D, last_event_at=NOW - 80 * H)
    fresh = add(session, m.Shipment, order_id=order.id, shipped_at=NOW - 8 * D, last_event_at=NOW - 2 * H)
    unscanned = add(session, m.Shipment, order_id=order.id, shipped_at=NOW - 73 * H, last_event_at=None)
    late = add(
        session,
        m.Shipment,
        order_id=order.id,
        shipped_at=NOW - H,
        last_event_at=NOW - H,
        estimated_delivery_at=NOW - 1 * timedelta(minutes=1),
    )
    clock = FrozenClock(NOW)
    assert ids(session, "shipments", "hours_since_last_scan > 72", clock, store) == {scanned.id, unscanned.id}
    assert ids(session, "shipments", "is_late", clock, store) == {late.id}
    assert ids(session, "shipments", "hours_since_last_scan < 3", clock, store) == {fresh.id, late.id}


def test_sku_stock_demand_and_cover(session: Session) -> None:
    store = add(session, m.Store)
    product = add(session, m.Product, store_id=store.id)
    open_dc = add(session, m.Location, store_id=store.id)
    closed_dc = add(session, m.Location, store_id=store.id, is_active=False)
    steady = add(session, m.Sku, product_id=product.id, sku="STEADY")
    idle = add(session, m.Sku, product_id=product.id, sku="IDLE")
    add(session, m.InventoryLevel, sku_id=steady.id, location_id=open_dc.id, on_hand=70, available=56)
    add(session, m.InventoryLevel, sku_id=steady.id, location_id=closed_dc.id, on_hand=500, available=500)
    add(session, m.InventoryLevel, sku_id=idle.id, location_id=open_dc.id, on_hand=9, available=9)
    today = NOW.date()
    # 2 units a day on each of the 28 days before today; today's and older sales do not count.
    for back in range(0, 31):
        units = 50 if back in (0, 29, 30) else 2
        add(
            session,
            m.SkuSalesDaily,
            store_id=store.id,
            sku_id=steady.id,
            day=today - timedelta(days=back),
            units=units,
            revenue=Decimal("1"),
            orders=1,
        )
    clock = FrozenClock(NOW)
    assert ids(session, "skus", "available = 56 AND on_hand = 70", clock, store) == {steady.id}
    assert ids(session, "skus", "units_28d = 56 AND daily_demand = 2", clock, store) == {steady.id}
    assert ids(session, "skus", "days_of_cover = 28", clock, store) == {steady.id}
    assert ids(session, "skus", "days_of_cover IS NULL", clock, store) == {idle.id}
    assert ids(session, "inventory_levels", "sku.sku = 'IDLE' AND location.is_active", clock, store) != set()
    assert date(2026, 6, 17) == today


def test_page_traffic_rates_and_store_scoping(session: Session) -> None:
    store = add(session, m.Store)
    other = add(session, m.Store)
    day = date(2026, 6, 16)
    good = add(
        session,
        m.PageTraffic,
        store_id=store.id,
        day=day,
        landing_page="/a",
        sessions=200,
        conversions=5,
        revenue=Decimal("250"),
    )
    empty = add(
        session, m.PageTraffic, store_id=store.id, day=day, landing_page="/b", sessions=0, conversions=0
    )
    add(
        session,
        m.PageTraffic,
        store_id=other.id,
        day=day,
        landing_page="/a",
        sessions=200,
        conversions=5,
        revenue=Decimal("250"),
    )
    clock = FrozenClock(NOW)
    assert ids(
        session, "page_traffic", "conversion_rate = 0.025 AND revenue_per_session = 1.25", clock, store
    ) == {good.id}
    assert ids(session, "page_traffic", "conversion_rate IS NULL", clock, store) == {empty.id}
    assert ids(session, "page_traffic", "day = '2026-06-16' AND days_since(day) > 1.6", clock, store) == {
        good.id,
        empty.id,
    }
