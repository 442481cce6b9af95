"""Shopify customers -> `customers`.

Lifetime figures (orders_count, total_spent, first order) are not taken from Shopify: the ingest core keeps
them in step with the orders it stores, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from hotdash.store.connectors.shopify import values as v
from hotdash.store.connectors.shopify.batch import Record
from hotdash.store.connectors.shopify.values import Payload


def customer_record(payload: Payload) -> Record:
    """Map one customer (REST or GraphQL) to a `customers` record."""
    record: Record = {"external_id": v.required_id(payload, "customer")}
    if v.has(payload, "email"):
        record["email"] = v.text(v.field(payload, "email"), 255)
    name = v.text(v.field(payload, "display_name"))
    if name is None:
        parts = [v.text(v.field(payload, "first_name")), v.text(v.field(payload, "last_name"))]
        name = " ".join(part for part in parts if part) or None
    if name is not None:
        record["name"] = name[:200]
    address = v.field(payload, "default_address")
    if isinstance(address, Mapping):
        country = v.text(
            address.get("country_code") or address.get("countryCodeV2") or address.get("countryCode")
        )
        if country and len(country) == 2:
            record["country"] = country.upper()
    if v.has(payload, "tags"):
        record["tags"] = v.tags(v.field(payload, "tags")) or ""
    for name_ in ("created_at", "updated_at"):
        stamp = v.timestamp(v.field(payload, name_))
        if stamp is not None:
            record[name_] = stamp
    if "updated_at" not in record and "created_at" in record:
        record["updated_at"] = record["created_at"]
    return record
