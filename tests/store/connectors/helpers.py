"""Reading the connector fixtures, and a store holding the orders and customers the tickets refer to."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotdash.store.ingest.upsert import upsert_batch
from tests.store.ingest.conftest import add_store

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path("/work/shared/fixtures")


def load(*parts: str) -> Any:
    """Return a JSON fixture of these tests."""
    return json.loads(FIXTURES.joinpath(*parts).read_text())


def text(*parts: str) -> str:
    """Return a text fixture of these tests."""
    return FIXTURES.joinpath(*parts).read_text()


def shared(*parts: str) -> Any:
    """Return a recorded payload from the shared fixtures, as it is."""
    return json.loads(SHARED.joinpath(*parts).read_text())


def seed_shop(session: Session) -> int:
    """Add a store with orders #1042 (Dana) and #2077 (Lee), as Shopify would send them; return its id."""
    store_id = add_store(session, timezone="America/New_York")
    placed = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
    order = {
        "channel": "web", "currency": "USD", "subtotal": Decimal("120.00"), "total": Decimal("120.00"),
        "financial_status": "paid", "fulfillment_status": "fulfilled", "placed_at": placed,
        "updated_at": placed,
    }  # fmt: skip
    customer = {"created_at": placed, "updated_at": placed}
    result = upsert_batch(
        session=session,
        store_id=store_id,
        source="shopify",
        batch={
            "customers": [
                {
                    "external_id": "C-dana",
                    "email": "dana.wells@example.com",
                    "name": "Dana Wells",
                    **customer,
                },
                {"external_id": "C-lee", "email": "lee.park@example.com", "name": "Lee Park", **customer},
            ],
            "orders": [
                {"external_id": "O-1042", "number": "#1042", "customer_external_id": "C-dana", **order},
                {"external_id": "O-2077", "number": "#2077", "customer_external_id": "C-lee", **order},
            ],
        },
    )
    assert result.rejected == []
    session.commit()
    return store_id
