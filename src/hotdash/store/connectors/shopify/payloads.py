"""Whole Shopify bodies -> canonical batches: webhook deliveries by topic, and API responses of either shape.

REST responses wrap records by resource name (`{"order": {...}}`, `{"orders": [...]}`); GraphQL responses put
them under `data` in camelCase (`{"data": {"orders": {"edges": [...]}}}`). Both come out as the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hotdash.store.connectors.shopify import values as v
from hotdash.store.connectors.shopify.batch import BatchBuilder, CanonicalBatch, MapContext
from hotdash.store.connectors.shopify.catalog import (
    map_inventory_item,
    map_inventory_level,
    map_location,
    map_product,
    map_variant,
)
from hotdash.store.connectors.shopify.customers import customer_record
from hotdash.store.connectors.shopify.fulfillments import shipment_record
from hotdash.store.connectors.shopify.orders import map_order, refund_record

Mapper = Callable[[v.Payload, MapContext], BatchBuilder]


def _customer(payload: v.Payload, _context: MapContext) -> BatchBuilder:
    out = BatchBuilder()
    out.add("customers", customer_record(payload))
    return out


def _fulfillment(payload: v.Payload, _context: MapContext) -> BatchBuilder:
    out = BatchBuilder()
    out.add("shipments", shipment_record(payload))
    return out


def _refund(payload: v.Payload, _context: MapContext) -> BatchBuilder:
    out = BatchBuilder()
    out.add("refunds", refund_record(payload))
    return out


# One mapper per kind of record, whatever its wrapper.
KINDS: dict[str, Mapper] = {
    "order": lambda payload, _context: map_order(payload),
    "customer": _customer,
    "fulfillment": _fulfillment,
    "refund": _refund,
    "product": lambda payload, _context: map_product(payload),
    "variant": lambda payload, _context: map_variant(payload),
    "inventory_item": map_inventory_item,
    "inventory_level": map_inventory_level,
    "location": map_location,
}

# REST response keys (singular and plural) and GraphQL `data` keys, to the kind of record they hold.
WRAPPERS: dict[str, str] = {}
for _kind in KINDS:
    for _key in (_kind, f"{_kind}s", v.camel(_kind), v.camel(f"{_kind}s")):
        WRAPPERS[_key] = _kind
WRAPPERS["productVariant"] = WRAPPERS["productVariants"] = "variant"

# The webhook topics HotDash subscribes to, and the few more whose body is one of the same records.
TOPICS: dict[str, str] = {
    "orders/create": "order",
    "orders/updated": "order",
    "orders/paid": "order",
    "orders/cancelled": "order",
    "orders/fulfilled": "order",
    "orders/partially_fulfilled": "order",
    "fulfillments/create": "fulfillment",
    "fulfillments/update": "fulfillment",
    "refunds/create": "refund",
    "inventory_levels/update": "inventory_level",
    "inventory_levels/connect": "inventory_level",
    "inventory_items/create": "inventory_item",
    "inventory_items/update": "inventory_item",
    "products/create": "product",
    "products/update": "product",
    "customers/create": "customer",
    "customers/update": "customer",
    "locations/create": "location",
    "locations/update": "location",
}


class UnknownTopic(LookupError):
    """A webhook topic HotDash does not map; its deliveries are kept, marked ignored."""


@dataclass
class Mapped:
    """A batch and the parts of the body that held no record HotDash keeps (e.g. `count`, transactions)."""

    batch: CanonicalBatch
    skipped: list[str] = field(default_factory=list)


def map_webhook(topic: str, body: Any, context: MapContext | None = None) -> CanonicalBatch:
    """Map one webhook delivery's body for `topic`; UnknownTopic for topics not in TOPICS."""
    kind = TOPICS.get(topic)
    if kind is None:
        raise UnknownTopic(topic)
    if not isinstance(body, Mapping):
        raise v.PayloadError(f"a {topic} body must be a JSON object, not {type(body).__name__}")
    return KINDS[kind](body, context or MapContext()).build()


def map_record(kind: str, payload: v.Payload, context: MapContext | None = None) -> CanonicalBatch:
    """Map one record of a known kind (`order`, `product`, ...) of either shape."""
    return KINDS[kind](payload, context or MapContext()).build()


def map_response(body: Any, context: MapContext | None = None) -> Mapped:
    """Map an Admin API response body (REST or GraphQL) with every record in it."""
    context = context or MapContext()
    if not isinstance(body, Mapping):
        raise v.PayloadError(f"a response body must be a JSON object, not {type(body).__name__}")
    data = body.get("data")
    container: Mapping[str, Any] = data if isinstance(data, Mapping) else body
    if "id" in container:
        raise v.PayloadError("this is a bare record, not a response: map it with map_record and its kind")
    out = BatchBuilder()
    skipped: list[str] = []
    for key, value in container.items():
        kind = WRAPPERS.get(key)
        if kind is None:
            skipped.append(key)
            continue
        connection = isinstance(value, Mapping) and ("edges" in value or "nodes" in value)
        items = [value] if isinstance(value, Mapping) and not connection else v.nodes(value)
        for item in items:
            out.merge(KINDS[kind](item, context))
    return Mapped(batch=out.build(), skipped=skipped)
