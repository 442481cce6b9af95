"""upsert_batch: every outcome, references, natural keys, nothing half-written, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.db.base import Base
from hotdash.store.ingest.upsert import UnknownEntity, UnknownStore, upsert_batch
from hotdash.store.models import (
    Customer,
    InventoryLevel,
    Order,
    OrderLine,
    PageTraffic,
    Refund,
    Return,
    Sku,
    Ticket,
    TrackingEvent,
)
from tests.store.ingest.batches import at, small_shop
from tests.store.ingest.conftest import add_store


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    return {
        name: sorted((tuple(row) for row in session.execute(select(table)).all()), key=repr)
        for name, table in Base.metadata.tables.items()
    }


def outcomes(result: Any) -> dict[str, dict[str, int]]:
    return {entity: {o: n for o, n in counts.items() if n} for entity, counts in result.counts.items()}


def load(session: Session, store_id: int, batch: Any, source: str = "csv") -> Any:
    result = upsert_batch(session=session, store_id=store_id, source=source, batch=batch)
    session.commit()
    return result


def test_a_whole_shop_lands_with_its_references_resolved(session: Session, store_id: int) -> None:
    result = load(session, store_id, small_shop())

    assert result.rejected == []
    assert result.total("inserted") == sum(len(records) for records in small_shop().values())
    line = session.execute(select(OrderLine).where(OrderLine.external_id == "L3")).scalar_one()
    order = session.get(Order, line.order_id)
    assert order is not None
    assert order.number == "#1003"
    assert order.store_id == store_id
    sku = session.get(Sku, line.sku_id)
    assert sku is not None
    assert sku.sku == "HAT-RED"
    ret = session.execute(select(Return)).scalar_one()
    assert (
        ret.order_line_id
        == session.execute(select(OrderLine.id).where(OrderLine.external_id == "L1")).scalar()
    )
    event = session.execute(select(TrackingEvent)).scalar_one()
    assert event.city == "Leipzig"
    # Defaults apply to what a new record leaves out; money sent as int is exact.
    o1 = session.execute(select(Order).where(Order.external_id == "O1")).scalar_one()
    assert (o1.tax_total, o1.shipping_total, o1.tags, o1.source) == (
        Decimal("0.00"),
        Decimal("5.00"),
        "",
        "csv",
    )


def test_the_same_batch_twice_changes_nothing(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    before = snapshot(session)

    again = load(session, store_id, small_shop())

    assert again.total("unchanged") == len(again.records) == 23
    assert {o for counts in outcomes(again).values() for o in counts} == {"unchanged"}
    assert snapshot(session) == before


def test_an_update_changes_only_what_was_sent(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())

    result = load(
        session,
        store_id,
        {"orders": [{"external_id": "O2", "fulfillment_status": "delivered", "updated_at": at(7)}]},
    )

    assert outcomes(result) == {"orders": {"updated": 1}}
    order = session.execute(select(Order).where(Order.external_id == "O2")).scalar_one()
    session.refresh(order)
    # Absent keys keep what is stored: the number, total and customer are the first import's.
    assert (order.fulfillment_status, order.number, order.total) == ("delivered", "#1002", Decimal("20.00"))
    assert order.customer_id is not None
    assert order.updated_at == at(7)


def test_an_older_update_never_overwrites_a_newer_one(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    load(
        session,
        store_id,
        {"orders": [{"external_id": "O2", "fulfillment_status": "delivered", "updated_at": at(7)}]},
    )

    late = load(
        session,
        store_id,
        {"orders": [{"external_id": "O2", "fulfillment_status": "partial", "updated_at": at(6)}]},
    )

    assert outcomes(late) == {"orders": {"stale": 1}}
    status = session.execute(select(Order.fulfillment_status).where(Order.external_id == "O2")).scalar()
    assert status == "delivered"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"total": "45.00"}, "total", "must be a Decimal or an int, not str"),
        ({"total": 45.0}, "total", "not float"),
        ({"quantity": True}, "quantity", "valid integer"),
        ({"quantity": -1}, "quantity", "greater than or equal to 0"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"title": None}, "title", "valid string"),
        ({"order_external_id": "O-404"}, "order_external_id", "no orders with external id 'O-404'"),
        ({"unit_price": Decimal("1e20")}, "unit_price", "less than"),
    ],
)
def test_a_bad_record_is_rejected_with_its_reason_and_the_good_ones_land(
    session: Session, store_id: int, change: dict[str, Any], field: str, reason: str
) -> None:
    batch = small_shop()
    batch["order_lines"][1].update(change)

    result = load(session, store_id, batch)

    (bad,) = result.rejected
    assert (bad.entity, bad.index, bad.external_id) == ("order_lines", 1, "L2")
    assert [e.field for e in bad.errors] == [field]
    assert reason in bad.errors[0].message
    lines = session.execute(select(OrderLine.external_id).order_by(OrderLine.external_id)).scalars().all()
    assert lines == ["L1", "L3"]


def test_a_new_record_missing_required_fields_writes_nothing(session: Session, store_id: int) -> None:
    batch = small_shop()
    del batch["orders"][0]["placed_at"]
    del batch["orders"][0]["currency"]

    result = load(session, store_id, batch)

    rejected = {(r.entity, r.external_id): sorted(e.field for e in r.errors) for r in result.rejected}
    assert rejected[("orders", "O1")] == ["currency", "placed_at"]
    # Everything hanging off the rejected order is turned away too, each saying why.
    assert ("order_lines", "L1") in rejected
    assert ("refunds", "R1") in rejected
    assert ("returns", "RT1") in rejected
    line = next(r for r in result.rejected if r.external_id == "L1")
    assert line.errors[0].message == "orders 'O1' of this batch was rejected"
    assert session.execute(select(func.count()).select_from(Order)).scalar() == 2
    assert session.execute(select(func.count()).select_from(Refund)).scalar() == 1
    ticket = session.execute(select(Ticket).where(Ticket.external_id == "TK1")).scalar_one_or_none()
    assert ticket is None


def test_derived_customer_figures_are_refused_with_a_reason(session: Session, store_id: int) -> None:
    batch = {"customers": [{**small_shop()["customers"][0], "orders_count": 12}]}

    (bad,) = load(session, store_id, batch).rejected

    assert bad.errors[0].field == "orders_count"
    assert "computed by HotDash" in bad.errors[0].message


def test_references_resolve_within_the_source_only(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop(), source="shopify")

    result = load(session, store_id, {"order_lines": small_shop()["order_lines"]}, source="csv")

    assert result.total("rejected") == 3
    assert "in source 'csv'" in result.rejected[0].errors[0].message


def test_a_record_of_another_store_is_not_touched(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    other = add_store(session, external_id="shop-2")

    result = load(session, other, {"customers": [{**small_shop()["customers"][1], "name": "Robert"}]})

    assert result.rejected[0].errors[0].message == "this record belongs to another store"
    assert session.execute(select(Customer.name).where(Customer.external_id == "C2")).scalar() == "Bob"


def test_tickets_link_by_customer_email_and_order_number(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())

    ticket = session.execute(select(Ticket).where(Ticket.external_id == "TK2")).scalar_one()
    ada = session.execute(select(Customer.id).where(Customer.external_id == "C1")).scalar()
    order = session.execute(select(Order.id).where(Order.external_id == "O2")).scalar()
    # The email matched case-insensitively, the number without its "#".
    assert (ticket.customer_id, ticket.order_id) == (ada, order)


def test_an_unmatched_email_leaves_the_ticket_unlinked_but_stored(session: Session, store_id: int) -> None:
    batch = small_shop()
    batch["tickets"][1].update(customer_email="nobody@example.com", order_number="#9999")

    load(session, store_id, batch)

    ticket = session.execute(select(Ticket).where(Ticket.external_id == "TK2")).scalar_one()
    assert (ticket.customer_id, ticket.order_id) == (None, None)


def test_page_traffic_is_one_row_per_store_day_and_page_whatever_the_source(
    session: Session, store_id: int
) -> None:
    load(session, store_id, small_shop())
    row = {"external_id": "ga4:2026-11-02:/products/hat", "day": date(2026, 11, 2),
           "landing_page": "/products/hat",
           "sessions": 150, "conversions": 4, "revenue": Decimal("80")}  # fmt: skip

    result = load(session, store_id, {"page_traffic": [row]}, source="ga4")

    assert outcomes(result) == {"page_traffic": {"updated": 1}}
    rows = session.execute(select(PageTraffic.sessions, PageTraffic.revenue)).all()
    assert [tuple(r) for r in rows] == [(150, Decimal("80.00"))]


def test_inventory_is_one_row_per_sku_and_location(session: Session, store_id: int) -> None:
    load(session, store_id, small_shop())
    level = {"external_id": "I1-recount", "sku_external_id": "S1", "location_external_id": "W1",
             "on_hand": 38, "available": 33, "updated_at": at(8)}  # fmt: skip

    result = load(session, store_id, {"inventory_levels": [level]})

    assert outcomes(result) == {"inventory_levels": {"updated": 1}}
    rows = session.execute(
        select(InventoryLevel.on_hand, InventoryLevel.available, InventoryLevel.external_id)
    )
    assert [tuple(r) for r in rows] == [(38, 33, "I1")]


def test_the_same_external_id_twice_in_a_batch_is_applied_in_order(session: Session, store_id: int) -> None:
    first = small_shop()["customers"][1]
    second = {**first, "name": "Bobby", "updated_at": at(3)}

    result = load(session, store_id, {"customers": [first, second]})

    assert [r.outcome for r in result.records] == ["inserted", "updated"]
    assert session.execute(select(Customer.name).where(Customer.external_id == "C2")).scalar() == "Bobby"


def test_an_unknown_entity_or_store_raises_before_writing(session: Session, store_id: int) -> None:
    batch: dict[str, Any] = {**small_shop(), "invoices": [{"external_id": "X"}]}
    with pytest.raises(UnknownEntity, match="invoices"):
        upsert_batch(session=session, store_id=store_id, source="csv", batch=batch)
    with pytest.raises(UnknownStore):
        upsert_batch(session=session, store_id=store_id + 99, source="csv", batch=small_shop())
    session.rollback()
    assert session.execute(select(func.count()).select_from(Customer)).scalar() == 0


def test_a_record_that_is_not_a_mapping_is_rejected(session: Session, store_id: int) -> None:
    result = load(session, store_id, {"customers": ["C1", small_shop()["customers"][1]]})

    assert [r.outcome for r in result.records] == ["rejected", "inserted"]
    assert "mapping" in result.records[0].errors[0].message


def test_repeated_natural_keys_and_external_ids_in_one_batch_never_collide(
    session: Session, store_id: int
) -> None:
    def traffic(external_id: str, page: str, sessions: int) -> dict[str, Any]:
        return {"external_id": external_id, "day": date(2026, 11, 2), "landing_page": page,
                "sessions": sessions, "conversions": 0, "revenue": Decimal("0")}  # fmt: skip

    batch = {
        "page_traffic": [
            traffic("A", "/a", 1),
            traffic("A", "/b", 2),  # the same id moves to another page
            traffic("B", "/b", 3),  # then another id reports that page
            traffic("C", "/c", 4),
        ]
    }

    result = load(session, store_id, batch)

    assert [r.outcome for r in result.records] == ["inserted", "updated", "updated", "inserted"]
    rows = session.execute(
        select(PageTraffic.landing_page, PageTraffic.sessions).order_by(PageTraffic.landing_page)
    )
    assert [tuple(r) for r in rows] == [("/b", 3), ("/c", 4)]


def test_text_the_databases_cannot_store_is_rejected_not_a_crash(session: Session, store_id: int) -> None:
    customers = small_shop()["customers"]
    customers[0]["name"] = "Ada \ud800"
    customers[1]["name"] = "Bob\x00"

    result = load(session, store_id, {"customers": customers})

    assert [r.outcome for r in result.records] == ["rejected", "rejected"]
    assert "lone surrogate" in result.records[0].errors[0].message
    assert "NUL" in result.records[1].errors[0].message
