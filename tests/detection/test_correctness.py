"""Compiled rules select exactly the records an independent evaluator selects, on SQLite and PostgreSQL.

Hypothesis draws orders (with or without a customer, promises met or missed, cancelled or not) and a rule
over a slice of the orders catalogue: stored and derived fields, customer fields, every operator and
function. The field values the reference sees are computed here in Python from the drawn data, following
the definitions in docs/rules.md, not read back from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from hotdash.clock import FrozenClock
from hotdash.detection.expression import compile_rule, validate
from hotdash.store.models import Customer, Order, Store
from tests.detection.grammar import WORDS, Schema, conditions
from tests.detection.reference import Reference, hours_between

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
ORDER_STATUSES = ["unfulfilled", "partial", "fulfilled", "delivered", "cancelled"]
TAGS = ["", "vip", "VIP, wholesale", "gift,vip", " vip ", "vipx", "a,  b", "b"]


@dataclass
class Drawn:
    customers: list[dict[str, Any]]
    orders: list[dict[str, Any]]


moments = st.integers(min_value=-10 * 86400, max_value=10 * 86400).map(lambda s: NOW + timedelta(seconds=s))
micro_moments = st.builds(
    lambda m, us: m + timedelta(microseconds=us), moments, st.integers(min_value=0, max_value=999_999)
)
money = st.integers(min_value=0, max_value=200_000).map(lambda c: Decimal(c) / 100)


@st.composite
def datasets(draw: st.DrawFn) -> Drawn:
    customers = [
        {
            "email": draw(st.one_of(st.none(), st.sampled_from(WORDS))),
            "orders_count": draw(st.integers(min_value=0, max_value=4)),
            "total_spent": draw(money),
            "is_vip": draw(st.booleans()),
            "tags": draw(st.sampled_from(TAGS)),
        }
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    orders = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        subtotal = draw(money)
        orders.append(
            {
                "customer": draw(st.one_of(st.none(), st.integers(0, len(customers) - 1)))
                if customers
                else None,
                "subtotal": subtotal,
                "total": draw(st.one_of(st.just(subtotal), money)),
                "channel": draw(st.sampled_from(WORDS)),
                "fulfillment_status": draw(st.sampled_from(ORDER_STATUSES)),
                "tags": draw(st.sampled_from(TAGS)),
                "cancel_reason": draw(st.one_of(st.none(), st.sampled_from(WORDS))),
                "placed_at": draw(micro_moments),
                "ship_by": draw(st.one_of(st.none(), micro_moments)),
                "deliver_by": draw(st.one_of(st.none(), moments)),
                "cancelled_at": draw(st.one_of(st.none(), st.none(), moments)),
            }
        )
    return Drawn(customers, orders)


ORDERS = Schema(
    numbers=[
        "total",
        "subtotal",
        "age_hours",
        "delay_hours",
        "customer.orders_count",
        "customer.total_spent",
    ],
    texts=["channel", "fulfillment_status", "tags", "cancel_reason", "customer.email", "customer.tags"],
    bools=["is_vip", "is_delayed", "is_first_order", "customer.is_vip", "customer.is_first_order"],
    timestamps=["placed_at", "ship_by", "deliver_by", "cancelled_at", "customer.first_order_at"],
    tags=["tags", "customer.tags"],
)


# The reference's view of each order, computed from the drawn data. ---------------------------------------
def _delay(order: dict[str, Any]) -> float:
    if order["cancelled_at"] is not None:
        return 0.0
    if (
        order["fulfillment_status"] in ("unfulfilled", "partial")
        and order["ship_by"]
        and order["ship_by"] < NOW
    ):
        return hours_between(NOW, order["ship_by"]) or 0.0
    if order["fulfillment_status"] == "fulfilled" and order["deliver_by"] and order["deliver_by"] < NOW:
        return hours_between(NOW, order["deliver_by"]) or 0.0
    return 0.0


def _past_promise(order: dict[str, Any]) -> bool:
    """A delayed order: past its promise now, to the microsecond (a delay under a second is still one)."""
    if order["cancelled_at"] is not None:
        return False
    if order["fulfillment_status"] in ("unfulfilled", "partial"):
        return order["ship_by"] is not None and order["ship_by"] < NOW
    if order["fulfillment_status"] == "fulfilled":
        return order["deliver_by"] is not None and order["deliver_by"] < NOW
    return False


def _first(order: dict[str, Any], index: int, orders: list[dict[str, Any]]) -> bool:
    if order["customer"] is None:
        return False
    return not any(
        other["customer"] == order["customer"]
        and other["cancelled_at"] is None
        and (other["placed_at"], j) < (order["placed_at"], index)
        for j, other in enumerate(orders)
    )


def reference_rows(data: Drawn) -> list[dict[str, Any]]:
    rows = []
    for index, order in enumerate(data.orders):
        customer = data.customers[order["customer"]] if order["customer"] is not None else None
        delay = _delay(order)
        row: dict[str, Any] = {
            "total": float(order["total"]),
            "subtotal": float(order["subtotal"]),
            "age_hours": hours_between(NOW, order["placed_at"]),
            "delay_hours": delay,
            "is_delayed": _past_promise(order),
            "is_vip": bool(customer and customer["is_vip"]),
            "is_first_order": _first(order, index, data.orders),
            **{k: order[k] for k in ("channel", "fulfillment_status", "tags", "cancel_reason")},
            **{k: order[k] for k in ("placed_at", "ship_by", "deliver_by", "cancelled_at")},
        }
        for key in ("orders_count", "total_spent", "email", "tags", "is_vip"):
            value = None if customer is None else customer[key]
            row[f"customer.{key}"] = (
                float(value) if isinstance(value, int | Decimal) and key != "is_vip" else value
            )
        row["customer.is_first_order"] = None if customer is None else customer["orders_count"] == 1
        row["customer.first_order_at"] = None if customer is None else NOW - timedelta(days=30)
        rows.append(row)
    return rows


def load(engine: Engine, data: Drawn) -> Any:
    """Insert the drawn store in a transaction the caller rolls back; return it with the new ids."""
    connection = engine.connect()
    transaction = connection.begin()
    store_id = connection.execute(
        insert(Store)
        .values(source="t", external_id="s", name="S", currency="EUR", timezone="UTC", created_at=NOW)
        .returning(Store.id)
    ).scalar_one()
    customer_ids = []
    for i, c in enumerate(data.customers):
        customer_ids.append(
            connection.execute(
                insert(Customer)
                .values(
                    store_id=store_id,
                    source="t",
                    external_id=f"c{i}",
                    created_at=NOW,
                    updated_at=NOW,
                    first_order_at=NOW - timedelta(days=30),
                    **c,
                )
                .returning(Customer.id)
            ).scalar_one()
        )
    order_ids = []
    for i, o in enumerate(data.orders):
        values = {k: v for k, v in o.items() if k != "customer"}
        order_ids.append(
            connection.execute(
                insert(Order)
                .values(
                    store_id=store_id,
                    source="t",
                    external_id=f"o{i}",
                    number=f"#{i}",
                    currency="EUR",
                    financial_status="paid",
                    updated_at=NOW,
                    customer_id=None if o["customer"] is None else customer_ids[o["customer"]],
                    **values,
                )
                .returning(Order.id)
            ).scalar_one()
        )
    return connection, transaction, store_id, order_ids


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_compiled_rules_select_what_the_reference_selects(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")
    clock = FrozenClock(NOW)
    checked = {"examples": 0, "selected": 0}

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=datasets(), rule=conditions(ORDERS, 2))
    def run(data: Drawn, rule: str) -> None:
        assume([e.code for e in validate("orders", rule)] != ["no_field"])  # e.g. 3 > 2: refused, rightly
        compiled = compile_rule("orders", rule, clock=clock)
        expected = {i for i, row in enumerate(reference_rows(data)) if Reference(rule, NOW).selects(row)}
        connection, transaction, store_id, ids = load(engine, data)
        try:
            got = set(connection.scalars(compiled.select(store_id=store_id)))
        finally:
            transaction.rollback()
            connection.close()
        assert got == {ids[i] for i in expected}, rule
        checked["examples"] += 1
        checked["selected"] += len(expected)

    run()
    # The property means something only if rules do select records, and not all of them.
    assert checked["selected"] > checked["examples"] // 4
