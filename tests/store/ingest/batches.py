"""A small shop as one canonical batch, every entity present, with values a person can check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def small_shop() -> dict[str, list[dict[str, Any]]]:
    """Return a fresh copy (tests mutate it) of a batch covering every entity."""
    # fmt: off
    return {
        # Listed children first on purpose: the core must order the work itself.
        "order_lines": [
            {"external_id": "L1", "order_external_id": "O1", "sku_external_id": "S1", "title": "Wool hat",
             "quantity": 2, "unit_price": Decimal("20.00"), "total": Decimal("40.00")},
            {"external_id": "L2", "order_external_id": "O2", "sku_external_id": "S1", "title": "Wool hat",
             "quantity": 1, "unit_price": Decimal("20.00"), "total": Decimal("20.00")},
            {"external_id": "L3", "order_external_id": "O3", "sku_external_id": "S1", "title": "Wool hat",
             "quantity": 5, "unit_price": Decimal("20.00"), "total": Decimal("100.00")},
        ],
        "orders": [
            {"external_id": "O1", "customer_external_id": "C1", "location_external_id": "W1",
             "number": "#1001", "channel": "web", "currency": "EUR", "subtotal": Decimal("40.00"),
             "total": Decimal("45.00"), "shipping_total": 5, "financial_status": "paid",
             "fulfillment_status": "unfulfilled", "placed_at": at(2, 10, 15), "updated_at": at(2, 10, 15)},
            {"external_id": "O2", "customer_external_id": "C1", "number": "#1002", "channel": "web",
             "currency": "EUR", "subtotal": Decimal("20.00"), "total": Decimal("20.00"),
             "financial_status": "paid", "fulfillment_status": "fulfilled", "placed_at": at(3, 8, 5),
             "updated_at": at(3, 9)},
            {"external_id": "O3", "customer_external_id": "C1", "number": "#1003", "channel": "pos",
             "currency": "EUR", "subtotal": Decimal("100.00"), "total": Decimal("100.00"),
             "financial_status": "voided", "fulfillment_status": "cancelled", "placed_at": at(4, 15),
             "cancelled_at": at(4, 16), "cancel_reason": "customer", "updated_at": at(4, 16)},
        ],
        "customers": [
            {"external_id": "C1", "email": "Ada@Example.com", "name": "Ada Lovelace", "country": "GB",
             "created_at": at(1), "updated_at": at(1)},
            {"external_id": "C2", "email": "bob@example.com", "name": "Bob", "created_at": at(1),
             "updated_at": at(1)},
        ],
        "suppliers": [
            {"external_id": "SUP1", "name": "Alpenwolle", "lead_time_days": 21,
             "on_time_rate": Decimal("0.93")},
        ],
        "products": [
            {"external_id": "P1", "title": "Wool hat", "tags": "winter,wool", "created_at": at(1),
             "updated_at": at(1)},
        ],
        "skus": [
            {"external_id": "S1", "product_external_id": "P1", "supplier_external_id": "SUP1",
             "sku": "HAT-RED", "title": "Wool hat, red", "price": Decimal("20.00"), "created_at": at(1),
             "updated_at": at(1)},
        ],
        "locations": [
            {"external_id": "W1", "name": "Main warehouse", "kind": "warehouse", "country": "DE",
             "timezone": "Europe/Berlin"},
        ],
        "inventory_levels": [
            {"external_id": "I1", "sku_external_id": "S1", "location_external_id": "W1", "on_hand": 40,
             "available": 35, "updated_at": at(2)},
        ],
        "team_members": [
            {"external_id": "T1", "name": "Grace", "email": "grace@shop.test", "role": "support",
             "team": "support", "timezone": "Europe/Berlin", "work_start": time(9), "work_end": time(17),
             "work_days": "12345", "hired_on": date(2024, 5, 1), "created_at": at(1)},
        ],
        "refunds": [
            {"external_id": "R1", "order_external_id": "O1", "amount": Decimal("10.00"), "currency": "EUR",
             "reason": "damaged", "status": "processed", "requested_at": at(5), "processed_at": at(6)},
            {"external_id": "R2", "order_external_id": "O2", "amount": Decimal("7.50"), "currency": "EUR",
             "reason": "late", "status": "requested", "requested_at": at(5)},
        ],
        "returns": [
            {"external_id": "RT1", "order_external_id": "O1", "order_line_external_id": "L1",
             "refund_external_id": "R1", "quantity": 1, "reason": "damaged", "status": "received",
             "requested_at": at(5), "received_at": at(6)},
        ],
        "shipments": [
            {"external_id": "SH1", "order_external_id": "O2", "location_external_id": "W1", "carrier": "DHL",
             "tracking_number": "JD0001", "status": "in_transit", "shipped_at": at(3, 14),
             "updated_at": at(3, 14)},
        ],
        "tracking_events": [
            {"external_id": "TE1", "shipment_external_id": "SH1", "occurred_at": at(3, 15),
             "status": "in_transit", "city": "Leipzig"},
        ],
        "tickets": [
            {"external_id": "TK1", "customer_external_id": "C1", "order_external_id": "O1",
             "assignee_external_id": "T1", "channel": "email", "subject": "Hat arrived torn",
             "priority": "high", "status": "open", "created_at": at(5), "updated_at": at(5)},
            {"external_id": "TK2", "customer_email": "ada@example.com", "order_number": "1002",
             "channel": "chat", "subject": "Where is my parcel?", "priority": "normal", "status": "new",
             "created_at": at(5), "updated_at": at(5)},
        ],
        "page_traffic": [
            {"external_id": "PT1", "day": date(2026, 11, 2), "landing_page": "/products/hat", "sessions": 120,
             "conversions": 3, "revenue": Decimal("65.00")},
        ],
        "calendar_events": [
            {"external_id": "CE1", "kind": "promotion", "name": "Black Friday",
             "starts_on": date(2026, 11, 27), "ends_on": date(2026, 11, 30)},
        ],
    }
    # fmt: on
