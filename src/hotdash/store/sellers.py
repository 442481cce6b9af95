"""Top, mid and low sellers and the guide's stockout matrix: the one definition the Inventory tile and the
stockout rules share.

A SKU's tier ranks the store's active SKUs by revenue over the demand look-back (`inventory.demand_days`):
the top `inventory.top_seller_pct` of them are top sellers, the next `inventory.mid_seller_pct` mid sellers,
the rest (and every SKU without revenue) low sellers. Its cover is the stock available over active locations
divided by its demand rate (`hotdash.store.demand`). The matrix: top seller under `inventory.p0_cover_days`
is P0, top seller under `inventory.p1_cover_days` P1, mid seller under p0 days P2, low seller P3.

The stockout rules used to call a top seller one selling 5 units a day and measure cover with a plain
28-day mean: on the demo they found 2 P0 SKUs where the tile shows 3. The tile's definition is kept (the
guide names no number; a share of the catalogue scales with the store), and the rules now read this one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.store import demand
from hotdash.store.models import InventoryLevel, Location, Product, Sku

PRIORITIES = ("P0", "P1", "P2", "P3")


class Tier(StrEnum):
    """A SKU's seller tier by revenue rank."""

    top = "top"
    mid = "mid"
    low = "low"


def tier_sizes(count: int, top_pct: float, mid_pct: float) -> tuple[int, int]:
    """Return how many SKUs are top sellers and how many top-or-mid, of `count` ranked SKUs.

    A share that falls between two SKUs rounds up: 20% of 7 SKUs is 1.4, so two are top sellers, and a
    catalog of three still has one. The rounding guard keeps 20% of 10 at exactly 2.
    """
    top = math.ceil(round(count * top_pct / 100, 9))
    upper = math.ceil(round(count * (top_pct + mid_pct) / 100, 9))
    return min(top, count), min(max(upper, top), count)


def tier_of(rank: int, sizes: tuple[int, int], revenue: float) -> Tier:
    """Return the tier of the SKU at 0-based `rank` by revenue, given `tier_sizes`; a SKU without revenue is
    always low."""
    top, upper = sizes
    if revenue <= 0 or rank >= upper:
        return Tier.low
    return Tier.top if rank < top else Tier.mid


def priority(tier: Tier, cover_days: float, p0_days: float, p1_days: float) -> str | None:
    """Return P0-P3 from the guide's matrix, or None when the SKU is not at risk.

    Cover exactly at a line is on the safer side of it: 3.0 days for a top seller is P1, not P0.
    """
    if cover_days < p0_days:
        return {Tier.top: "P0", Tier.mid: "P2", Tier.low: "P3"}[tier]
    if tier is Tier.top and cover_days < p1_days:
        return "P1"
    return None


@dataclass(frozen=True)
class Assessment:
    """Each active SKU of a store, in id order: stock, demand, cover, tier and stockout priority."""

    ids: NDArray[np.int64]
    available: NDArray[np.float64]
    found: demand.Demand
    cover: NDArray[np.float64]  # days; infinite without demand
    tiers: list[Tier]
    priorities: list[str | None]
    since: datetime  # the first instant of the look-back, in the store's timezone

    @classmethod
    def empty(cls, now: datetime) -> Assessment:
        """Return the assessment of a store without SKUs."""
        nothing = np.zeros(0)
        found = demand.Demand(np.zeros(0, dtype=np.int64), nothing, nothing, nothing)
        return cls(np.zeros(0, dtype=np.int64), nothing, found, nothing, [], [], now)

    def ids_at(self, level: str) -> list[int]:
        """Return the ids of the SKUs at one stockout priority, in id order."""
        return [int(i) for i, p in zip(self.ids.tolist(), self.priorities, strict=True) if p == level]

    def ids_of(self, tier: Tier) -> list[int]:
        """Return the ids of the SKUs of one tier, in id order."""
        return [int(i) for i, t in zip(self.ids.tolist(), self.tiers, strict=True) if t is tier]


def look_back_start(now: datetime, tz: ZoneInfo, days: int) -> datetime:
    """Return the start of the demand look-back: local midnight `days` days before today."""
    today = now.astimezone(tz).date()
    return datetime.combine(today - timedelta(days=days), time(0), tz)


def active_skus(session: Session, store_id: int, since: datetime) -> list[Any]:
    """Return (id, created_at if created since `since`, available over active locations) of the store's
    active SKUs, in id order."""
    stock = (
        select(InventoryLevel.sku_id, func.sum(InventoryLevel.available).label("available"))
        .join(Location, Location.id == InventoryLevel.location_id)
        .where(Location.store_id == store_id, Location.is_active)
        .group_by(InventoryLevel.sku_id)
        .subquery()
    )
    query = (
        select(Sku.id, Sku.created_at, func.coalesce(stock.c.available, 0).label("available"))
        .join(Product, Product.id == Sku.product_id)
        .outerjoin(stock, stock.c.sku_id == Sku.id)
        .where(Product.store_id == store_id, Sku.is_active)
        .order_by(Sku.id)
    )
    return [
        (r.id, r.created_at if r.created_at >= since else None, r.available) for r in session.execute(query)
    ]


def assess(
    *,
    session: Session,
    store_id: int,
    now: datetime,
    tz: ZoneInfo,
    values: Mapping[str, float],
    skus: Sequence[tuple[int, datetime | None, float]] | None = None,
) -> Assessment:
    """Return the stockout assessment of the store's active SKUs at `now`, with the tunables `values`.

    `skus` are (id, created_at if created within the look-back else None, available) in id order, as
    `active_skus` reads them; a caller that already read them (the tile, with more columns) passes them.
    """
    days = round(values["inventory.demand_days"])
    since = look_back_start(now, tz, days)
    rows = list(skus) if skus is not None else active_skus(session, store_id, since)
    today = now.astimezone(tz).date()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    created = [r[1].astimezone(tz).date() if r[1] else since.date() for r in rows]
    found = demand.sku_demand(
        session=session, store_id=store_id, today=today, days=days, sku_ids=ids, created_on=created
    )
    available = np.array([float(r[2]) for r in rows])
    cover = np.divide(available.clip(0), found.rate, out=np.full(len(rows), math.inf), where=found.rate > 0)
    rank = np.empty(len(rows), dtype=np.int64)
    rank[np.lexsort((ids, -found.revenue))] = np.arange(len(rows))  # by revenue, ties by id
    sizes = tier_sizes(len(rows), values["inventory.top_seller_pct"], values["inventory.mid_seller_pct"])
    tiers = [tier_of(int(rank[i]), sizes, found.revenue[i]) for i in range(len(rows))]
    p0, p1 = values["inventory.p0_cover_days"], values["inventory.p1_cover_days"]
    levels = [priority(tier, float(cover[i]), p0, p1) for i, tier in enumerate(tiers)]
    return Assessment(ids, available, found, cover, tiers, levels, since)
