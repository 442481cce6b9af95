"""Customers, orders and order lines, with the demand patterns of a real store.

Demand per local day = growth trend x month seasonality x weekday pattern (the Monday dip) x promotions
x noise; within a day, orders follow an hourly profile in the store's timezone. Today only counts the hours
already past, so the data ends at "now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from hotdash.store.demo import names
from hotdash.store.demo.catalog import Catalog
from hotdash.store.demo.timeline import DAY, HOUR, DayGrid, promotions

MONTH_FACTOR = np.array([0.0, 0.84, 0.80, 0.90, 0.96, 1.0, 0.93, 0.82, 0.86, 0.97, 1.06, 1.32, 1.48])
WEEKDAY_FACTOR = np.array([0.78, 1.0, 1.02, 1.03, 1.04, 1.07, 0.99])  # Monday first
HOURLY = np.array(
    [
        0.4,
        0.25,
        0.15,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.5,
        1.9,
        2.2,
        2.5,
        2.8,
        2.7,
        2.4,
        2.2,
        2.2,
        2.4,
        2.8,
        3.2,
        3.4,
        3.1,
        2.2,
        1.1,
    ]
)
PROMO_LIFT = {"Summer Sale": 1.6, "Black Friday / Cyber Monday": 2.4}
NEW_CUSTOMER_SHARE = 0.58
FREE_SHIPPING_CENTS = 7_500
SHIPPING_CENTS = 695
TAX_RATE = 0.0725
RECENT_DROP_DAYS = 8


@dataclass
class Orders:
    """Order-level arrays (index = order id - 1) and line-level arrays."""

    placed: NDArray[np.int64]
    day: NDArray[np.int64]
    customer: NDArray[np.int64]  # customer index (id - 1)
    channel: NDArray[np.str_]
    location: NDArray[np.int64]  # location index (id - 1)
    promo: NDArray[np.bool_]
    landing_page: list[str | None]
    subtotal: NDArray[np.int64]  # cents
    discount: NDArray[np.int64]
    shipping: NDArray[np.int64]
    tax: NDArray[np.int64]
    total: NDArray[np.int64]
    cancelled: NDArray[np.bool_]
    line_order: NDArray[np.int64]
    line_sku: NDArray[np.int64]  # sku index (id - 1)
    line_qty: NDArray[np.int64]
    line_price: NDArray[np.int64]
    line_discount: NDArray[np.int64]
    line_total: NDArray[np.int64]
    pages: list[str]
    page_share_normal: NDArray[np.float64]
    page_share_recent: NDArray[np.float64]
    day_weight: NDArray[np.float64]

    @property
    def count(self) -> int:
        return len(self.placed)


def _promo_days(grid: DayGrid) -> NDArray[np.float64]:
    lift = np.ones(grid.size)
    index = {d: i for i, d in enumerate(grid.dates)}
    for year in {d.year for d in grid.dates}:
        for kind, name, first, last in promotions(year):
            if kind != "promotion":
                continue
            day = first
            while day <= last:
                if day in index:
                    lift[index[day]] = PROMO_LIFT[name]
                day += timedelta(days=1)
    return lift


def _hour_cdf() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    cdf = np.concatenate([[0.0], np.cumsum(HOURLY) / HOURLY.sum()])
    return cdf, np.arange(25, dtype=np.float64)


def day_weights(grid: DayGrid, rng: np.random.Generator) -> NDArray[np.float64]:
    """Return the relative order volume of each local day, today counting only its elapsed hours."""
    trend = 1.0 + 0.35 * np.arange(grid.size) / max(grid.size - 1, 1)
    noise = rng.lognormal(0.0, 0.07, grid.size)
    weights = trend * MONTH_FACTOR[grid.months] * WEEKDAY_FACTOR[grid.weekdays] * _promo_days(grid) * noise
    cdf, hours = _hour_cdf()
    elapsed_hours = (grid.now_us - int(grid.starts[-1])) / HOUR
    weights[-1] *= float(np.interp(elapsed_hours, hours, cdf))
    result: NDArray[np.float64] = weights
    return result


def _times(
    grid: DayGrid, weights: NDArray[np.float64], n: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    per_day = rng.multinomial(n, weights / weights.sum())
    day = np.repeat(np.arange(grid.size), per_day)
    cdf, hours = _hour_cdf()
    top = np.ones(n)
    elapsed_hours = (grid.now_us - int(grid.starts[-1])) / HOUR
    top[day == grid.size - 1] = np.interp(elapsed_hours, hours, cdf)
    offset_hours = np.interp(rng.random(n) * top, cdf, hours)
    placed = grid.starts[day] + (offset_hours * HOUR).astype(np.int64)
    return np.sort(np.minimum(placed, grid.now_us - 1_000_000))


def _pages(catalog: Catalog) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Landing pages and their share of converting sessions, before and during the page's ranking loss."""
    product_weight = np.bincount(catalog.sku_product, weights=catalog.sku_weight)
    top_products = np.argsort(-product_weight)[:25]
    types = sorted(set(catalog.product_types))
    pages = ["/", "/collections/all"]
    shares = [0.28, 0.08]
    pages += [f"/collections/{t.lower().replace(' ', '-')}" for t in types]
    shares += [0.22 / len(types)] * len(types)
    pages += [f"/products/{catalog.product_handles[p]}" for p in top_products]
    shares += list(0.30 * product_weight[top_products] / product_weight[top_products].sum())
    pages += names.BLOG_PAGES
    blog = np.array([0.35, 0.2, 0.18, 0.15, 0.12]) * 0.12
    shares += list(blog)
    normal = np.array(shares) / np.sum(shares)
    recent = normal.copy()
    recent[pages.index(names.DROPPING_PAGE)] *= 0.5
    return pages, normal, recent / recent.sum()


