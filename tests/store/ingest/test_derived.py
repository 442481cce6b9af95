"""After each batch: customers' lifetime figures and the sales rollups agree with the raw orders."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from hotdash.store.delays import refresh_delay_rollups
from hotdash.store.ingest.absent import ABSENT
from hotdash.store.ingest.columns import upsert_columns
from hotdash.store.ingest.derived import MAX_SPANS, spans
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import (
    Customer,
    DelaySpan,
    Order,
    OrderLine,
    Refund,
    SalesHourly,
    ShipByHourly,
    SkuSalesDaily,
)
from hotdash.store.rollups import refresh_rollups
from tests.store.ingest.batches import at, small_shop


def load(session: Session, store_id: int, batch: Any) -> Any:
    result = upsert_batch(session=session, store_id=store_id, source="csv", batch=batch)
    session.commit()
    return result


def expected_figures(session: Session, external_id: str) -> tuple[Any, int, Decimal]:
    """Compute a customer's figures in Python from the raw rows, independently of the SQL under test."""
    customer_id = session.execute(select(Customer.id).where(Customer.external_id == external_id)).scalar()
    orders = session.execute(select(Order).where(Order.customer_id == customer_id)).scalars().all()
    live = [o for o in orders if o.cancelled_at is None]
    refunds = session.execute(select(Refund)).scalars().all()
    refunded = sum(
        (r.amount for r in refunds if r.status == "processed" and r.order_id in {o.id for o in live}),
        Decimal(0),
    )
    first = min((o.placed_at for o in live), default=None)
    return first, len(live), sum((o.total for o in live), Decimal(0)) - refunded


def figures(session: Session, external_id: str) -> tuple[Any, int, Decimal]:
    row = session.execute(
        select(Customer.first_order_at, Customer.orders_count, Customer.total_spent).where(
            Customer.external_id == external_id
        )
    ).one()
    return row[0], row[1], row[2]


def test_lifetime_figures_count_live_orders_net_of_processed_refunds(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())

    # O1 45 + O2 20 (O3 cancelled), less R1's processed 10 (R2 is only requested).
    assert figures(session, "C1") == (at(2, 10, 15), 2, Decimal("55.00"))
    assert figures(session, "C1") == expected_figures(session, "C1")
    assert figures(session, "C2") == (None, 0, Decimal("0.00"))


def test_lifetime_figures_follow_cancellations_refunds_and_reassignment(
    session: Session, store_id: int
) -> None:
    load(session, store_id, small_shop())

    load(session, store_id, {
        "orders": [{"external_id": "O1", "cancelled_at": at(9), "updated_at": at(9)},
                   {"external_id": "O2", "customer_external_id": "C2", "updated_at": at(9)}],
        "refunds": [{"external_id": "R2", "status": "processed", "processed_at": at(9)}],
    })  # fmt: skip

    assert figures(session, "C1") == expected_figures(session, "C1") == (None, 0, Decimal("0.00"))
    assert figures(session, "C2") == expected_figures(session, "C2") == (at(3, 8, 5), 1, Decimal("12.50"))


