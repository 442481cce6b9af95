"""Sales rollups kept beside the raw orders, so dashboard windows read small tables instead of scanning.

Both count orders that are not cancelled. Whoever writes orders refreshes the rollup rows their change touches
(`hotdash.store.rollups`); the raw tables stay the truth and a rollup can always be rebuilt from them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType
from hotdash.db.types import Money


class SalesHourly(IdMixin, Base):
    """One store's orders, revenue and units in one UTC hour."""

    __tablename__ = "sales_hourly"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    hour: Mapped[datetime] = mapped_column(doc="start of the UTC hour")
    orders: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Money, doc="sum of order totals")
    units: Mapped[int] = mapped_column(Integer)


class SkuSalesDaily(IdMixin, Base):
    """One SKU's units, revenue and orders on one store-local day."""

    __tablename__ = "sku_sales_daily"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    sku_id: Mapped[int] = mapped_column(IdType, ForeignKey("skus.id"))
    day: Mapped[date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Money, doc="sum of line totals")
    orders: Mapped[int] = mapped_column(Integer)


UniqueConstraint(SalesHourly.store_id, SalesHourly.hour, name="uq_sales_hourly_store_hour")
UniqueConstraint(
    SkuSalesDaily.store_id, SkuSalesDaily.day, SkuSalesDaily.sku_id, name="uq_sku_sales_daily_key"
)
