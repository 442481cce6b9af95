"""Small pieces the Sales, Fulfillment and SEO tiles share: trends, figures, local days and order queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from hotdash.db.dialects import shifted_date
from hotdash.store.definitions import OPEN_ORDER_STATUSES, order_is_late_unshipped
from hotdash.store.delays import LIVE_STATUSES, late_at
from hotdash.store.models import DelaySpan, Order, SalesHourly, ShipByHourly
from hotdash.tiles.schemas import Figure, RecordRef, Trend, Unit
from hotdash.tiles.windows import change_pct

# Any SELECT, whatever its columns (SQLAlchemy 2.1 types a Select by its column types).
AnySelect = Select[*tuple[Any, ...]]
RECORDS_LISTED = 50
CENT = Decimal("0.01")
HOUR = timedelta(hours=1)


def unindexed(column: QueryableAttribute[Any]) -> ColumnElement[Any]:
    """Return `column + 0`: the same value, but no index on it is used to filter.

    Without statistics SQLite rates `store_id = ?` as selective as `fulfillment_status = ?` and may walk the
    (store_id, placed_at) index over every order of the store instead of the few with one status.
    """
    return column + 0


def ref(entity: str, record_id: int, label: str) -> RecordRef:
    """Return a drill-down pointer to one record of the entity keyed `entity` (see hotdash.store.entities)."""
    return RecordRef(entity=entity, id=record_id, label=label)


def trend(current: float | None, previous: float | None) -> Trend | None:
    """Return the trend of `current` against `previous`, or None when there is no previous value."""
    if previous is None:
        return None
    return Trend(previous=previous, change_pct=change_pct(current, previous))


def mean(values: Sequence[float | None]) -> float | None:
    """Return the mean of the values that exist, or None if none do."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def figure(
    key: str,
    label: str,
    value: float | None,
    unit: Unit,
    *,
    last_week: float | None = None,
    baseline: float | None = None,
    better: Literal["up", "down", "neither"] = "up",
) -> Figure:
    """Return a headline figure with its trends against last week and the 7-day baseline."""
    return Figure(
        key=key,
        label=label,
        value=value,
        unit=unit,
        vs_last_week=trend(value, last_week),
        vs_baseline=trend(value, baseline),
        better=better,
    )


def as_float(amount: Decimal | float | int | None) -> float | None:
    """Return an amount as a float for a figure, keeping None."""
    return None if amount is None else float(amount)


def money(amount: Any) -> Decimal:
    """Return a database sum (Decimal, float or None) as an exact amount in cents."""
    return Decimal(str(amount or 0)).quantize(CENT)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """Return the store-local calendar date of an instant."""
    return moment.astimezone(tz).date()


def local_start(day: date, tz: ZoneInfo) -> datetime:
    """Return the instant a local day starts."""
    return datetime.combine(day, time(0), tz)


def days_between(first: date, last: date) -> list[date]:
    """Return the dates from `first` to `last`, both included."""
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def fmt_pct(value: float | None) -> str:
    """Return a change as a person reads it: '+12.5%', or 'n/a' without a comparison."""
    return "n/a" if value is None else f"{value:+.1f}%"


def fmt_money(amount: Decimal | float, currency: str) -> str:
    """Return an amount with its currency, rounded to whole units for a sentence."""
    return f"{float(amount):,.0f} {currency}"


def late_open_orders(store_id: int, now: datetime) -> AnySelect:
    """Return the open orders of the store past their ship-by promise (not cancelled)."""
    return select(Order.id, Order.number, Order.total, Order.location_id, Order.ship_by).where(
        order_is_late_unshipped(Order, now), unindexed(Order.store_id) == store_id
    )


