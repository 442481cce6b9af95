"""Stock per SKU and location, sized from recent demand, with planted stockout risks at every priority."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hotdash.store.bulk import Column
from hotdash.store.demo import names
from hotdash.store.demo.catalog import Catalog
from hotdash.store.demo.dataset import SOURCE, Scenarios
from hotdash.store.demo.fulfillment import Fulfillment
from hotdash.store.demo.orders import Orders
from hotdash.store.demo.timeline import DAY, DayGrid, as_datetime64

VELOCITY_DAYS = 28
# (rank among SKUs by recent revenue as a share of the catalog, total days of cover to leave)
PLANTED_COVER = [(0, 0.9), (1, 1.6), (2, 2.4), (3, 5.0), (0.3, 2.0), (0.7, 1.5)]


def daily_units(grid: DayGrid, orders: Orders, n_skus: int, days: int) -> NDArray[np.float64]:
    """Return each SKU's average units per day over the last `days` days, cancelled orders excluded."""
    since = grid.now_us - days * DAY
    keep = (orders.placed[orders.line_order] >= since) & ~orders.cancelled[orders.line_order]
    units = np.bincount(orders.line_sku[keep], weights=orders.line_qty[keep], minlength=n_skus)
    return units / days


def build_inventory(
    grid: DayGrid,
    orders: Orders,
    fulfillment: Fulfillment,
    catalog: Catalog,
    rng: np.random.Generator,
    scenarios: Scenarios,
    lead_times: list[int],
) -> dict[str, Column]:
    """Give every SKU stock at every location; leave the planted SKUs with only days of cover."""
    n_skus = len(catalog.sku_weight)
    n_locations = len(names.LOCATIONS)
    velocity = daily_units(grid, orders, n_skus, VELOCITY_DAYS)
    revenue = velocity * catalog.sku_price_cents
    by_revenue = np.argsort(-revenue, kind="stable")

    cover = np.clip(rng.lognormal(np.log(32.0), 0.6, n_skus), 8.0, 365.0)
    planted: list[int] = []
    sellers = by_revenue[velocity[by_revenue] > 0]
    for rank, days in PLANTED_COVER:
        position = int(rank) if isinstance(rank, int) else int(rank * len(sellers))
        chosen = int(sellers[min(position, len(sellers) - 1)])
        cover[chosen] = days
        planted.append(chosen)
    scenarios.low_cover_top_skus = [catalog.sku_code[s] for s in planted[:3]]

    share = catalog.location_share
    sku = np.repeat(np.arange(n_skus), n_locations)
    location = np.tile(np.arange(n_locations), n_skus)
    slow_stock = rng.integers(4, 120, n_skus)  # items that barely sell still sit on shelves
    total_available = np.where(velocity > 0, np.floor(velocity * cover), slow_stock).astype(np.int64)
    available = np.floor(total_available[sku] * share[location]).astype(np.int64)
    # Whatever flooring took away goes to the biggest location, so totals match the intended cover.
    remainder = total_available - np.bincount(sku, weights=available, minlength=n_skus).astype(np.int64)
    available[np.arange(n_skus) * n_locations + int(np.argmax(share))] += remainder

    open_lines = fulfillment.status[orders.line_order] == "unfulfilled"
    committed = np.zeros(n_skus * n_locations, dtype=np.int64)
    np.add.at(
        committed,
        orders.line_sku[open_lines] * n_locations + orders.location[orders.line_order[open_lines]],
        orders.line_qty[open_lines],
    )
    lead = np.array(lead_times)[catalog.sku_supplier]
    has_po = rng.random(n_skus) < 0.25
    has_po[planted[:3]] = True  # a PO is on its way, but arrives after the shelf runs empty
    incoming = np.where(has_po, np.ceil(np.maximum(velocity, 0.2) * 30), 0).astype(np.int64)
    eta_days = np.where(np.isin(np.arange(n_skus), planted[:3]), lead, rng.integers(3, 30, n_skus))
    eta = np.where(has_po, grid.now_us + eta_days * DAY, np.iinfo(np.int64).min)
    main = location == int(np.argmax(share))
    rows = n_skus * n_locations
    return {
        "id": np.arange(1, rows + 1),
        "source": [SOURCE] * rows,
        "external_id": [
            f"level-{s + 1}-{loc + 1}" for s, loc in zip(sku.tolist(), location.tolist(), strict=True)
        ],
        "sku_id": sku + 1,
        "location_id": location + 1,
        "on_hand": available + committed,
        "available": available,
        "incoming": np.where(main, incoming[sku], 0),
        "incoming_eta": as_datetime64(np.where(main, eta[sku], np.iinfo(np.int64).min)),
        "updated_at": as_datetime64(np.full(rows, grid.now_us)),
    }
