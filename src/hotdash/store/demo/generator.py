"""Assemble the whole demo store from its parts, deterministically from a seed and a "now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from hotdash.kernel.calendar import BusinessCalendar, DaysOff
from hotdash.store.bulk import Column
from hotdash.store.demo import names
from hotdash.store.demo.catalog import STORE_ID, SUPPORT_HOURS, Catalog, build_catalog
from hotdash.store.demo.dataset import SOURCE, DemoData
from hotdash.store.demo.fulfillment import NAT, Fulfillment, build_fulfillment
from hotdash.store.demo.inventory import build_inventory
from hotdash.store.demo.orders import Orders, build_orders
from hotdash.store.demo.refunds import Refunds, build_refunds
from hotdash.store.demo.support import build_tickets
from hotdash.store.demo.timeline import DAY, as_datetime64, day_grid
from hotdash.store.demo.traffic import build_traffic

VIP_SPEND_CENTS = 100_000
VIP_ORDERS = 6


@dataclass(frozen=True)
class DemoSize:
    """How big a demo store is."""

    name: str
    orders: int
    days: int
    products: int
    # Support operators: a few tickets a day keep two busy enough to be judged over a week (the guide's
    # operators take tens a day); eight would get one ticket a day each.
    operators: int


SIZES = {
    "small": DemoSize("small", 5_000, 150, 60, 2),
    "medium": DemoSize("medium", 100_000, 365, 200, 8),
    "large": DemoSize("large", 1_000_000, 365, 400, 8),
}


def generate(size: DemoSize, seed: int, now: datetime) -> DemoData:
    """Build every table of the demo store; the same size, seed and now give the same data."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(names.STORE_TIMEZONE)
    grid = day_grid(now, size.days, tz)
    data = DemoData()
    catalog = build_catalog(data, rng, grid, size.products, size.operators)
    orders = build_orders(grid, catalog, size.orders, rng)
    fulfillment = build_fulfillment(grid, orders, rng)
    data.scenarios.delayed_carrier = names.DELAYED_CARRIER
    data.scenarios.delay_wave_shipments = int(fulfillment.stalled.sum())
    data.scenarios.backlogged_location = names.LOCATIONS[1][0]
    data.scenarios.dropping_page = names.DROPPING_PAGE
    refunds = build_refunds(grid, orders, fulfillment, rng, data.scenarios)
    customers, vip = _customers(orders, refunds)
    data.add_columns("customers", customers)
    staff = _sales_reps(data, orders, grid.now_us)
    data.add_columns("orders", _order_columns(orders, fulfillment, refunds, staff))
    data.add_columns("order_lines", _line_columns(orders, catalog))
    data.add_columns("shipments", fulfillment.shipments)
    data.add_columns("tracking_events", fulfillment.events)
    data.add_columns("refunds", refunds.columns)
    data.add_columns("returns", refunds.returns)
    # The calendar the store's rows load to (`store_calendar`): first responses come in its hours.
    hours = BusinessCalendar(
        timezone=tz,
        hours={weekday: [span] for weekday, span in SUPPORT_HOURS.items()},
        days_off=DaysOff(country=names.STORE_COUNTRY),
    )
    data.add_columns(
        "tickets",
        build_tickets(
            grid,
            orders,
            fulfillment,
            refunds,
            vip,
            catalog.operator_ids,
            catalog.operators,
            hours,
            rng,
            data.scenarios,
        ),
    )
    data.add_columns("page_traffic", build_traffic(grid, orders, rng))
    lead_times = [s[1] for s in names.SUPPLIERS]
    data.add_columns(
        "inventory_levels",
        build_inventory(grid, orders, fulfillment, catalog, rng, data.scenarios, lead_times),
    )
    return data


def _customers(orders: Orders, refunds: Refunds) -> tuple[dict[str, Column], NDArray[np.bool_]]:
    """Derive each customer's lifetime figures from the orders they placed."""
    count = int(orders.customer.max()) + 1
    live = ~orders.cancelled
    orders_count = np.bincount(orders.customer[live], minlength=count)
    refunded = np.bincount(
        refunds.order[~refunds.pending], weights=refunds.amount[~refunds.pending], minlength=orders.count
    )
    net = np.where(live, orders.total - refunded, 0)
    spent = np.bincount(orders.customer, weights=net, minlength=count)
    # Lifetime figures count the orders that stand: a cancelled order makes nobody a buyer.
    created = np.full(count, np.iinfo(np.int64).max)
    np.minimum.at(created, orders.customer, orders.placed)
    first = np.full(count, np.iinfo(np.int64).max)
    np.minimum.at(first, orders.customer[live], orders.placed[live])
    last = np.zeros(count, dtype=np.int64)
    np.maximum.at(last, orders.customer, orders.placed)
    vip = (spent >= VIP_SPEND_CENTS) | (orders_count >= VIP_ORDERS)
    ids = np.arange(1, count + 1)
    first_names, last_names = names.FIRST_NAMES, names.LAST_NAMES
    full_names = [
        f"{first_names[i % len(first_names)]} {last_names[(i * 7) % len(last_names)]}" for i in range(count)
    ]
    return {
        "id": ids,
        "source": [SOURCE] * count,
        "external_id": [f"customer-{i}" for i in ids.tolist()],
        "store_id": np.full(count, STORE_ID),
        "email": [f"{n.lower().replace(' ', '.')}.{i}@example.com" for i, n in enumerate(full_names)],
        "name": full_names,
        "country": np.where(ids % 11 == 0, "CA", "US"),
        "first_order_at": as_datetime64(np.where(orders_count > 0, first, NAT)),
        "orders_count": orders_count,
        "total_spent": spent / 100,
        "is_vip": vip,
        "tags": np.where(vip, "vip", ""),
        "created_at": as_datetime64(created),
        "updated_at": as_datetime64(last),
    }, vip