def _new_orders(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Order records as upsert_columns takes them: field -> one value per row, ABSENT where left out."""
    base = {
        "channel": "web",
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
    }
    records = [
        {**base, "number": f"#{r['external_id']}", "subtotal": r["total"], "updated_at": r["placed_at"], **r}
        for r in rows
    ]
    names = sorted({name for record in records for name in record})
    return {name: [record.get(name, ABSENT) for record in records] for name in names}


def test_new_orders_add_to_their_customers_figures_as_a_recount_would(
    session: Session, store_id: int
) -> None:
    load(session, store_id, small_shop())  # C1: O1 45 + O2 20, O3 cancelled, R1 processed 10; C2: none

    # New orders only: each customer's figures grow by its new live orders, none of them read again.
    new = _new_orders([
        {"external_id": "O10", "customer_external_id": "C1", "total": Decimal("7.50"), "placed_at": at(1, 8)},
        {"external_id": "O11", "customer_external_id": "C1", "total": Decimal("99.00"), "placed_at": at(1, 7),
         "cancelled_at": at(1, 9)},
        {"external_id": "O12", "customer_external_id": "C2", "total": Decimal("3.25"), "placed_at": at(5)},
        {"external_id": "O13", "customer_external_id": "C2", "total": Decimal("1.10"), "placed_at": at(6)},
        {"external_id": "O14", "total": Decimal("5.00"), "placed_at": at(6)},
    ])  # fmt: skip
    result = upsert_columns(session=session, store_id=store_id, source="csv", entity="orders", columns=new,
                            errors=[[] for _ in new["external_id"]])  # fmt: skip
    session.commit()
    assert result.outcomes == ["inserted"] * 5
    assert figures(session, "C1") == expected_figures(session, "C1") == (at(1, 8), 3, Decimal("62.50"))
    assert figures(session, "C2") == expected_figures(session, "C2") == (at(5), 2, Decimal("4.35"))

    # New orders beside an update that moves O2 from C1 to C2: both are recounted, the new orders with them.
    mixed = _new_orders([
        {"external_id": "O15", "customer_external_id": "C1", "total": Decimal("2.00"), "placed_at": at(7)},
        {"external_id": "O16", "customer_external_id": "C2", "total": Decimal("4.00"), "placed_at": at(7)},
        {"external_id": "O2", "customer_external_id": "C2", "total": Decimal("20.00"),
         "placed_at": at(3, 8, 5), "number": "#1002", "updated_at": at(9)},
    ])  # fmt: skip
    result = upsert_columns(session=session, store_id=store_id, source="csv", entity="orders", columns=mixed,
                            errors=[[] for _ in mixed["external_id"]])  # fmt: skip
    session.commit()
    assert result.outcomes == ["inserted", "inserted", "updated"]
    assert figures(session, "C1") == expected_figures(session, "C1") == (at(1, 8), 3, Decimal("44.50"))
    assert figures(session, "C2") == expected_figures(session, "C2") == (at(3, 8, 5), 4, Decimal("28.35"))


def rollup_rows(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    hourly = session.execute(
        select(SalesHourly.hour, SalesHourly.orders, SalesHourly.revenue, SalesHourly.units).order_by(
            SalesHourly.hour
        )
    ).all()
    daily = session.execute(
        select(SkuSalesDaily.day, SkuSalesDaily.sku_id, SkuSalesDaily.units, SkuSalesDaily.revenue).order_by(
            SkuSalesDaily.day, SkuSalesDaily.sku_id
        )
    ).all()
    return [tuple(r) for r in hourly], [tuple(r) for r in daily]


def full_rebuild(session: Session, store_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rollups recomputed from scratch, as the reference the incremental refresh must equal."""
    nested = session.begin_nested()
    refresh_rollups(session.connection(), store_id=store_id, tz=ZoneInfo("Europe/Berlin"))
    rows = rollup_rows(session)
    nested.rollback()
    return rows


def test_rollups_match_the_orders_after_inserts_and_updates(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    hourly, daily = rollup_rows(session)
    # Two live orders: O1 (45, 2 hats) at 10:15 on the 2nd and O2 (20, 1 hat) at 08:05 on the 3rd, UTC.
    assert hourly == [(at(2, 10), 1, Decimal("45.00"), 2), (at(3, 8), 1, Decimal("20.00"), 1)]
    assert [(d, u, r) for d, _, u, r in daily] == [
        (at(2).date(), 2, Decimal("40.00")),
        (at(3).date(), 1, Decimal("20.00")),
    ]

    # Move O2 a day later, uncancel O3, and change a line: the old hours must be emptied, the new ones filled.
    load(session, store_id, {
        "orders": [{"external_id": "O2", "placed_at": at(10, 7), "updated_at": at(10, 8)},
                   {"external_id": "O3", "cancelled_at": None, "updated_at": at(10, 8)}],
        "order_lines": [{"external_id": "L1", "quantity": 3, "total": Decimal("60.00")}],
    })  # fmt: skip

    assert rollup_rows(session) == full_rebuild(session, store_id)
    hourly, _ = rollup_rows(session)
    assert [h for h, *_ in hourly] == [at(2, 10), at(4, 15), at(10, 7)]


def test_a_batch_refreshes_only_the_hours_and_days_it_touched(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    # A marker in an hour the next batch does not touch: a full rebuild would erase it.
    session.execute(update(SalesHourly).where(SalesHourly.hour == at(2, 10)).values(orders=999))
    session.commit()

    late = {"external_id": "O9", "customer_external_id": "C2", "number": "#1009", "channel": "web",
            "currency": "EUR", "subtotal": Decimal("9"), "total": Decimal("9"),
            "financial_status": "paid", "fulfillment_status": "unfulfilled",
            "placed_at": at(20, 18, 30), "updated_at": at(20, 18, 30)}  # fmt: skip
    load(session, store_id, {"orders": [late]})

    hours = dict((h, n) for h, n, *_ in rollup_rows(session)[0])
    assert hours[at(2, 10)] == 999
    assert hours[at(20, 18)] == 1


def test_spans_cover_every_moment_in_at_most_max_spans() -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [base + timedelta(days=3 * i, hours=i % 5) for i in range(40)]

    covered = spans(moments)

    assert len(covered) == MAX_SPANS
    assert all(any(a <= m <= b for a, b in covered) for m in moments)
    assert all(b < c for (_, b), (c, _) in itertools.pairwise(covered))


@contextmanager
def counting(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def orders_batch(count: int, *, start: int = 0) -> dict[str, list[dict[str, Any]]]:
    shop = small_shop()
    orders = []
    lines = []
    for i in range(start, start + count):
        orders.append({**shop["orders"][0], "external_id": f"N{i}", "number": f"#{5000 + i}"})
        lines.append({**shop["order_lines"][0], "external_id": f"NL{i}", "order_external_id": f"N{i}"})
    return {"orders": orders, "order_lines": lines}


def test_the_work_is_set_based_not_one_query_per_record(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    with counting(session) as few:
        load(session, store_id, orders_batch(5))
    with counting(session) as many:
        load(session, store_id, orders_batch(400, start=100))

    assert 5 < len(many) == len(few)
    lines = session.execute(select(func.count()).select_from(OrderLine)).scalar()
    assert lines == 3 + 5 + 400
    assert figures(session, "C1") == expected_figures(session, "C1")


def test_partial_updates_of_natural_key_rows_are_set_based_too(session: Session, store_id: int) -> None:
    shop = small_shop()
    skus = [{**shop["skus"][0], "external_id": f"S{i}", "sku": f"HAT-{i}"} for i in range(40)]
    levels = [
        {**shop["inventory_levels"][0], "external_id": f"I{i}", "sku_external_id": f"S{i}"} for i in range(40)
    ]
    load(session, store_id, {**{k: shop[k] for k in ("products", "suppliers", "locations")}, "skus": skus,
                             "inventory_levels": levels})  # fmt: skip

    def recount(count: int) -> list[str]:
        updates = [
            {"external_id": f"I{i}", "on_hand": 1000 + count, "updated_at": at(count % 28 + 1)}
            for i in range(count)
        ]
        with counting(session) as statements:
            result = load(session, store_id, {"inventory_levels": updates})
        assert {r.outcome for r in result.records} == {"updated"}
        return statements

    assert len(recount(3)) == len(recount(40))


def delay_rows(session: Session, store_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    spans_ = session.execute(
        select(DelaySpan.order_id, DelaySpan.promise_at, DelaySpan.starts_at, DelaySpan.ends_at).where(
            DelaySpan.store_id == store_id
        )
    ).all()
    hours = session.execute(
        select(ShipByHourly.hour, ShipByHourly.due, ShipByHourly.on_time).where(
            ShipByHourly.store_id == store_id
        )
    ).all()
    return sorted(tuple(r) for r in spans_), sorted(tuple(r) for r in hours)


def test_delay_spans_follow_ingested_orders_and_parcels_as_a_rebuild_would(
    session: Session, store_id: int
) -> None:
    # O1 is promised to ship on the 3rd and is still unfulfilled: late from then on.
    shop = small_shop()
    shop["orders"][0]["ship_by"] = at(3, 12)
    load(session, store_id, shop)
    after_first, _ = delay_rows(session, store_id)
    assert [row[1].astimezone(UTC) for row in after_first if row[3] is None] == [at(3, 12)]

    # Then O1 ships on the 4th, promised for the 5th, and is marked delivered; its parcel (delivered on the
    # 7th, late) arrives in a batch of its own, as a fulfillment webhook would bring it.
    o1 = shop["orders"][0]
    o1.update(fulfillment_status="delivered", fulfilled_at=at(4), deliver_by=at(5), updated_at=at(7))
    load(session, store_id, {"orders": [o1]})
    parcel = {"external_id": "F1", "order_external_id": "O1", "status": "delivered", "shipped_at": at(4),
              "delivered_at": at(7), "updated_at": at(7)}  # fmt: skip
    load(session, store_id, {"shipments": [parcel]})
    ingested = delay_rows(session, store_id)

    refresh_delay_rollups(session.connection(), store_id=store_id, since=None)
    assert ingested == delay_rows(session, store_id)
    # Late in transit from the 5th until the parcel was delivered on the 7th.
    assert [(row[1].astimezone(UTC), row[3].astimezone(UTC)) for row in ingested[0] if row[2] >= at(4)] == [
        (at(5), at(7))
    ]
