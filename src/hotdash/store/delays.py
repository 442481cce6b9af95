"""Keep the delay rollups in step with the orders and their parcels: when each order was past its promise
(delay spans), and how many orders were due to ship in each hour and shipped on time (ship_by_hourly).

Fulfillment Health compares today's delayed orders with "as they stood 7 days ago". Rebuilding that from
the raw orders means checking a week of orders and their parcels (~20 ms on a million orders); the spans
answer it from the few rows still running then. Each span is exact, so the state at any instant equals the
raw rebuild, and the whole table can be rebuilt from the raw orders and shipments at any time.

The on-time rate of any week is whole hours of ship_by_hourly plus the orders of its two ragged edges.

An order is late at instant T when it was placed by T, not cancelled by T, and either
- not shipped by T (fulfilled_at NULL or after T) and its ship-by is before T: the span runs from the order's
  placing, counted once past the ship-by, until it shipped or was cancelled; or
- shipped by T, its deliver-by before T, and on its way at T: still on its way now (status "fulfilled"),
  or one of its parcels shipped by T and not delivered by T. One span per parcel (one for the order while
  it is still on its way), from shipping, counted once past the deliver-by, until delivered or cancelled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
)

from hotdash.db.dialects import utc_hour
from hotdash.store.models import DelaySpan, Order, ShipByHourly, Shipment

STATUSES = ("unfulfilled", "partial", "fulfilled", "delivered", "cancelled")
LIVE_STATUSES = STATUSES[:-1]  # due to ship: the on-time rate's orders (tiles.queries.on_time_rate)
COLUMNS = ["store_id", "order_id", "promise_at", "starts_at", "ends_at", "ship_by", "status", "total"]


def _later(a: Any, b: Any) -> ColumnElement[Any]:
    """The later of two timestamps, neither NULL (portable: SQLite has no GREATEST)."""
    return case((a > b, a), else_=b)


def _earlier(a: Any, b: Any) -> ColumnElement[Any]:
    """The earlier of two timestamps, NULL standing for "never"."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def _not_empty(promise: Any, start: Any, end: Any) -> ColumnElement[bool]:
    """Only spans during which the order can be late: ending after both the promise and the start."""
    return or_(end.is_(None), and_(end > promise, end > start))


def refresh_delay_rollups(
    connection: Connection, *, store_id: int, tz: ZoneInfo | None = None, since: datetime | None = None
) -> None:
    """Recompute the store's delay spans and on-time hours for the orders placed at or after `since` (all
    of them if None).

    Call it after writing orders or shipments, in the same transaction, with `since` the earliest
    `placed_at` among the orders written or whose shipments were written (an order placed last month and
    delivered today needs since <= its placed_at). It has the shape of
    hotdash.store.rollups.refresh_rollups so the two are called side by side (refresh_all_rollups calls
    both); `tz` is not needed (both are kept by instant) and accepted for that shape. It writes through the
    connection and commits nothing.
    """
    del tz  # spans and UTC hours are instants, not local days
    _refresh_spans(connection, store_id, since)
    _refresh_ship_by_hours(connection, store_id, since)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _refresh_ship_by_hours(connection: Connection, store_id: int, since: datetime | None) -> None:
    """Recompute ship_by_hourly from the earliest hour an order placed since `since` is due in.

    That hour's bucket also holds orders placed earlier, so every order due from then on is counted again.
    An order's ship-by normally follows its placing; one due before it is covered from `since`'s hour on.
    """
    live = (
        # store_id + 0: read by the (status, ship_by) index, not every order of the store by placing.
        Order.store_id + 0 == store_id,
        Order.fulfillment_status.in_(LIVE_STATUSES),
        Order.cancelled_at.is_(None),
    )
    stale = [ShipByHourly.store_id == store_id]
    due = [*live, Order.ship_by.is_not(None)]
    if since is not None:
        first = connection.execute(
            select(func.min(Order.ship_by)).where(Order.store_id == store_id, Order.placed_at >= since)
        ).scalar()
        hour_from = _floor_hour(min(since, first) if first is not None else since)
        stale.append(ShipByHourly.hour >= hour_from)
        due.append(Order.ship_by >= hour_from)
    connection.execute(delete(ShipByHourly).where(*stale))
    hour = utc_hour(connection, Order.ship_by).label("hour")
    hourly = (
        select(
            literal(store_id), hour, func.count(), func.count().filter(Order.fulfilled_at <= Order.ship_by)
        )
        .where(*due)
        .group_by(hour)
    )
    connection.execute(insert(ShipByHourly).from_select(["store_id", "hour", "due", "on_time"], hourly))


