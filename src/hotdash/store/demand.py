"""Daily demand per SKU, for days of cover and reorder quantities, robust to slow and intermittent sellers.

Method (all from the `sku_sales_daily` rollup, aggregated in the database over whole local days; today's
partial day is left out so a morning check does not read as a slump):

- The look-back is the last `days` whole local days, shortened for a SKU created within it, so a product
  launched five days ago is measured over five days, not diluted over 28.
- Regular sellers, sold on most days (average interval between demand days ADI <= 1.32, the Syntetos-Boylan
  cut-off), get a recency-weighted rate: the mean of the last-7-day daily mean and the whole look-back's
  daily mean. A trend shows within a week, while one odd week moves the rate only halfway.
- Intermittent sellers (ADI > 1.32) get Croston's rate: mean demand size (units per day with a sale) divided
  by the mean interval between demand days (observed days per day with a sale). Over one look-back both are
  plain means, so the rate is units / observed days; what matters is that the lumpy last week is not
  weighted up: a SKU that sold 6 units once in 28 days sells 0.21 a day, not 0.86 (6 / 7).
- SKUs without a sale in the look-back have rate 0: no finite cover, nothing to reorder on demand.

Days out of stock read as days without demand (the rollup cannot tell them apart), so a SKU that was empty
for part of the look-back is under-estimated; its low cover shows anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Float, case, func, select, type_coerce
from sqlalchemy.orm import Session

from hotdash.store.models import SkuSalesDaily

RECENT_DAYS = 7
RECENT_WEIGHT = 0.5
INTERMITTENT_ADI = 1.32


def daily_rates(
    units: NDArray[np.float64],
    recent_units: NDArray[np.float64],
    demand_days: NDArray[np.float64],
    observed_days: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Return units per day for each SKU from its look-back totals (see the module docstring)."""
    observed = np.maximum(observed_days, 1.0)
    long_mean = units / observed
    recent_mean = recent_units / np.minimum(observed, RECENT_DAYS)
    sold = demand_days > 0
    adi = np.divide(observed, demand_days, out=np.full(len(observed), np.inf), where=sold)
    regular = (1 - RECENT_WEIGHT) * long_mean + RECENT_WEIGHT * recent_mean
    # Croston: (units / demand days) / (observed days / demand days) = units / observed days.
    croston = long_mean
    rates: NDArray[np.float64] = np.where(~sold, 0.0, np.where(adi <= INTERMITTENT_ADI, regular, croston))
    return rates


@dataclass(frozen=True)
class Demand:
    """Each SKU's demand over the look-back; arrays aligned with `sku_ids`."""

    sku_ids: NDArray[np.int64]
    rate: NDArray[np.float64]  # units per day
    units: NDArray[np.float64]
    revenue: NDArray[np.float64]


def sku_demand(
    *,
    session: Session,
    store_id: int,
    today: date,
    days: int,
    sku_ids: NDArray[np.int64],
    created_on: list[date],
) -> Demand:
    """Return the demand of `sku_ids`, created on the local dates `created_on`, over the `days` whole local
    days before `today`."""
    first = today - timedelta(days=days)
    recent = today - timedelta(days=RECENT_DAYS)
    rows = session.execute(
        select(
            SkuSalesDaily.sku_id,
            func.sum(SkuSalesDaily.units),
            func.sum(case((SkuSalesDaily.day >= recent, SkuSalesDaily.units), else_=0)),
            func.sum(case((SkuSalesDaily.units > 0, 1), else_=0)),
            type_coerce(func.sum(SkuSalesDaily.revenue), Float),  # a float is all a rate needs
        )
        .where(SkuSalesDaily.store_id == store_id, SkuSalesDaily.day >= first, SkuSalesDaily.day < today)
        .group_by(SkuSalesDaily.sku_id)
    ).all()
    position = {int(s): i for i, s in enumerate(sku_ids.tolist())}
    n = len(sku_ids)
    units, recent_units, demand_days, revenue = (np.zeros(n) for _ in range(4))
    for sku_id, total, last_week, sold_days, money in rows:
        i = position.get(int(sku_id))
        if i is not None:
            units[i], recent_units[i], demand_days[i] = float(total), float(last_week), float(sold_days)
            revenue[i] = float(money or 0)
    observed = np.array([min(days, max((today - c).days, 1)) for c in created_on], dtype=np.float64)
    return Demand(sku_ids, daily_rates(units, recent_units, demand_days, observed), units, revenue)
