"""Small hand-made datasets for tile tests: `add(session, Model, **fields)` fills sensible defaults.

Every figure a tile test asserts must be computed by the test itself from the rows it wrote, never copied
from the tile's output.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hotdash.db.base import Base
from hotdash.store import models as m

T = TypeVar("T", bound=Base)
_ids = count(1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

DEFAULTS: dict[type[Base], dict[str, Any]] = {
    m.Store: {"name": "Test Shop", "currency": "USD", "timezone": "America/New_York", "created_at": EPOCH},
    m.Supplier: {
        "name": "Supplier",
        "lead_time_days": 14,
        "on_time_rate": Decimal("0.9"),
        "rush_fee": Decimal("500"),
    },
    m.Product: {"title": "Product", "tags": "", "status": "active", "created_at": EPOCH, "updated_at": EPOCH},
    m.Sku: {
        "title": "SKU",
        "price": Decimal("10.00"),
        "unit_cost": Decimal("4.00"),
        "tags": "",
        "is_active": True,
        "created_at": EPOCH,
        "updated_at": EPOCH,
    },
    m.Location: {"name": "Warehouse", "kind": "warehouse", "timezone": "America/New_York", "is_active": True},
    m.InventoryLevel: {"on_hand": 0, "available": 0, "incoming": 0, "updated_at": EPOCH},
    m.Customer: {
        "orders_count": 1,
        "total_spent": Decimal("0"),
        "is_vip": False,
        "tags": "",
        "created_at": EPOCH,
        "updated_at": EPOCH,
    },
    m.Order: {
        "channel": "web",
        "currency": "USD",
        "subtotal": Decimal("0"),
        "discount_total": Decimal("0"),
        "shipping_total": Decimal("0"),
        "tax_total": Decimal("0"),
        "total": Decimal("0"),
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "tags": "",
    },
    m.OrderLine: {
        "title": "Line",
        "quantity": 1,
        "unit_price": Decimal("0"),
        "discount": Decimal("0"),
        "total": Decimal("0"),
    },
    m.Shipment: {"status": "in_transit"},
    m.TrackingEvent: {"status": "in_transit"},
    m.Refund: {"currency": "USD", "reason": "damaged", "status": "requested"},
    m.Return: {"quantity": 1, "reason": "damaged", "status": "requested"},
    m.Ticket: {
        "channel": "email",
        "subject": "Help",
        "tags": "",
        "priority": "normal",
        "status": "open",
        "is_escalated": False,
        "legal_threat": False,
        "regulatory_threat": False,
    },
    m.PageTraffic: {"sessions": 0, "conversions": 0, "revenue": Decimal("0")},
    m.TeamMember: {
        "role": "support",
        "team": "Support",
        "is_active": True,
        "timezone": "America/New_York",
        "work_start": time(9),
        "work_end": time(17),
        "work_days": "12345",
        "created_at": EPOCH,
    },
    m.BusinessHours: {},
    m.CalendarEvent: {
        "kind": "holiday",
        "name": "Holiday",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 1, 1),
    },
}


def add(session: Session, model: type[T], **fields: Any) -> T:
    """Insert one row of `model` with defaults for what `fields` leaves out; return it flushed."""
    values = dict(DEFAULTS.get(model, {}))
    if hasattr(model, "external_id"):
        values.setdefault("source", "test")
        values.setdefault("external_id", f"{model.__name__.lower()}-{next(_ids)}")
    if model is m.Order:
        values.setdefault("number", f"#{next(_ids)}")
        values.setdefault("updated_at", fields.get("placed_at", EPOCH))
    if model is m.Ticket:
        values.setdefault("updated_at", fields.get("created_at", EPOCH))
    if model is m.Shipment:
        values.setdefault("updated_at", fields.get("shipped_at", EPOCH) or EPOCH)
    values.update(fields)
    row = model(**values)
    session.add(row)
    session.flush()
    return row