def _sales_reps(data: DemoData, orders: Orders, now_us: int) -> list[int | None]:
    """Give phone and POS orders to the sales reps in proportion to how well each sells, and set each rep's
    monthly target to the team's average month, so the best sells ~135% of target and the weakest ~60%.

    Each order goes to the rep furthest behind their share so far: random draws would let a small store's
    handful of orders a month blur the difference between reps.
    """
    reps = [m for m in data.rows["team_members"] if m["role"] == "sales"]
    factor = [f for _, f in names.SALES_REPS]
    assisted = (orders.channel == "phone") | (orders.channel == "pos")
    sold = [0] * len(reps)
    staff: list[int | None] = [None] * len(orders.placed)
    for index, total in zip(np.flatnonzero(assisted).tolist(), orders.total[assisted].tolist(), strict=True):
        rep = min(range(len(reps)), key=lambda r: sold[r] / factor[r])
        sold[rep] += total
        staff[index] = reps[rep]["id"]
    recent = assisted & ~orders.cancelled & (orders.placed >= now_us - 30 * DAY)
    monthly = float(orders.total[recent].sum()) / 100 / len(reps)
    for member in reps:
        member["target_revenue_monthly"] = Decimal(str(max(round(monthly, -2), 100)))
    return staff


def _order_columns(
    orders: Orders, fulfillment: Fulfillment, refunds: Refunds, staff: list[int | None]
) -> dict[str, Column]:
    n = orders.count
    done = ~refunds.pending
    refunded = np.bincount(refunds.order[done], weights=refunds.amount[done], minlength=n)
    financial = np.where(
        orders.cancelled,
        "voided",
        np.where(refunded >= orders.total, "refunded", np.where(refunded > 0, "partially_refunded", "paid")),
    )
    cancelled_at = orders.placed + (np.random.default_rng(n).uniform(0.2, 6, n) * 3_600_000_000).astype(
        np.int64
    )
    reasons = np.array(names.CANCEL_REASONS)[np.arange(n) % len(names.CANCEL_REASONS)]
    ids = np.arange(1, n + 1)
    last_change = np.maximum(
        orders.placed,
        np.where(
            fulfillment.delivered != NAT,
            fulfillment.delivered,
            np.where(fulfillment.shipped != NAT, fulfillment.shipped, 0),
        ),
    )
    return {
        "id": ids,
        "source": [SOURCE] * n,
        "external_id": [f"order-{i}" for i in ids.tolist()],
        "store_id": np.full(n, STORE_ID),
        "customer_id": orders.customer + 1,
        "staff_id": staff,
        "location_id": orders.location + 1,
        "number": [f"#{1000 + i}" for i in ids.tolist()],
        "channel": orders.channel,
        "landing_page": orders.landing_page,
        "currency": [names.STORE_CURRENCY] * n,
        "subtotal": orders.subtotal / 100,
        "discount_total": orders.discount / 100,
        "shipping_total": orders.shipping / 100,
        "tax_total": orders.tax / 100,
        "total": orders.total / 100,
        "financial_status": financial,
        "fulfillment_status": fulfillment.status,
        "tags": np.where(orders.promo, "promo", ""),
        "placed_at": as_datetime64(orders.placed),
        "ship_by": as_datetime64(fulfillment.ship_by),
        "deliver_by": as_datetime64(fulfillment.deliver_by),
        "fulfilled_at": as_datetime64(fulfillment.shipped),
        "cancelled_at": as_datetime64(
            np.where(orders.cancelled, np.minimum(cancelled_at, orders.placed.max()), NAT)
        ),
        "cancel_reason": [
            r if c else None for r, c in zip(reasons.tolist(), orders.cancelled.tolist(), strict=True)
        ],
        "updated_at": as_datetime64(last_change),
    }


def _line_columns(orders: Orders, catalog: Catalog) -> dict[str, Column]:
    n = len(orders.line_order)
    ids = np.arange(1, n + 1)
    return {
        "id": ids,
        "source": [SOURCE] * n,
        "external_id": [f"line-{i}" for i in ids.tolist()],
        "order_id": orders.line_order + 1,
        "sku_id": orders.line_sku + 1,
        "title": [catalog.sku_title[s] for s in orders.line_sku.tolist()],
        "quantity": orders.line_qty,
        "unit_price": orders.line_price / 100,
        "discount": orders.line_discount / 100,
        "total": orders.line_total / 100,
    }


__all__ = ["DAY", "SIZES", "DemoSize", "generate"]