def summary_and_first(query: AnySelect, order_by: Sequence[str], limit: int = RECORDS_LISTED) -> AnySelect:
    """Return the first rows of `query` by `order_by`, each with the count and `total` sum of all its rows.

    The rows are materialized once and read twice, for the totals and for the LIMITed list: cheaper in
    SQLite than window aggregates, which sort every row. With no rows it returns one row of nulls, n_all 0.
    """
    found = query.cte("found").prefix_with("MATERIALIZED")
    totals = select(func.count().label("n_all"), func.sum(found.c.total).label("value_all")).subquery()
    first = select(found).order_by(*(found.c[name] for name in order_by)).limit(limit).subquery()
    return (
        select(totals, first)
        .select_from(totals.outerjoin(first, true()))
        .order_by(*(first.c[name] for name in order_by))
    )


@dataclass(frozen=True)
class DelayHistory:
    """Delayed orders as they stood 7 days ago, and the on-time ship rates of the last two weeks."""

    delayed: int
    value: Decimal
    oldest: datetime | None
    on_time: float | None
    on_time_before: float | None


def on_time_rate(session: Session, store_id: int, start: datetime, end: datetime) -> float | None:
    """Return the share of live orders due to ship in [start, end) that shipped by their ship-by.

    Whole UTC hours come from ship_by_hourly (hotdash.store.delays), the ragged edges from the orders
    themselves, so the rate equals a count over the raw orders.
    """
    inner_start, inner_end = _inner_hours(start, end)
    due, ok = 0, 0
    if inner_start < inner_end:
        row = session.execute(
            select(
                func.coalesce(func.sum(ShipByHourly.due), 0), func.coalesce(func.sum(ShipByHourly.on_time), 0)
            ).where(
                ShipByHourly.store_id == store_id,
                ShipByHourly.hour >= inner_start,
                ShipByHourly.hour < inner_end,
            )
        ).one()
        due, ok = int(row[0]), int(row[1])
        edges = [(start, inner_start), (inner_end, end)]
    else:
        edges = [(start, end)]
    live = (
        Order.fulfillment_status.in_(LIVE_STATUSES),
        Order.cancelled_at.is_(None),
        unindexed(Order.store_id) == store_id,
    )
    # One range of the (status, ship_by) index per edge: an OR of the two would read every live order.
    shipped = func.count().filter(Order.fulfilled_at <= Order.ship_by)
    parts = [
        select(func.count().label("due"), shipped.label("ok")).where(
            *live, Order.ship_by >= a, Order.ship_by < b
        )
        for a, b in edges
        if a < b
    ]
    if parts:
        counts = union_all(*parts).subquery()
        raw_due, raw_ok = session.execute(select(func.sum(counts.c.due), func.sum(counts.c.ok))).one()
        due, ok = due + int(raw_due or 0), ok + int(raw_ok or 0)
    return ok / due if due else None


