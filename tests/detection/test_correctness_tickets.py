"""Ticket rules, through two relations (the ticket's order and customer), against the reference evaluator.

The orders property test covers the operators; this one covers relations reached through a foreign key
that may be NULL, and the ticket catalogue's derived fields (CASE-based minutes_waiting, is_open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from hotdash.clock import FrozenClock
from hotdash.detection.expression import compile_rule, validate
from hotdash.store.models import Customer, Order, Store, Ticket
from tests.detection.grammar import WORDS, Schema, conditions
from tests.detection.reference import Reference, epoch_seconds, hours_between
from tests.detection.test_correctness import (
    NOW,
    ORDER_STATUSES,
    TAGS,
    _delay,
    _past_promise,
    micro_moments,
    moments,
    money,
)

TICKET_STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"]
TICKETS = Schema(
    numbers=[
        "age_hours",
        "first_response_minutes",
        "minutes_waiting",
        "csat",
        "value_at_stake",
        "order.total",
        "order.delay_hours",
        "customer.orders_count",
    ],
    texts=["status", "priority", "subject", "tags", "order.fulfillment_status", "customer.email"],
    bools=["is_open", "is_escalated", "order.is_delayed", "order.is_vip", "customer.is_vip"],
    timestamps=["created_at", "first_response_at", "order.ship_by", "order.placed_at"],
    tags=["tags", "customer.tags"],
)


@dataclass
class Drawn:
    customers: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    tickets: list[dict[str, Any]]


def _pick(draw: st.DrawFn, items: list[Any]) -> int | None:
    return draw(st.one_of(st.none(), st.integers(0, len(items) - 1))) if items else None


@st.composite
def datasets(draw: st.DrawFn) -> Drawn:
    customers = [
        {
            "email": draw(st.one_of(st.none(), st.sampled_from(WORDS))),
            "orders_count": draw(st.integers(0, 4)),
            "is_vip": draw(st.booleans()),
            "tags": draw(st.sampled_from(TAGS)),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    orders = [
        {
            "customer": _pick(draw, customers),
            "total": draw(money),
            "fulfillment_status": draw(st.sampled_from(ORDER_STATUSES)),
            "placed_at": draw(moments),
            "ship_by": draw(st.one_of(st.none(), micro_moments)),
            "deliver_by": draw(st.one_of(st.none(), moments)),
            "cancelled_at": draw(st.one_of(st.none(), st.none(), moments)),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    tickets = []
    for _ in range(draw(st.integers(1, 8))):
        created = draw(micro_moments)
        answer = draw(st.one_of(st.none(), st.integers(0, 3000)))
        tickets.append(
            {
                "customer": _pick(draw, customers),
                "order": _pick(draw, orders),
                "status": draw(st.sampled_from(TICKET_STATUSES)),
                "priority": draw(st.sampled_from(["low", "normal", "urgent"])),
                "subject": draw(st.sampled_from([*WORDS, "Where is my order?", "Refund"])),
                "tags": draw(st.sampled_from(TAGS)),
                "created_at": created,
                "first_response_at": None
                if answer is None
                else created + timedelta(minutes=answer, seconds=7),
                "csat": draw(st.one_of(st.none(), st.integers(1, 5))),
                "value_at_stake": draw(st.one_of(st.none(), money)),
                "is_escalated": draw(st.booleans()),
            }
        )
    return Drawn(customers, orders, tickets)


def reference_rows(data: Drawn) -> list[dict[str, Any]]:
    rows = []
    for t in data.tickets:
        order = data.orders[t["order"]] if t["order"] is not None else None
        customer = data.customers[t["customer"]] if t["customer"] is not None else None
        buyer = data.customers[order["customer"]] if order and order["customer"] is not None else None
        answered = t["first_response_at"]
        delay = None if order is None else _delay(order)
        row: dict[str, Any] = {
            "age_hours": hours_between(NOW, t["created_at"]),
            "first_response_minutes": None
            if answered is None
            else (epoch_seconds(answered) - epoch_seconds(t["created_at"])) / 60.0,
            "minutes_waiting": None
            if answered is not None
            else (epoch_seconds(NOW) - epoch_seconds(t["created_at"])) / 60.0,
            "csat": None if t["csat"] is None else float(t["csat"]),
            "value_at_stake": None if t["value_at_stake"] is None else float(t["value_at_stake"]),
            "is_open": t["status"] in ("new", "open", "pending", "on_hold"),
            **{k: t[k] for k in ("status", "priority", "subject", "tags", "created_at", "is_escalated")},
            "first_response_at": answered,
            "order.total": None if order is None else float(order["total"]),
            "order.delay_hours": delay,
            "order.is_delayed": None if order is None else _past_promise(order),
            "order.is_vip": None if order is None else bool(buyer and buyer["is_vip"]),
            "order.fulfillment_status": None if order is None else order["fulfillment_status"],
            "order.ship_by": None if order is None else order["ship_by"],
            "order.placed_at": None if order is None else order["placed_at"],
            "customer.orders_count": None if customer is None else float(customer["orders_count"]),
            "customer.email": None if customer is None else customer["email"],
            "customer.is_vip": None if customer is None else customer["is_vip"],
            "customer.tags": None if customer is None else customer["tags"],
        }
        rows.append(row)
    return rows


def load(engine: Engine, data: Drawn) -> Any:
    """Insert the drawn store in a transaction the caller rolls back; return it with the new ticket ids."""
    connection = engine.connect()
    transaction = connection.begin()

    def add(model: Any, **values: Any) -> int:
        found: int = connection.execute(insert(model).values(**values).returning(model.id)).scalar_one()
        return found

    store = add(Store, source="t", external_id="s", name="S", currency="EUR", timezone="UTC", created_at=NOW)
    common = {"store_id": store, "source": "t"}
    customers = [
        add(
            Customer,
            **common,
            external_id=f"c{i}",
            created_at=NOW,
            updated_at=NOW,
            total_spent=Decimal(0),
            **c,
        )
        for i, c in enumerate(data.customers)
    ]
    orders = []
    for i, o in enumerate(data.orders):
        values = {k: v for k, v in o.items() if k != "customer"}
        orders.append(
            add(
                Order,
                **common,
                external_id=f"o{i}",
                number=f"#{i}",
                channel="web",
                currency="EUR",
                subtotal=o["total"],
                financial_status="paid",
                tags="",
                updated_at=NOW,
                customer_id=None if o["customer"] is None else customers[o["customer"]],
                **values,
            )
        )
    tickets = []
    for i, t in enumerate(data.tickets):
        values = {k: v for k, v in t.items() if k not in ("customer", "order")}
        tickets.append(
            add(
                Ticket,
                **common,
                external_id=f"t{i}",
                channel="email",
                updated_at=NOW,
                customer_id=None if t["customer"] is None else customers[t["customer"]],
                order_id=None if t["order"] is None else orders[t["order"]],
                **values,
            )
        )
    return connection, transaction, store, tickets


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_ticket_rules_select_what_the_reference_selects(backend: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")
    clock = FrozenClock(NOW)
    checked = {"examples": 0, "selected": 0}

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=datasets(), rule=conditions(TICKETS, 2))
    def run(data: Drawn, rule: str) -> None:
        assume([e.code for e in validate("tickets", rule)] != ["no_field"])
        compiled = compile_rule("tickets", rule, clock=clock)
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
    assert checked["selected"] > checked["examples"] // 4
