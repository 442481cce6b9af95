"""Daily sessions, conversions and revenue per landing page, consistent with the orders they led to."""

from __future__ import annotations

import numpy as np

from hotdash.store.bulk import Column
from hotdash.store.demo.dataset import SOURCE
from hotdash.store.demo.orders import RECENT_DROP_DAYS, Orders
from hotdash.store.demo.timeline import DAY, DayGrid


def _conversion_rate(page: str) -> float:
    if page.startswith("/blogs/"):
        return 0.008
    if page.startswith("/products/"):
        return 0.035
    if page.startswith("/collections/"):
        return 0.027
    return 0.022


def build_traffic(grid: DayGrid, orders: Orders, rng: np.random.Generator) -> dict[str, Column]:
    """Count each page's converting orders per day and derive its sessions from its conversion rate."""
    pages = orders.pages
    n_pages, n_days = len(pages), grid.size
    index = {p: i for i, p in enumerate(pages)}
    page_of_order = np.array([index.get(p, -1) if p is not None else -1 for p in orders.landing_page])
    converted = (page_of_order >= 0) & ~orders.cancelled
    cell = orders.day[converted] * n_pages + page_of_order[converted]
    conversions = np.bincount(cell, minlength=n_days * n_pages)
    revenue = np.bincount(cell, weights=orders.total[converted], minlength=n_days * n_pages) / 100

    expected_orders = orders.day_weight / orders.day_weight.sum() * orders.count
    recent = grid.starts >= grid.now_us - RECENT_DROP_DAYS * DAY
    share = np.where(recent[:, None], orders.page_share_recent[None, :], orders.page_share_normal[None, :])
    rate = np.array([_conversion_rate(p) for p in pages])
    sessions = expected_orders[:, None] * share / rate[None, :] * rng.lognormal(0, 0.08, (n_days, n_pages))
    sessions = np.maximum(np.round(sessions).astype(np.int64).ravel(), conversions)

    day = np.repeat(np.arange(n_days), n_pages)
    page = np.tile(np.arange(n_pages), n_days)
    dates = np.array(grid.dates, dtype="datetime64[D]")[day]
    rows = n_days * n_pages
    return {
        "id": np.arange(1, rows + 1),
        "source": [SOURCE] * rows,
        "external_id": [
            f"{grid.dates[d].isoformat()}|{pages[p]}"
            for d, p in zip(day.tolist(), page.tolist(), strict=True)
        ],
        "store_id": np.ones(rows, dtype=np.int64),
        "day": dates,
        "landing_page": [pages[p] for p in page.tolist()],
        "sessions": sessions,
        "conversions": conversions,
        "revenue": revenue,
    }
