"""Figures derived from the orders, kept in step after each batch: lifetime figures and rollups."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from hotdash.db.dialects import in_values
from hotdash.db.types import Money, UTCDateTime
from hotdash.store.delays import refresh_delay_rollups
from hotdash.store.ingest.resolve import chunks
from hotdash.store.ingest.writer import CustomerShare
from hotdash.store.models import Customer, Order, Refund, Store
from hotdash.store.rollups import refresh_rollups

# A batch's touched hours are covered by at most this many spans. Merging two spans recomputes the hours
# between them for nothing, which is cheap next to one more pass over the rollup tables.
MAX_SPANS = 8
# Spans closer than this are merged anyway: the daily rollup recomputes whole local days.
MERGE_GAP = timedelta(days=1)


def refresh_customer_figures(*, session: Session, customer_ids: Iterable[int]) -> None:
    """Recompute first_order_at, orders_count and total_spent of these customers from their orders.

    The figures count orders that were not cancelled, net of their processed refunds, as the data model says.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return
    dialect = session.get_bind().dialect.name
    # One pass over each customer's live orders gives all three figures (a subquery per figure read every
    # order three times, and each import chunk touches most customers of a store again).
    refunded = (
        select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.order_id == Order.id, Refund.status == "processed")
        .scalar_subquery()
    )
    for part in chunks(ids, 50_000):
        mine = in_values(dialect, Order.customer_id, part)
        figures = (
            select(
                Order.customer_id.label("customer_id"),
                func.min(Order.placed_at).label("first"),
                func.count().label("count"),
                (func.sum(Order.total) - func.sum(refunded)).label("spent"),
            )
            .where(mine, Order.cancelled_at.is_(None))
            .group_by(Order.customer_id)
            .subquery()
        )
        session.execute(
            update(Customer)
            .where(Customer.id == figures.c.customer_id)
            .values(first_order_at=figures.c.first, orders_count=figures.c.count, total_spent=figures.c.spent)
            .execution_options(synchronize_session=False)
        )
        # A customer with no live order left (all cancelled, or moved to another customer) is back at zero.
        live = select(Order.id).where(Order.customer_id == Customer.id, Order.cancelled_at.is_(None))
        session.execute(
            update(Customer)
            .where(in_values(dialect, Customer.id, part), ~live.exists())
            .values(first_order_at=None, orders_count=0, total_spent=0)
            .execution_options(synchronize_session=False)
        )


def add_customer_shares(*, session: Session, shares: Mapping[int, CustomerShare]) -> None:
    """Add what new live orders bring to their customers' stored figures (`Touched.customer_shares`).

    The same as recomputing those customers (refresh_customer_figures) while the stored figures are those of
    the orders already written, which every write keeps true; one UPDATE per customer by its key, without
    reading any of its orders, which a large import would otherwise read again for every chunk.
    """
    if not shares:
        return
    first = bindparam("_first", type_=UTCDateTime())
    table = cast(Table, Customer.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(
            orders_count=table.c.orders_count + bindparam("_orders"),
            total_spent=table.c.total_spent + bindparam("_spent", type_=Money()),
            first_order_at=case(
                (or_(table.c.first_order_at.is_(None), table.c.first_order_at > first), first),
                else_=table.c.first_order_at,
            ),
        )
    )
    rows = [
        {"_id": customer, "_orders": share.orders, "_spent": share.spent, "_first": share.first}
        for customer, share in sorted(shares.items())
    ]
    session.connection().execute(statement, rows)


def spans(moments: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Cover the given instants with at most MAX_SPANS closed intervals, splitting at the widest gaps."""
    # Aware datetimes compare by instant whatever their zone, so only the ends need moving to UTC. No set:
    # hashing an aware datetime asks its zone for the offset, and repeats only add gaps of zero. Imports
    # come mostly in time order, which sorting takes in one pass.
    ordered = sorted(moments)
    if not ordered:
        return []
    gaps = sorted(
        (later - earlier, index)
        for index, (earlier, later) in enumerate(itertools.pairwise(ordered))
        if later - earlier > MERGE_GAP
    )
    cuts = sorted(index for _, index in gaps[-(MAX_SPANS - 1) :]) if MAX_SPANS > 1 else []
    result: list[tuple[datetime, datetime]] = []
    start = 0
    for cut in cuts:
        result.append((ordered[start], ordered[cut]))
        start = cut + 1
    result.append((ordered[start], ordered[-1]))
    return [(since.astimezone(UTC), until.astimezone(UTC)) for since, until in result]


def refresh_touched_rollups(*, session: Session, store_id: int, moments: Iterable[datetime]) -> None:
    """Recompute the rollups that depend on orders placed at these times, and nothing else.

    Sales rollups: the hours and local days around each time. Delay spans and on-time hours: the orders placed
    from the earliest of them on (hotdash.store.delays keeps them by order, not by hour).
    """
    covered = spans(moments)
    if not covered:
        return
    timezone = session.execute(select(Store.timezone).where(Store.id == store_id)).scalar_one()
    connection = session.connection()
    for since, until in covered:
        refresh_rollups(connection, store_id=store_id, tz=ZoneInfo(timezone), since=since, until=until)
    refresh_delay_rollups(connection, store_id=store_id, since=covered[0][0])