def build_orders(grid: DayGrid, catalog: Catalog, n_orders: int, rng: np.random.Generator) -> Orders:
    """Place `n_orders` orders over the grid and fill their lines and money."""
    weights = day_weights(grid, rng)
    placed = _times(grid, weights, n_orders, rng)
    day = grid.day_index(placed)
    promo = _promo_days(grid)[day] > 1.0

    # Customers: a share of orders come from new buyers; returning orders favour long-standing customers.
    is_new = rng.random(n_orders) < NEW_CUSTOMER_SHARE
    is_new[0] = True
    created_so_far = np.cumsum(is_new)
    returning = np.floor(np.power(rng.random(n_orders), 1.6) * (created_so_far - 1)).astype(np.int64)
    customer = np.where(is_new, created_so_far - 1, returning)

    channel_names, channel_p = zip(*names.CHANNELS, strict=True)
    channel = rng.choice(np.array(channel_names), n_orders, p=np.array(channel_p))
    location = rng.choice(len(catalog.location_share), n_orders, p=catalog.location_share)

    lines_per_order = np.minimum(1 + rng.poisson(0.65, n_orders), 6)
    line_order = np.repeat(np.arange(n_orders), lines_per_order)
    n_lines = len(line_order)
    line_sku = rng.choice(len(catalog.sku_weight), n_lines, p=catalog.sku_weight)
    line_qty = 1 + (rng.random(n_lines) < 0.14) * rng.poisson(1.0, n_lines)
    line_price = catalog.sku_price_cents[line_sku]
    gross = line_qty * line_price
    coupon = (rng.random(n_orders) < 0.11) | promo
    rate = np.where(promo, 0.20, 0.10) * coupon
    line_discount = np.round(gross * rate[line_order]).astype(np.int64)
    line_total = gross - line_discount

    subtotal = np.bincount(line_order, weights=line_total, minlength=n_orders).astype(np.int64)
    discount = np.bincount(line_order, weights=line_discount, minlength=n_orders).astype(np.int64)
    shipping = np.where(subtotal >= FREE_SHIPPING_CENTS, 0, SHIPPING_CENTS)
    tax = np.round(subtotal * TAX_RATE).astype(np.int64)
    total = subtotal + shipping + tax

    pages, normal, recent = _pages(catalog)
    is_recent = placed >= grid.now_us - RECENT_DROP_DAYS * DAY
    page_index = np.where(
        is_recent, rng.choice(len(pages), n_orders, p=recent), rng.choice(len(pages), n_orders, p=normal)
    )
    offline = (channel == "pos") | (channel == "phone")
    landing: list[str | None] = [
        None if off else pages[i] for i, off in zip(page_index.tolist(), offline.tolist(), strict=True)
    ]
    cancelled = rng.random(n_orders) < 0.02
    return Orders(
        placed=placed,
        day=day,
        customer=customer,
        channel=channel,
        location=location,
        promo=promo,
        landing_page=landing,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=total,
        cancelled=cancelled,
        line_order=line_order,
        line_sku=line_sku,
        line_qty=line_qty,
        line_price=line_price,
        line_discount=line_discount,
        line_total=line_total,
        pages=pages,
        page_share_normal=normal,
        page_share_recent=recent,
        day_weight=weights,
    )
