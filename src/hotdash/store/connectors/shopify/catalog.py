"""Shopify products and variants -> `products` + `skus`; inventory items, inventory levels and locations.

A variant is what is sold and stocked, so its id is the SKU's external id. Inventory items (unit cost) and
inventory levels name the inventory item, not the variant: `MapContext.variant_of` turns one into the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from hotdash.store.connectors.shopify import statuses
from hotdash.store.connectors.shopify import values as v
from hotdash.store.connectors.shopify.batch import BatchBuilder, MapContext, Record
from hotdash.store.connectors.shopify.values import Payload

# Shopify names the only variant of a product without options this way; it says nothing to a person.
_DEFAULT_VARIANT_TITLE = "Default Title"


def _stamps(payload: Payload, record: Record) -> None:
    for name in ("created_at", "updated_at"):
        stamp = v.timestamp(v.field(payload, name))
        if stamp is not None:
            record[name] = stamp
    if "updated_at" not in record and "created_at" in record:
        record["updated_at"] = record["created_at"]


def product_record(product: Payload) -> Record:
    """Map a product's own fields to a `products` record."""
    record: Record = {"external_id": v.required_id(product, "product")}
    if v.has(product, "title"):
        record["title"] = v.text(v.field(product, "title"), 255) or "(untitled)"
    for name, limit in (("handle", 255), ("product_type", 120), ("vendor", 200)):
        if v.has(product, name):
            record[name] = v.text(v.field(product, name), limit)
    if v.has(product, "tags"):
        record["tags"] = v.tags(v.field(product, "tags")) or ""
    if v.has(product, "status"):
        record["status"] = statuses.product(v.field(product, "status"))
    _stamps(product, record)
    return record


def variant_record(variant: Payload, product: Payload | None = None) -> Record:
    """Map one variant to a `skus` record (its product's fields give the title and the active flag)."""
    variant_id = v.required_id(variant, "variant")
    product_id = v.ref_id(variant, "product") or (
        v.external_id(product.get("id")) if product is not None else None
    )
    record: Record = {"external_id": variant_id}
    if product_id is not None:
        record["product_external_id"] = product_id
    # A variant without a SKU code still sells; its id keeps it recognisable in lists.
    record["sku"] = v.text(v.field(variant, "sku"), 64) or f"shopify-{variant_id}"
    product_title = v.text(v.field(product, "title")) if product is not None else None
    variant_title = v.text(v.field(variant, "title"))
    if variant_title == _DEFAULT_VARIANT_TITLE:
        variant_title = None
    title = " - ".join(part for part in (product_title, variant_title) if part)
    if title:
        record["title"] = title[:255]
    if v.has(variant, "price"):
        record["price"] = v.money(variant, "price")
    item = v.field(variant, "inventory_item")
    if isinstance(item, Mapping):
        cost = v.money(item, "unit_cost")
        if cost is not None:
            record["unit_cost"] = cost
    if product is not None and v.has(product, "status"):
        record["is_active"] = statuses.product(v.field(product, "status")) == "active"
    _stamps(variant, record)
    return record


def map_product(product: Payload) -> BatchBuilder:
    """Map a product with its variants."""
    out = BatchBuilder()
    out.add("products", product_record(product))
    for variant in v.nodes(v.field(product, "variants")):
        out.add("skus", variant_record(variant, product))
    return out


def map_variant(variant: Payload) -> BatchBuilder:
    """Map a variant on its own (the variants endpoint)."""
    out = BatchBuilder()
    out.add("skus", variant_record(variant))
    return out


def map_inventory_item(item: Payload, context: MapContext) -> BatchBuilder:
    """Map an inventory item's unit cost onto its SKU.

    The record carries no `updated_at`: the item's own time says nothing about the variant's other fields,
    and sending it could make the core refuse the cost as older than the variant it already holds.
    """
    item_id = v.required_id(item, "inventory item")
    variant = v.ref_id(item, "variant") or context.variant_of(item_id)
    record: Record = {"external_id": variant}
    cost = v.money(item, "unit_cost")
    if cost is None:
        cost = v.money(item, "cost")
    if cost is not None or v.has(item, "cost") or v.has(item, "unit_cost"):
        record["unit_cost"] = cost
    out = BatchBuilder()
    if len(record) > 1:
        out.add("skus", record)
    return out


def _quantities(level: Payload) -> dict[str, int]:
    found: dict[str, int] = {}
    for quantity in v.nodes(v.field(level, "quantities")):
        name = v.text(quantity.get("name"))
        amount = v.integer(quantity.get("quantity"))
        if name and amount is not None:
            found[name] = amount
    return found


def inventory_level_record(level: Payload, context: MapContext) -> Record:
    """Map one inventory level (REST, or GraphQL with `quantities(names: [...])`)."""
    item = v.field(level, "item")
    item_id = v.external_id(v.field(level, "inventory_item_id"))
    variant_id = None
    if isinstance(item, Mapping):
        item_id = item_id or v.external_id(item.get("id"))
        variant_id = v.ref_id(item, "variant")
    location_id = v.ref_id(level, "location")
    if item_id is None or location_id is None:
        raise v.PayloadError("the inventory level names no inventory item or no location")
    quantities = _quantities(level)
    available = v.integer(v.field(level, "available"))
    if available is None:
        available = quantities.get("available")
    record: Record = {
        "external_id": f"{item_id}@{location_id}",
        "sku_external_id": variant_id or context.variant_of(item_id),
        "location_external_id": location_id,
    }
    if available is not None:
        record["available"] = available
        # REST sends only `available`; on hand is at least that much, and is what a reorder counts.
        record["on_hand"] = quantities.get("on_hand", available)
    elif "on_hand" in quantities:
        record["on_hand"] = quantities["on_hand"]
    if "incoming" in quantities:
        record["incoming"] = quantities["incoming"]
    updated = v.timestamp(v.field(level, "updated_at"))
    if updated is not None:
        record["updated_at"] = updated
    return record


def map_inventory_level(level: Payload, context: MapContext) -> BatchBuilder:
    """Map one inventory level."""
    out = BatchBuilder()
    out.add("inventory_levels", inventory_level_record(level, context))
    return out


def location_record(location: Payload, context: MapContext) -> Record:
    """Map a location; Shopify says nothing of its timezone, so the store's is used."""
    record: Record = {
        "external_id": v.required_id(location, "location"),
        "name": v.text(v.field(location, "name"), 200) or "(unnamed location)",
        "timezone": context.default_timezone,
    }
    address = v.field(location, "address")
    source = address if isinstance(address, Mapping) else location
    country = v.text(v.field(source, "country_code")) or v.text(v.field(location, "country"))
    if country and len(country) == 2:
        record["country"] = country.upper()
    region = v.text(v.field(source, "province_code"), 64)
    if region:
        record["region"] = region
    # `legacy` (REST) / `isFulfillmentService` (GraphQL): the location is a fulfillment service's, a 3PL.
    third_party = v.field(location, "legacy") is True or v.field(location, "is_fulfillment_service") is True
    record["kind"] = "3pl" if third_party else "warehouse"
    active = v.field(location, "active")
    if active is None:
        active = v.field(location, "is_active")
    if v.field(location, "deleted_at"):
        active = False
    if isinstance(active, bool):
        record["is_active"] = active
    return record


def map_location(location: Payload, context: MapContext) -> BatchBuilder:
    """Map one location, with the inventory levels a GraphQL query may nest in it."""
    out = BatchBuilder()
    out.add("locations", location_record(location, context))
    for level in v.nodes(v.field(location, "inventory_levels")):
        out.add("inventory_levels", inventory_level_record(level, context))
    return out
