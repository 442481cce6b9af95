"""Keep the sales rollups in step with the orders, and read sales for any window exactly from them.

A window rarely starts and ends on whole hours: whole hours inside it come from `sales_hourly`, the ragged
edges from the orders themselves (a few minutes of rows, found through the (store, placed_at) index), so the
result equals a scan of the raw orders at a fraction of the cost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from hotdash.db.dialects import shifted_date, utc_hour
from hotdash.store.models import Order, OrderLine, SalesHourly, SkuSalesDaily, Store

LIVE = Order.cancelled_at.is_(None)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def _offset_segments(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Return (from, UTC offset in seconds) for each stretch of constant offset between start and end."""
    segments: list[tuple[datetime, int]] = []
    moment = _floor_hour(start)
    while moment <= end + timedelta(hours=1):
        offset = moment.astimezone(tz).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        if not segments or segments[-1][1] != seconds:
            segments.append((moment, seconds))
        moment += timedelta(hours=1)
    return segments


def refresh_rollups(
    connection: Connection,
    *,
    store_id: int,
    tz: ZoneInfo,
    since: datetime | None = None,
    until: datetime | None = None,
) -> None:
    """Recompute the store's rollups for the hours and local days from `since` to `until` (both inclusive).

    None means the store's first (or last) order. Call after writing orders or their lines; an import
    passes the span its batch touched, so a day's orders do not rebuild a year of rollups.
    """
    bounds = connection.execute(
        select(func.min(Order.placed_at), func.max(Order.placed_at)).where(Order.store_id == store_id)
    ).one()
    # An order moved out of an hour still leaves that hour to recompute, so a given bound is used as it is.
    start = since if since is not None else bounds[0]
    last = until if until is not None else bounds[1]
    if start is None or last is None:
        return
    hour_from = _floor_hour(start)
    hour_to = _floor_hour(last) + timedelta(hours=1)
    day_from = start.astimezone(tz).date()
    day_to = last.astimezone(tz).date()
    day_start = datetime.combine(day_from, datetime.min.time(), tz)
    day_end = datetime.combine(day_to + timedelta(days=1), datetime.min.time(), tz)
    connection.execute(
        delete(SalesHourly).where(
            SalesHourly.store_id == store_id, SalesHourly.hour >= hour_from, SalesHourly.hour < hour_to
        )
    )
    connection.execute(
        delete(SkuSalesDaily).where(
            SkuSalesDaily.store_id == store_id, SkuSalesDaily.day >= day_from, SkuSalesDaily.day <= day_to
        )
    )

    units = (
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    hour = utc_hour(connection, Order.placed_at).label("hour")
    hourly = (
        select(literal(store_id), hour, func.count(), func.sum(Order.total), func.sum(units))
        .where(Order.store_id == store_id, LIVE, Order.placed_at >= hour_from, Order.placed_at < hour_to)
        .group_by(hour)
    )
    connection.execute(
        insert(SalesHourly).from_select(["store_id", "hour", "orders", "revenue", "units"], hourly)
    )

    segments = _offset_segments(tz, day_start, day_end)
    whens = [
        (Order.placed_at < nxt, shifted_date(connection, Order.placed_at, off))
        for (_, off), (nxt, _) in itertools.pairwise(segments)
    ]
    last_offset = shifted_date(connection, Order.placed_at, segments[-1][1])
    local_day = (case(*whens, else_=last_offset) if whens else last_offset).label("day")
    daily = (
        select(
            literal(store_id),
            OrderLine.sku_id,
            local_day,
            func.sum(OrderLine.quantity),
            func.sum(OrderLine.total),
            func.count(func.distinct(OrderLine.order_id)),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.store_id == store_id,
            LIVE,
            Order.placed_at >= day_start,
            Order.placed_at < day_end,
            OrderLine.sku_id.is_not(None),
        )
        .group_by(OrderLine.sku_id, local_day)
        # Written in day order, so a window of days is a contiguous stretch of the table to read.
        .order_by(local_day, OrderLine.sku_id)
    )
    connection.execute(
        insert(SkuSalesDaily).from_select(["store_id", "sku_id", "day", "units", "revenue", "orders"], daily)
    )


def refresh_all_rollups(connection: Connection) -> None:
    """Recompute the rollups of every store from scratch."""
    for store_id, timezone in connection.execute(select(Store.id, Store.timezone)).all():
        refresh_rollups(connection, store_id=store_id, tz=ZoneInfo(timezone))


@dataclass(frozen=True)
class SalesTotals:
    """Orders, revenue and units of one store in one window; cancelled orders excluded."""

    orders: int
    revenue: Decimal
    units: int

    @property
    def aov(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(Decimal("0.01")) if self.orders else None


def sales_totals(*, session: Session, store_id: int, start: datetime, end: datetime) -> SalesTotals:
    """Return the store's sales in [start, end), exactly, reading whole hours from the rollup."""
    inner_start, inner_end = _ceil_hour(start), _floor_hour(end)
    orders, revenue, units = 0, Decimal("0"), 0
    if inner_start < inner_end:
        row = session.execute(
            select(
                func.coalesce(func.sum(SalesHourly.orders), 0),
                func.coalesce(func.sum(SalesHourly.revenue), 0),
                func.coalesce(func.sum(SalesHourly.units), 0),
            ).where(
                SalesHourly.store_id == store_id,
                SalesHourly.hour >= inner_start,
                SalesHourly.hour < inner_end,
            )
        ).one()
        orders, revenue, units = int(row[0]), Decimal(str(row[1])), int(row[2])
        edges = or_(
            and_(Order.placed_at >= start, Order.placed_at < inner_start),
            and_(Order.placed_at >= inner_end, Order.placed_at < end),
        )
    else:
        edges = and_(Order.placed_at >= start, Order.placed_at < end)
    line_units = (
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    raw = session.execute(
        select(
            func.count(), func.coalesce(func.sum(Order.total), 0), func.coalesce(func.sum(line_units), 0)
        ).where(Order.store_id == store_id, LIVE, edges)
    ).one()
    total = (revenue + Decimal(str(raw[1]))).quantize(Decimal("0.01"))
    return SalesTotals(orders=orders + int(raw[0]), revenue=total, units=units + int(raw[2]))
