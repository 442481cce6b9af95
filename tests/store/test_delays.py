"""The delay rollups answer as the raw rows do: the spans say exactly which orders were late at any instant,
the on-time hours give the on-time ship rate of any window.

Orders and parcels are drawn at random (seeded) on a grid of whole hours, so many instants fall exactly on
a promise, a shipping or a delivery; the spans' answer is compared with the definition applied to the raw
rows in Python, before and after orders change.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.store import models as m
from hotdash.store.delays import late_at, refresh_delay_rollups
from hotdash.tiles.queries import on_time_rate
from tests.tiles.builders import add

T0 = datetime(2026, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)
NY = ZoneInfo("America/New_York")
STATUSES = ("unfulfilled", "partial", "fulfilled", "delivered", "cancelled")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def _hour(rng: random.Random, low: int, high: int) -> datetime:
    return T0 + rng.randint(low, high) * H


def _maybe(rng: random.Random, moment: datetime, share: float = 0.7) -> datetime | None:
    return moment if rng.random() < share else None


def _orders(session: Session, store: m.Store, rng: random.Random, count: int) -> list[m.Order]:
    orders = []
    for _ in range(count):
        placed = _hour(rng, 0, 60)
        ship_by = placed + rng.randint(-2, 30) * H  # now and then a promise before the placing
        fulfilled = _maybe(rng, placed + rng.randint(0, 50) * H)
        status = rng.choice(STATUSES)
        o = add(
            session,
            m.Order,
            store_id=store.id,
            total=Decimal(rng.randint(100, 99_999)) / 100,
            fulfillment_status=status,
            placed_at=placed,
            ship_by=_maybe(rng, ship_by, 0.95),
            deliver_by=_maybe(rng, ship_by + rng.randint(0, 40) * H, 0.9),
            fulfilled_at=fulfilled,
            cancelled_at=_maybe(rng, placed + rng.randint(0, 80) * H, 0.15),
        )
        if fulfilled is not None:
            for _parcel in range(rng.choice((0, 1, 1, 1, 2, 3))):
                shipped = _maybe(rng, fulfilled + rng.randint(-3, 20) * H, 0.9)
                delivered = None if shipped is None else _maybe(rng, shipped + rng.randint(0, 60) * H)
                add(session, m.Shipment, order_id=o.id, shipped_at=shipped, delivered_at=delivered)
        orders.append(o)
    return orders


def _late_by_definition(session: Session, store: m.Store, moment: datetime) -> set[tuple[int, datetime]]:
    """(order id, missed promise) of every order late at `moment`, straight from the definition."""
    late = set()
    orders = session.scalars(select(m.Order).where(m.Order.store_id == store.id)).all()
    for o in orders:
        if o.fulfillment_status not in STATUSES or o.ship_by is None or o.placed_at > moment:
            continue
        if o.cancelled_at is not None and o.cancelled_at <= moment:
            continue
        if (o.fulfilled_at is None or o.fulfilled_at > moment) and o.ship_by < moment:
            late.add((o.id, o.ship_by))
            continue
        if (
            o.fulfilled_at is None
            or o.deliver_by is None
            or o.fulfilled_at > moment
            or o.deliver_by >= moment
        ):
            continue
        parcels = session.scalars(select(m.Shipment).where(m.Shipment.order_id == o.id)).all()
        on_its_way = o.fulfillment_status == "fulfilled" or any(
            p.shipped_at is not None
            and p.shipped_at <= moment
            and (p.delivered_at is None or p.delivered_at > moment)
            for p in parcels
        )
        if on_its_way:
            late.add((o.id, o.deliver_by))
    return late


def _late_by_spans(session: Session, store: m.Store, moment: datetime) -> set[tuple[int, datetime]]:
    rows = session.execute(late_at(store.id, moment)).all()
    assert len(rows) == len({r.order_id for r in rows}), "an order counted twice"
    return {(r.order_id, r.promise_at.astimezone(UTC)) for r in rows}


def _instants(session: Session) -> list[datetime]:
    """Whole hours across the data (many of them exactly on an event) and a minute after some."""
    hours = [T0 + k * H for k in range(-2, 150, 3)]
    return hours + [h + timedelta(minutes=1) for h in hours[::5]]


def _assert_spans_match(session: Session, store: m.Store) -> None:
    for moment in _instants(session):
        expected = _late_by_definition(session, store, moment)
        assert _late_by_spans(session, store, moment) == expected, moment


def _on_time_by_definition(session: Session, store: m.Store, start: datetime, end: datetime) -> float | None:
    due = [
        o
        for o in session.scalars(select(m.Order).where(m.Order.store_id == store.id))
        if o.fulfillment_status in STATUSES[:-1]
        and o.cancelled_at is None
        and o.ship_by is not None
        and start <= o.ship_by < end
    ]
    ok = [o for o in due if o.fulfilled_at is not None and o.fulfilled_at <= o.ship_by]
    return len(ok) / len(due) if due else None


def _assert_on_time_matches(session: Session, store: m.Store) -> None:
    rng = random.Random(5)
    windows = [
        (T0 + 10 * H, T0 + 60 * H),
        (T0, T0 + 200 * H),
        (T0 + 20 * H, T0 + 20 * H + timedelta(minutes=30)),
    ]
    for _ in range(12):  # ragged edges: minutes past the hour, on both sides
        start = T0 + timedelta(minutes=rng.randint(0, 80 * 60))
        windows.append((start, start + timedelta(minutes=rng.randint(1, 70 * 60))))
    rates = []
    for start, end in windows:
        expected = _on_time_by_definition(session, store, start, end)
        assert on_time_rate(session, store.id, start, end) == expected, (start, end)
        rates.append(expected)
    assert any(r is not None and 0 < r < 1 for r in rates)  # neither all late nor all on time


def _spans(session: Session, store: m.Store) -> list[tuple[object, ...]]:
    columns = (m.DelaySpan.order_id, m.DelaySpan.promise_at, m.DelaySpan.starts_at, m.DelaySpan.ends_at)
    query = select(*columns, m.DelaySpan.status, m.DelaySpan.total).where(m.DelaySpan.store_id == store.id)
    return sorted(tuple(r) for r in session.execute(query).all())


def _hours(session: Session, store: m.Store) -> list[tuple[object, ...]]:
    query = select(m.ShipByHourly.hour, m.ShipByHourly.due, m.ShipByHourly.on_time).where(
        m.ShipByHourly.store_id == store.id
    )
    return sorted(tuple(r) for r in session.execute(query).all())


def test_spans_and_hours_answer_as_the_raw_orders_do(session: Session) -> None:
    store = add(session, m.Store)
    _orders(session, store, random.Random(3), 160)

    refresh_delay_rollups(session.connection(), store_id=store.id, tz=NY)

    _assert_spans_match(session, store)
    _assert_on_time_matches(session, store)
    # The data means something: late unshipped orders and late parcels, dozens at once.
    ship_by = {o.id: o.ship_by for o in session.scalars(select(m.Order))}
    late = _late_by_definition(session, store, T0 + 40 * H)
    assert len(late) >= 10
    assert any(promise == ship_by[i] for i, promise in late)
    assert any(promise != ship_by[i] for i, promise in late)


def test_spans_follow_orders_that_change_and_equal_a_rebuild(session: Session) -> None:
    store = add(session, m.Store)
    other = add(session, m.Store)
    rng = random.Random(11)
    orders = _orders(session, store, rng, 120)
    _orders(session, other, rng, 20)
    refresh_delay_rollups(session.connection(), store_id=store.id, tz=NY)
    refresh_delay_rollups(session.connection(), store_id=other.id, tz=NY)
    others_before = _spans(session, other)

    # The recent orders change the way an import would change them: shipped, delivered, cancelled.
    cutoff = T0 + 30 * H
    changed = [o for o in orders if o.placed_at >= cutoff]
    assert len(changed) >= 20
    for i, o in enumerate(changed):
        if i % 3 == 0:
            o.fulfillment_status, o.fulfilled_at = "fulfilled", o.placed_at + 40 * H
            o.deliver_by = o.placed_at + 45 * H
            add(session, m.Shipment, order_id=o.id, shipped_at=o.fulfilled_at)
        elif i % 3 == 1:
            o.fulfillment_status = "delivered"
            for parcel in session.scalars(select(m.Shipment).where(m.Shipment.order_id == o.id)):
                parcel.delivered_at = (parcel.shipped_at or o.placed_at) + 70 * H
        else:
            o.fulfillment_status, o.cancelled_at = "cancelled", o.placed_at + 20 * H
    session.flush()
    late_then = {i for i, _ in _late_by_definition(session, store, T0 + 80 * H)}
    late_order = next(o for o in changed if o.id in late_then)
    late_order.ship_by = None  # a promise withdrawn: the order was never late
    added = _orders(session, store, random.Random(12), 10)
    session.flush()
    since = min(o.placed_at for o in [*changed, *added])

    refresh_delay_rollups(session.connection(), store_id=store.id, tz=NY, since=since)

    _assert_spans_match(session, store)
    _assert_on_time_matches(session, store)
    incremental, hours = _spans(session, store), _hours(session, store)
    refresh_delay_rollups(session.connection(), store_id=store.id, tz=NY)
    assert _spans(session, store) == incremental  # the same as rebuilt from scratch
    assert _hours(session, store) == hours
    assert _spans(session, other) == others_before  # another store's spans are left alone
    count = session.scalar(
        select(func.count()).select_from(m.DelaySpan).where(m.DelaySpan.store_id == store.id)
    )
    assert count == len(incremental) > 0