def delay_history(session: Session, store_id: int, now: datetime, days: int = 7) -> DelayHistory:
    """Read the delayed orders of `days` ago from the delay spans, and the on-time ship rates of the two weeks
    before now from the on-time hours.

    Late then (hotdash.store.delays): placed, not yet cancelled, and either not shipped by its ship-by, or
    shipped and not delivered by its deliver-by. Judged: every order whose ship-by fell in the week before
    then, and older ones still open or on their way now; one already a week late then and finished since
    is missed (the rule from when this was rebuilt from a week of raw orders, kept so the figure does not
    move). That week of orders is also the earlier week of the on-time rate.
    """
    then, since = now - timedelta(days=days), now - timedelta(days=2 * days)
    judged = and_(
        DelaySpan.ship_by < then,
        or_(DelaySpan.ship_by >= since, DelaySpan.status.in_((*OPEN_ORDER_STATUSES, "fulfilled"))),
    )
    late = late_at(store_id, then, judged).subquery()
    count, value, oldest = session.execute(
        select(func.count(), func.sum(late.c.total), func.min(late.c.promise_at))
    ).one()
    return DelayHistory(
        delayed=int(count),
        value=money(value),
        oldest=oldest,
        on_time=on_time_rate(session, store_id, then, now),
        on_time_before=on_time_rate(session, store_id, since, then),
    )


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _inner_hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Return the whole UTC hours inside [start, end) as [first, last), possibly empty."""
    first = _floor_hour(start)
    return (first if first == start else first + HOUR), _floor_hour(end)


def _raw_revenue(session: Session, store_id: int, start: datetime, end: datetime) -> Decimal:
    live = (Order.store_id == store_id, Order.cancelled_at.is_(None))
    query = select(func.sum(Order.total)).where(*live, Order.placed_at >= start, Order.placed_at < end)
    return money(session.scalar(query))


def revenue_by_hour(
    session: Session, store_id: int, start: datetime, end: datetime
) -> dict[datetime, Decimal]:
    """Return revenue per UTC hour touching [start, end): whole hours from the rollup, edges from orders."""
    hours: dict[datetime, Decimal] = {}
    moment = _floor_hour(start)
    while moment < end:
        hours[moment] = Decimal("0.00")
        moment += HOUR
    inner_start, inner_end = _inner_hours(start, end)
    if inner_start >= inner_end:
        hours[_floor_hour(start)] = _raw_revenue(session, store_id, start, end)
        return hours
    in_range = (
        SalesHourly.store_id == store_id,
        SalesHourly.hour >= inner_start,
        SalesHourly.hour < inner_end,
    )
    for hour, revenue in session.execute(
        select(SalesHourly.hour, SalesHourly.revenue).where(*in_range)
    ).all():
        hours[hour.astimezone(UTC)] = money(revenue)
    if start < inner_start:
        hours[_floor_hour(start)] = _raw_revenue(session, store_id, start, inner_start)
    if inner_end < end:
        hours[inner_end] = _raw_revenue(session, store_id, inner_end, end)
    return hours


def local_day(
    session: Session, column: Any, tz: ZoneInfo, start: datetime, end: datetime
) -> ColumnElement[Any]:
    """Return an expression for the store-local date of a UTC timestamp column within [start, end)."""
    segments: list[tuple[datetime, int]] = []  # (from, UTC offset in seconds) per stretch of constant offset
    moment = _floor_hour(start)
    while moment < end:
        offset = moment.astimezone(tz).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        if not segments or segments[-1][1] != seconds:
            segments.append((moment, seconds))
        moment += HOUR
    connection = session.connection()
    whens = [
        (column < nxt, shifted_date(connection, column, off)) for (_, off), (nxt, _) in pairwise(segments)
    ]
    last = shifted_date(connection, column, segments[-1][1] if segments else 0)
    return type_coerce(case(*whens, else_=last) if whens else last, Date())


def revenue_by_day(
    session: Session, store_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> dict[date, Decimal]:
    """Return revenue per local day of [start, end): the rollup's whole hours summed per day in SQL."""
    days = dict.fromkeys(
        days_between(local_date(start, tz), local_date(end - timedelta(microseconds=1), tz)), Decimal("0.00")
    )
    inner_start, inner_end = _inner_hours(start, end)
    if inner_start >= inner_end:
        days[local_date(start, tz)] += _raw_revenue(session, store_id, start, end)
        return days
    day = local_day(session, SalesHourly.hour, tz, inner_start, inner_end)
    rows = session.execute(
        select(day, func.sum(SalesHourly.revenue))
        .where(
            SalesHourly.store_id == store_id, SalesHourly.hour >= inner_start, SalesHourly.hour < inner_end
        )
        .group_by(day)
    ).all()
    for when, revenue in rows:
        days[when] = days.get(when, Decimal("0.00")) + money(revenue)
    if start < inner_start:
        days[local_date(start, tz)] += _raw_revenue(session, store_id, start, inner_start)
    if inner_end < end:
        days[local_date(inner_end, tz)] += _raw_revenue(session, store_id, inner_end, end)
    return days
