"""Rollups kept beside the raw orders, so dashboard windows read small tables instead of scanning.

The sales rollups count orders that are not cancelled; the delay spans say when each order was late.
Whoever writes orders (or shipments) refreshes the rows their change touches (`hotdash.store.rollups`,
`hotdash.store.delays`); the raw tables stay the truth and a rollup can always be rebuilt from them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
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


class DelaySpan(IdMixin, Base):
    """A stretch of time during which one order was past its promise (hotdash.store.delays).

    Late at instant T means `promise_at < T`, `starts_at <= T` and `ends_at` NULL or after T. An order has
    a span for being unshipped past its ship-by, and one per parcel on its way past the deliver-by (one for
    the order when it is still on its way); the two kinds never overlap in time.
    """

    __tablename__ = "delay_spans"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(IdType, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    promise_at: Mapped[datetime] = mapped_column(doc="the missed promise: ship-by, or deliver-by if shipped")
    starts_at: Mapped[datetime] = mapped_column(doc="placed, or shipped for a parcel on its way")
    ends_at: Mapped[datetime | None] = mapped_column(doc="shipped, delivered or cancelled; NULL: not yet")
    ship_by: Mapped[datetime] = mapped_column(doc="the order's ship-by, as the tiles select by it")
    status: Mapped[str] = mapped_column(String(24), doc="the order's fulfillment status now")
    total: Mapped[Decimal] = mapped_column(Money)


class ShipByHourly(IdMixin, Base):
    """One store's live orders due to ship in one UTC hour (by ship-by), and how many shipped by then."""

    __tablename__ = "ship_by_hourly"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    hour: Mapped[datetime] = mapped_column(doc="start of the UTC hour the ship-by falls in")
    due: Mapped[int] = mapped_column(
        Integer, doc="live orders (not cancelled) with their ship-by in the hour"
    )
    on_time: Mapped[int] = mapped_column(Integer, doc="of those, shipped at or before their ship-by")


UniqueConstraint(ShipByHourly.store_id, ShipByHourly.hour, name="uq_ship_by_hourly_store_hour")
# "Late at T" reads the spans still running at T (ending after it, or not ended and past their promise)
# from this index alone.
Index(
    "ix_delay_spans_store_ends",
    DelaySpan.store_id,
    DelaySpan.ends_at,
    DelaySpan.promise_at,
    DelaySpan.starts_at,
    DelaySpan.ship_by,
    DelaySpan.status,
    DelaySpan.order_id,
    DelaySpan.total,
)
