"""Shopify fulfillments -> `shipments`.

A fulfillment is one parcel (or one batch of items marked fulfilled). Its carrier status is REST's
`shipment_status` or GraphQL's `displayStatus`; without one, the fulfillment's own status says how far it got.
"""

from __future__ import annotations

from collections.abc import Mapping

from hotdash.store.connectors.shopify import statuses
from hotdash.store.connectors.shopify import values as v
from hotdash.store.connectors.shopify.batch import Record
from hotdash.store.connectors.shopify.values import Payload


def _tracking(fulfillment: Payload) -> tuple[str | None, str | None, str | None]:
    number = v.text(v.field(fulfillment, "tracking_number"), 128)
    url = v.text(v.field(fulfillment, "tracking_url"), 512)
    company = v.text(v.field(fulfillment, "tracking_company"), 64)
    info = v.field(fulfillment, "tracking_info")
    if isinstance(info, Mapping):
        info = [info]
    for item in v.nodes(info):
        number = number or v.text(item.get("number"), 128)
        url = url or v.text(item.get("url"), 512)
        company = company or v.text(item.get("company"), 64)
    if number is None:
        numbers = v.field(fulfillment, "tracking_numbers")
        if isinstance(numbers, list) and numbers:
            number = v.text(numbers[0], 128)
    if url is None:
        urls = v.field(fulfillment, "tracking_urls")
        if isinstance(urls, list) and urls:
            url = v.text(urls[0], 512)
    return number, url, company


def shipment_record(fulfillment: Payload, *, order_id: str | None = None) -> Record:
    """Map one fulfillment (REST or GraphQL) to a `shipments` record."""
    order_ref = order_id or v.ref_id(fulfillment, "order")
    if order_ref is None:
        raise v.PayloadError("the fulfillment names no order (`order_id` / `order {id}`)")
    carrier_status = v.field(fulfillment, "shipment_status")
    if carrier_status is None:
        carrier_status = v.field(fulfillment, "display_status")
    status = statuses.shipment(carrier_status, v.field(fulfillment, "status"))
    scanned = v.enum_value(carrier_status) in statuses.CARRIER_SCANS
    number, url, company = _tracking(fulfillment)
    created = v.timestamp(v.field(fulfillment, "created_at"))
    updated = v.timestamp(v.field(fulfillment, "updated_at")) or created
    delivered = v.timestamp(v.field(fulfillment, "delivered_at"))
    if delivered is None and status == "delivered":
        # REST says only that it was delivered; the fulfillment changed to that state at its updated_at.
        delivered = updated
    record: Record = {
        "external_id": v.required_id(fulfillment, "fulfillment"),
        "order_external_id": order_ref,
        "location_external_id": v.ref_id(fulfillment, "location"),
        "carrier": company,
        "tracking_number": number,
        "tracking_url": url,
        "status": status,
        "shipped_at": created,
        "estimated_delivery_at": v.timestamp(v.field(fulfillment, "estimated_delivery_at")),
        "delivered_at": delivered,
        # A carrier status is the latest scan we know of; its time is when the fulfillment last changed.
        "last_event_at": (delivered or updated) if scanned else None,
    }
    if updated is not None:
        record["updated_at"] = updated
    return record
