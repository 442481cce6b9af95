"""Partial Shopify order bodies merge only the fields they carry, on SQLite and PostgreSQL.

An `orders/updated` body without `updated_at` (a webhook subscribed with a `fields` filter, or one that names
only what changed), delivered after the full order, used to be read as an order with no tax, no discount, no
landing page and no customer: the stored order lost them, and the customer's lifetime figures fell to zero.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotdash.store.connectors.shopify import map_webhook
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Customer, Order, Store

FIXTURES = Path("/work/shared/fixtures/shopify")
KEPT = (
    "number", "currency", "subtotal", "discount_total", "shipping_total", "tax_total", "total",
    "landing_page", "customer_id", "placed_at", "updated_at", "fulfillment_status", "channel",
)  # fmt: skip


def _full_order() -> dict[str, Any]:
    order: dict[str, Any] = json.loads((FIXTURES / "orders.json").read_text())["orders"][0]
    return order


def _deliver(session: Session, store_id: int, topic: str, body: dict[str, Any]) -> str:
    result = upsert_batch(
        session=session, store_id=store_id, source="shopify", batch=map_webhook(topic, body)
    )
    assert not result.rejected, result.rejected
    outcomes = [r.outcome for r in result.records if r.entity == "orders"]
    assert len(outcomes) == 1
    return outcomes[0]


def _snapshot(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in KEPT}


def _recount(session: Session, customer_id: int) -> tuple[int, Decimal]:
    # Independent of the ingest core's bookkeeping: the customer's live orders, counted from the raw rows.
    count, spent = session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total), 0)).where(
            Order.customer_id == customer_id, Order.cancelled_at.is_(None)
        )
    ).one()
    return int(count), Decimal(spent)


def _store(session: Session) -> Store:
    store = Store(
        source="shopify",
        external_id="jsmith",
        name="jsmith",
        domain="jsmith.myshopify.com",
        currency="USD",
        timezone="America/New_York",
        created_at=datetime(2008, 1, 1, tzinfo=UTC),
    )
    session.add(store)
    session.flush()
    return store


def test_a_partial_update_without_updated_at_changes_only_what_it_carries(engine: Engine) -> None:
    full = _full_order()
    with Session(engine) as session:
        store = _store(session)
        assert _deliver(session, store.id, "orders/create", full) == "inserted"
        order = session.scalars(select(Order)).one()
        before = _snapshot(order)
        customer = session.get(Customer, order.customer_id)
        assert customer is not None
        figures = (customer.orders_count, customer.total_spent)
        assert figures == _recount(session, customer.id) == (1, Decimal("598.94"))

        outcome = _deliver(
            session, store.id, "orders/updated", {"id": full["id"], "financial_status": "refunded"}
        )
        session.expire_all()

        assert outcome == "updated"
        assert order.financial_status == "refunded"
        assert _snapshot(order) == before
        assert before["tax_total"] == Decimal("11.94")
        assert before["discount_total"] == Decimal("10.00")
        assert before["landing_page"] == "http://www.example.com?source=abc"
        assert (customer.orders_count, customer.total_spent) == figures == _recount(session, customer.id)


def test_a_partial_update_cancelling_the_order_moves_the_customer_figures_and_nothing_else(
    engine: Engine,
) -> None:
    full = _full_order()
    with Session(engine) as session:
        store = _store(session)
        _deliver(session, store.id, "orders/create", full)
        order = session.scalars(select(Order)).one()
        before = _snapshot(order)

        cancel = {"id": full["id"], "cancelled_at": "2008-01-11T09:00:00-05:00", "cancel_reason": "customer",
                  "updated_at": "2008-01-11T09:00:00-05:00"}  # fmt: skip
        assert _deliver(session, store.id, "orders/updated", cancel) == "updated"
        session.expire_all()

        assert order.cancelled_at == datetime(2008, 1, 11, 14, 0, tzinfo=UTC)
        assert order.cancel_reason == "customer"
        assert order.fulfillment_status == "cancelled"
        assert order.updated_at == datetime(2008, 1, 11, 14, 0, tzinfo=UTC)
        unchanged = {
            k: v for k, v in _snapshot(order).items() if k not in ("fulfillment_status", "updated_at")
        }
        assert unchanged == {k: v for k, v in before.items() if k not in ("fulfillment_status", "updated_at")}
        customer = session.get(Customer, order.customer_id)
        assert customer is not None
        assert (
            (customer.orders_count, customer.total_spent) == _recount(session, customer.id) == (0, Decimal(0))
        )


def test_an_older_partial_update_is_stale_and_writes_nothing(engine: Engine) -> None:
    full = _full_order()
    with Session(engine) as session:
        store = _store(session)
        _deliver(session, store.id, "orders/create", full)
        order = session.scalars(select(Order)).one()
        before = _snapshot(order), order.financial_status

        late = {"id": full["id"], "financial_status": "pending", "updated_at": "2008-01-10T10:59:59-05:00"}
        assert _deliver(session, store.id, "orders/updated", late) == "stale"
        session.expire_all()

        assert (_snapshot(order), order.financial_status) == before


def test_a_full_body_still_sets_every_field_including_a_guest_checkout(engine: Engine) -> None:
    full = _full_order()
    with Session(engine) as session:
        store = _store(session)
        _deliver(session, store.id, "orders/create", full)
        zero = {"shop_money": {"amount": "0.00", "currency_code": "USD"}}
        guest = {**full, "customer": None, "total_tax": "0.00", "total_tax_set": zero,
                 "updated_at": "2008-01-12T00:00:00-05:00"}  # fmt: skip
        assert _deliver(session, store.id, "orders/updated", guest) == "updated"
        session.expire_all()
        order = session.scalars(select(Order)).one()

        assert order.customer_id is None
        assert order.tax_total == Decimal("0.00")