def _refresh_spans(connection: Connection, store_id: int, since: datetime | None) -> None:
    """Recompute the delay spans of the store's orders placed at or after `since` (all if None)."""
    touched = [Order.store_id == store_id]
    if since is not None:
        touched.append(Order.placed_at >= since)
    # Every touched order loses its spans, also one whose status or ship-by now gives it none; found by
    # order (the touched orders are the store's), not by walking the store's spans.
    if since is None:
        connection.execute(delete(DelaySpan).where(DelaySpan.store_id == store_id))
    else:
        connection.execute(delete(DelaySpan).where(DelaySpan.order_id.in_(select(Order.id).where(*touched))))
    mine = [*touched, Order.fulfillment_status.in_(STATUSES), Order.ship_by.is_not(None)]
    common = (Order.ship_by, Order.fulfillment_status, Order.total)

    # Unshipped past the ship-by: from placing until shipped or cancelled.
    unshipped_end = _earlier(Order.fulfilled_at, Order.cancelled_at)
    unshipped = select(
        literal(store_id), Order.id, Order.ship_by, Order.placed_at, unshipped_end, *common
    ).where(*mine, _not_empty(Order.ship_by, Order.placed_at, unshipped_end))

    # Still on its way now: from shipping (and placing) until cancelled.
    shipped_from = _later(Order.placed_at, Order.fulfilled_at)
    on_its_way = select(
        literal(store_id), Order.id, Order.deliver_by, shipped_from, Order.cancelled_at, *common
    ).where(
        *mine,
        Order.fulfillment_status == "fulfilled",
        Order.fulfilled_at.is_not(None),
        Order.deliver_by.is_not(None),
        _not_empty(Order.deliver_by, shipped_from, Order.cancelled_at),
    )

    # Each parcel of an order no longer on its way: from its shipping until delivered or cancelled.
    parcel_from = _later(shipped_from, Shipment.shipped_at)
    parcel_end = _earlier(Shipment.delivered_at, Order.cancelled_at)
    parcels = (
        select(literal(store_id), Order.id, Order.deliver_by, parcel_from, parcel_end, *common)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(
            *mine,
            Order.fulfillment_status != "fulfilled",
            Order.fulfilled_at.is_not(None),
            Order.deliver_by.is_not(None),
            Shipment.shipped_at.is_not(None),
            _not_empty(Order.deliver_by, parcel_from, parcel_end),
        )
    )
    for query in (unshipped, on_its_way, parcels):
        connection.execute(insert(DelaySpan).from_select(COLUMNS, query))


def late_at(store_id: int, moment: datetime, *where: ColumnElement[bool]) -> CompoundSelect[Any]:
    """Return the orders of the store late at `moment` (order_id, total, promise_at), each once.

    In two halves, spans ending after `moment` and spans not ended, so both read a range of
    ix_delay_spans_store_ends (an OR of the two would read the store's whole index); UNION (not ALL) counts
    an order with several parcels on their way once: it has a single promise then.
    """
    running = (
        DelaySpan.promise_at < moment,
        DelaySpan.starts_at <= moment,
        DelaySpan.store_id == store_id,
        *where,
    )
    columns = (DelaySpan.order_id, DelaySpan.total, DelaySpan.promise_at)
    return union(
        select(*columns).where(DelaySpan.ends_at > moment, *running),
        select(*columns).where(DelaySpan.ends_at.is_(None), *running),
    )


__all__ = ["LIVE_STATUSES", "late_at", "refresh_delay_rollups"]
