"""Shopify payloads, REST as recorded and GraphQL as the schema defines them, map to canonical records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hotdash.store.connectors.shopify import (
    MapContext,
    PayloadError,
    UnknownTopic,
    map_record,
    map_response,
    map_webhook,
)

FIXTURES = Path("/work/shared/fixtures/shopify")
GRAPHQL = Path(__file__).parent / "graphql"
# Bodies that hold no record HotDash keeps: counts, invites, transactions, fulfillment orders (the plan, not
# the parcel) and the empty bodies of DELETE responses.
NOT_RECORDS = {
    "count",
    "customer_invite",
    "account_activation_url",
    "transactions",
    "transaction",
    "fulfillment_orders",
    "fulfillment_order",
    "replacement_fulfillment_order",
    "original_fulfillment_order",
    "moved_fulfillment_order",
    "remaining_fulfillment_order",
    "notice",
}
ENTITY_COLUMNS = {
    "customers": {"email", "name", "country", "tags", "created_at", "updated_at"},
    "orders": {
        "customer_external_id",
        "location_external_id",
        "number",
        "channel",
        "landing_page",
        "currency",
        "subtotal",
        "discount_total",
        "shipping_total",
        "tax_total",
        "total",
        "financial_status",
        "fulfillment_status",
        "tags",
        "placed_at",
        "fulfilled_at",
        "cancelled_at",
        "cancel_reason",
        "updated_at",
    },
    "order_lines": {
        "order_external_id",
        "sku_external_id",
        "title",
        "quantity",
        "unit_price",
        "discount",
        "total",
    },
    "refunds": {
        "order_external_id",
        "amount",
        "currency",
        "reason",
        "note",
        "status",
        "requested_at",
        "processed_at",
    },
    "products": {"title", "handle", "product_type", "vendor", "tags", "status", "created_at", "updated_at"},
    "skus": {
        "product_external_id",
        "sku",
        "title",
        "price",
        "unit_cost",
        "is_active",
        "created_at",
        "updated_at",
    },
    "inventory_levels": {
        "sku_external_id",
        "location_external_id",
        "on_hand",
        "available",
        "incoming",
        "updated_at",
    },
    "locations": {"name", "kind", "country", "region", "timezone", "is_active"},
    "shipments": {
        "order_external_id",
        "location_external_id",
        "carrier",
        "tracking_number",
        "tracking_url",
        "status",
        "shipped_at",
        "estimated_delivery_at",
        "delivered_at",
        "last_event_at",
        "updated_at",
    },
}


def recorded_bodies() -> list[tuple[str, Any]]:
    """Every body of every recorded file, named file[index]."""
    found = []
    for path in sorted(FIXTURES.glob("*.json")) + sorted(FIXTURES.glob("admin-2026-07/*.json")):
        data = json.loads(path.read_text())
        bodies = data if isinstance(data, list) else [data]
        found.extend((f"{path.relative_to(FIXTURES)}[{i}]", body) for i, body in enumerate(bodies))
    return found


def check_records(batch: Any) -> int:
    """Assert every record speaks the model's language; return how many there are."""
    count = 0
    for entity, records in batch.items():
        for record in records:
            assert (
                isinstance(record["external_id"], str) and record["external_id"].isdigit()
            ) or "@" in record["external_id"]
            unknown = set(record) - ENTITY_COLUMNS[entity] - {"external_id"}
            assert not unknown, f"{entity} record with columns the model lacks: {unknown}"
            for name, value in record.items():
                assert not isinstance(value, float), f"{entity}.{name} is a float"
                if isinstance(value, datetime):
                    assert value.tzinfo is not None
                    assert value.utcoffset().total_seconds() == 0
            count += 1
    return count


def test_every_recorded_body_maps_without_crashing() -> None:
    mapped = 0
    bodies = recorded_bodies()
    assert len(bodies) > 130
    for name, body in bodies:
        if name.startswith("products.json"):
            # This file is a bare list of products, not a response.
            batch = map_record("product", body)
        else:
            result = map_response(body)
            assert set(result.skipped) <= NOT_RECORDS, f"{name}: unmapped parts {result.skipped}"
            batch = result.batch
        mapped += check_records(batch)
    assert mapped >= 280


def order_1001() -> dict[str, Any]:
    return json.loads((FIXTURES / "admin-2026-07/order_responses.json").read_text())[2]


