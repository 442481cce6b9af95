"""Shopify's status words, in REST and GraphQL spelling, land on the model's vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hotdash.store.connectors.shopify import map_webhook

ORDER: dict[str, Any] = {"id": 1, "name": "#1", "total_price": "10.00", "updated_at": "2026-11-30T10:00:00Z"}


@pytest.mark.parametrize(
    ("rest", "graphql", "expected"),
    [
        ("pending", "PENDING", "pending"),
        ("authorized", "AUTHORIZED", "authorized"),
        ("partially_paid", "PARTIALLY_PAID", "pending"),
        ("paid", "PAID", "paid"),
        ("partially_refunded", "PARTIALLY_REFUNDED", "partially_refunded"),
        ("refunded", "REFUNDED", "refunded"),
        ("voided", "VOIDED", "voided"),
        ("expired", "EXPIRED", "voided"),
        (None, None, "pending"),
    ],
)
def test_financial_status(rest: str | None, graphql: str | None, expected: str) -> None:
    (from_rest,) = map_webhook("orders/updated", {**ORDER, "financial_status": rest})["orders"]
    (from_graphql,) = map_webhook("orders/updated", {**ORDER, "displayFinancialStatus": graphql})["orders"]
    assert from_rest["financial_status"] == from_graphql["financial_status"] == expected


@pytest.mark.parametrize(
    ("rest", "graphql", "expected"),
    [
        (None, "UNFULFILLED", "unfulfilled"),
        (None, "IN_PROGRESS", "unfulfilled"),
        (None, "ON_HOLD", "unfulfilled"),
        ("partial", "PARTIALLY_FULFILLED", "partial"),
        ("fulfilled", "FULFILLED", "fulfilled"),
        ("restocked", "RESTOCKED", "cancelled"),
    ],
)
def test_fulfillment_status(rest: str | None, graphql: str, expected: str) -> None:
    (from_rest,) = map_webhook("orders/updated", {**ORDER, "fulfillment_status": rest})["orders"]
    (from_graphql,) = map_webhook("orders/updated", {**ORDER, "displayFulfillmentStatus": graphql})["orders"]
    assert from_rest["fulfillment_status"] == from_graphql["fulfillment_status"] == expected


def test_a_cancelled_order_is_cancelled_whatever_its_fulfillment_says() -> None:
    body = {
        **ORDER,
        "fulfillment_status": "fulfilled",
        "cancelled_at": "2026-11-30T11:00:00-05:00",
        "cancel_reason": "customer",
    }
    (order,) = map_webhook("orders/cancelled", body)["orders"]
    assert order["fulfillment_status"] == "cancelled"
    assert order["cancelled_at"] == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert order["cancel_reason"] == "customer"


def fulfillment(**fields: Any) -> dict[str, Any]:
    return {
        "id": 9,
        "order_id": 1,
        "created_at": "2026-11-30T10:00:00Z",
        "updated_at": "2026-11-30T12:00:00Z",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "pending"}, "label_created"),
        ({"status": "success", "shipment_status": None}, "label_created"),
        ({"status": "success", "shipment_status": "label_purchased"}, "label_created"),
        ({"status": "success", "shipment_status": "in_transit"}, "in_transit"),
        ({"status": "success", "shipment_status": "out_for_delivery"}, "out_for_delivery"),
        ({"status": "success", "shipment_status": "attempted_delivery"}, "exception"),
        ({"status": "success", "shipment_status": "delivered"}, "delivered"),
        ({"status": "success", "shipment_status": "failure"}, "exception"),
        ({"status": "cancelled"}, "exception"),
        ({"status": "SUCCESS", "displayStatus": "IN_TRANSIT"}, "in_transit"),
        ({"status": "SUCCESS", "displayStatus": "MARKED_AS_FULFILLED"}, "label_created"),
        ({"status": "SUCCESS", "displayStatus": "DELIVERED"}, "delivered"),
    ],
)
def test_shipment_status(fields: dict[str, Any], expected: str) -> None:
    (shipment,) = map_webhook("fulfillments/update", fulfillment(**fields))["shipments"]
    assert shipment["status"] == expected


def test_a_delivered_rest_fulfillment_was_delivered_when_it_last_changed() -> None:
    (shipment,) = map_webhook(
        "fulfillments/update",
        fulfillment(status="success", shipment_status="delivered", tracking_company="DHL"),
    )["shipments"]
    assert shipment["delivered_at"] == shipment["last_event_at"] == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert shipment["carrier"] == "DHL"


def test_an_order_whose_every_parcel_arrived_is_delivered() -> None:
    body = {
        **ORDER,
        "fulfillment_status": "fulfilled",
        "fulfillments": [
            fulfillment(status="success", shipment_status="delivered"),
            fulfillment(
                id=10, status="success", shipment_status="delivered", created_at="2026-11-30T11:00:00Z"
            ),
            fulfillment(id=11, status="cancelled"),
        ],
    }
    batch = map_webhook("orders/fulfilled", body)
    (order,) = batch["orders"]
    assert order["fulfillment_status"] == "delivered"
    assert order["fulfilled_at"] == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert len(batch["shipments"]) == 3


@pytest.mark.parametrize(
    ("source_name", "channel"),
    [("web", "web"), ("pos", "pos"), ("shopify_draft_order", "draft"), ("755357713", "app"), (None, "web")],
)
def test_channel(source_name: str | None, channel: str) -> None:
    (order,) = map_webhook("orders/create", {**ORDER, "source_name": source_name})["orders"]
    assert order["channel"] == channel


def test_tags_from_text_or_list_are_one_comma_separated_text() -> None:
    (rest,) = map_webhook("orders/updated", {**ORDER, "tags": "vip,  wholesale ,"})["orders"]
    (graphql,) = map_webhook("orders/updated", {**ORDER, "tags": ["vip", "wholesale"]})["orders"]
    assert rest["tags"] == graphql["tags"] == "vip, wholesale"