def test_a_recorded_order_maps_field_by_field() -> None:
    batch = map_response(order_1001()).batch
    (order,) = batch["orders"]
    assert order["external_id"] == "450789469"
    assert order["number"] == "#1001"
    assert order["financial_status"] == "partially_refunded"
    assert order["fulfillment_status"] == "unfulfilled"
    assert order["landing_page"] == "http://www.example.com?source=abc"
    assert (order["subtotal"], order["discount_total"], order["tax_total"], order["total"]) == (
        Decimal("597.00"),
        Decimal("10.00"),
        Decimal("11.94"),
        Decimal("598.94"),
    )
    assert order["placed_at"] == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert order["customer_external_id"] == "207119551"
    lines = {line["external_id"]: line for line in batch["order_lines"]}
    assert lines["466157049"]["sku_external_id"] == "39072856"
    # The order's 10.00 code discount is spread over the three lines.
    assert sum(line["discount"] for line in lines.values()) == Decimal("10.00")
    assert lines["466157049"]["total"] == Decimal("195.66")
    (shipment,) = batch["shipments"]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("USPS", "1Z1234512345123456")
    assert shipment["status"] == "exception"  # a failed fulfillment needs someone to look
    (refund,) = batch["refunds"]
    assert (refund["amount"], refund["status"]) == (Decimal("209.00"), "processed")
    (customer,) = batch["customers"]
    assert (customer["name"], customer["country"], customer["tags"]) == ("Bob Norman", "US", "Léon, Noël")


def test_cancelled_order_is_cancelled_with_its_reason() -> None:
    bodies = json.loads((FIXTURES / "admin-2026-07/order_responses.json").read_text())
    (order,) = map_response(bodies[4]).batch["orders"]
    assert order["cancelled_at"] is not None
    assert order["fulfillment_status"] == "cancelled"
    assert order["cancel_reason"] == bodies[4]["order"]["cancel_reason"]


def test_rest_order_and_graphql_order_map_to_equal_records() -> None:
    rest = map_response(order_1001()).batch
    graphql = map_response(json.loads((GRAPHQL / "order_450789469.json").read_text())).batch
    assert set(rest) == set(graphql)
    for entity in rest:
        key = lambda record: record["external_id"]  # noqa: E731
        assert sorted(rest[entity], key=key) == sorted(graphql[entity], key=key), entity


def test_rest_and_graphql_products_give_the_same_skus() -> None:
    rest = map_response(json.loads((FIXTURES / "admin-2026-07/product_responses.json").read_text())[6]).batch
    graphql = map_response(json.loads((GRAPHQL / "products_632910392.json").read_text())).batch
    (rest_product,) = rest["products"]
    (graphql_product,) = graphql["products"]
    assert graphql_product == {**rest_product}
    rest_skus = {sku["external_id"]: sku for sku in rest["skus"]}
    for sku in graphql["skus"]:
        expected = dict(rest_skus[sku["external_id"]])
        if sku["external_id"] == "808950810":
            # GraphQL nests the inventory item's unit cost in the variant; REST needs a second call.
            expected["unit_cost"] = Decimal("75.5")
        assert sku == expected
    assert rest_skus["808950810"]["title"] == "IPod Nano - 8GB - Pink"


def test_graphql_inventory_levels_and_locations() -> None:
    batch = map_response(
        json.loads((GRAPHQL / "inventory_and_locations.json").read_text()), MapContext("America/New_York")
    ).batch
    (location,) = batch["locations"]
    assert location == {
        "external_id": "487838322",
        "name": "Fifth Avenue AppleStore",
        "timezone": "America/New_York",
        "country": "US",
        "kind": "warehouse",
        "is_active": True,
    }
    (level,) = batch["inventory_levels"]
    assert (level["available"], level["on_hand"], level["incoming"]) == (18, 21, 5)
    assert level["sku_external_id"] == "49148385"
    assert batch["skus"] == [{"external_id": "808950810", "unit_cost": Decimal("75.5")}]


def test_rest_inventory_level_uses_the_item_to_variant_lookup() -> None:
    body = {
        "inventory_item_id": 111,
        "location_id": 222,
        "available": 4,
        "updated_at": "2025-07-02T11:30:19-05:00",
    }
    plain = map_webhook("inventory_levels/update", body)
    assert plain["inventory_levels"][0]["sku_external_id"] == "111"
    looked_up = map_webhook("inventory_levels/update", body, MapContext(variant_for_item={"111": "999"}.get))
    (level,) = looked_up["inventory_levels"]
    assert (level["sku_external_id"], level["on_hand"], level["available"]) == ("999", 4, 4)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "JSON object"),
        ({"name": "#1"}, "no usable `id`"),
        ({"id": True}, "no usable `id`"),
        ({"id": 5, "line_items": [{"title": "x"}]}, "line item has no usable `id`"),
    ],
)
def test_an_order_body_without_what_it_needs_is_a_clear_error(body: Any, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_webhook("orders/updated", body)


def test_wrong_types_become_defaults_not_crashes() -> None:
    body = {
        "id": 7,
        "total_price": {"weird": 1},
        "line_items": "nope",
        "tags": 12,
        "financial_status": 3,
        "updated_at": "yesterday",
        "customer": "bob",
    }
    (order,) = map_webhook("orders/updated", body)["orders"]
    assert order["financial_status"] == "pending"
    assert "updated_at" not in order
    assert order["customer_external_id"] is None


def test_an_unknown_topic_is_named() -> None:
    with pytest.raises(UnknownTopic):
        map_webhook("carts/update", {"id": 1})
