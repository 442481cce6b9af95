"""Shopify orders (with their line items, customer, fulfillments and refunds) -> canonical records.

Money is read in shop currency (`shop_money` / `shopMoney`) and as ordered: `subtotal_price`, `total_price`
and friends, not the `current_*` figures that shrink with refunds, because refunds are their own records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from hotdash.store.connectors.shopify import statuses
from hotdash.store.connectors.shopify import values as v
from hotdash.store.connectors.shopify.batch import BatchBuilder, Record
from hotdash.store.connectors.shopify.customers import customer_record
from hotdash.store.connectors.shopify.fulfillments import shipment_record
from hotdash.store.connectors.shopify.values import Payload

ZERO = Decimal("0")


def _line_discount(line: Payload) -> Decimal:
    # discount_allocations carry the order-level discounts spread over the lines as well as the line's own;
    # REST's total_discount often stays 0 when the discount came from a code.
    allocations = v.nodes(v.field(line, "discount_allocations"))
    if allocations:
        total = ZERO
        for allocation in allocations:
            amount = v.money(allocation, "amount")
            if amount is None:
                amount = v.money(allocation, "allocated_amount")
            total += amount or ZERO
        return total
    return v.money(line, "total_discount") or ZERO


def line_record(line: Payload, order_id: str) -> Record:
    """Map one order line item to an `order_lines` record."""
    quantity = v.integer(v.field(line, "quantity"))
    unit_price = v.money(line, "original_unit_price")
    if unit_price is None:
        unit_price = v.money(line, "price")
    discount = _line_discount(line)
    record: Record = {
        "external_id": v.required_id(line, "line item"),
        "order_external_id": order_id,
        "sku_external_id": v.ref_id(line, "variant"),
        "title": v.text(v.field(line, "name"), 255) or v.text(v.field(line, "title"), 255) or "(untitled)",
        "quantity": quantity if quantity is not None else 0,
        "unit_price": unit_price if unit_price is not None else ZERO,
        "discount": discount,
    }
    record["total"] = record["quantity"] * record["unit_price"] - discount
    return record


def _landing_page(order: Payload) -> str | None:
    found = v.text(v.field(order, "landing_site")) or v.text(v.field(order, "landing_page_url"))
    journey = v.field(order, "customer_journey_summary")
    if found is None and isinstance(journey, Mapping):
        first = journey.get("firstVisit")
        if isinstance(first, Mapping):
            found = v.text(first.get("landingPage"))
    return found[:512] if found else None


def _location(order: Payload, fulfillments: list[Payload]) -> str | None:
    for name in ("location", "physical_location", "retail_location"):
        found = v.ref_id(order, name)
        if found:
            return found
    # An online order names no location; the one its first fulfillment shipped from fulfils it.
    for fulfillment in fulfillments:
        found = v.ref_id(fulfillment, "location")
        if found:
            return found
    return None


def _shipping_total(order: Payload) -> Decimal:
    found = v.money(order, "total_shipping_price")
    if found is not None:
        return found
    # Older REST bodies have no total_shipping_price_set: add the shipping lines instead.
    total = ZERO
    for line in v.nodes(v.field(order, "shipping_lines")):
        price = v.money(line, "discounted_price")
        if price is None:
            price = v.money(line, "price")
        if price is None:
            price = v.money(line, "original_price")
        total += price or ZERO
    return total


def _order_record(order: Payload, order_id: str, lines: list[Record], fulfillments: list[Payload]) -> Record:
    cancelled_at = v.timestamp(v.field(order, "cancelled_at"))
    financial = v.field(order, "financial_status")
    if financial is None:
        financial = v.field(order, "display_financial_status")
    fulfilment_word = v.field(order, "fulfillment_status")
    if fulfilment_word is None:
        fulfilment_word = v.field(order, "display_fulfillment_status")
    subtotal = v.money(order, "subtotal_price")
    if subtotal is None:
        subtotal = sum((line["total"] for line in lines), ZERO)
    currency = v.text(v.field(order, "currency")) or v.text(v.field(order, "currency_code"))
    currency = currency or v.money_currency(order, "total_price") or "USD"
    record: Record = {
        "external_id": order_id,
        "number": v.text(v.field(order, "name"), 32) or f"#{order_id}",
        "channel": statuses.channel(v.field(order, "source_name")),
        "landing_page": _landing_page(order),
        "currency": currency[:3].upper(),
        "subtotal": subtotal,
        "discount_total": v.money(order, "total_discounts") or ZERO,
        "shipping_total": _shipping_total(order),
        "tax_total": v.money(order, "total_tax") or ZERO,
        "financial_status": statuses.financial(financial),
        "fulfillment_status": "cancelled" if cancelled_at else statuses.fulfillment(fulfilment_word),
        "cancelled_at": cancelled_at,
        "cancel_reason": v.text(v.enum_value(v.field(order, "cancel_reason")), 64),
    }
    total = v.money(order, "total_price")
    record["total"] = (
        total if total is not None else subtotal + record["shipping_total"] + record["tax_total"]
    )
    if v.has(order, "tags"):
        record["tags"] = v.tags(v.field(order, "tags")) or ""
    placed = v.timestamp(v.field(order, "processed_at")) or v.timestamp(v.field(order, "created_at"))
    if placed is not None:
        record["placed_at"] = placed
    updated = v.timestamp(v.field(order, "updated_at")) or placed
    if updated is not None:
        record["updated_at"] = updated
    customer = v.field(order, "customer")
    record["customer_external_id"] = (
        v.external_id(customer.get("id")) if isinstance(customer, Mapping) else None
    )
    location = _location(order, fulfillments)
    if location is not None:
        record["location_external_id"] = location
    return record


# A partial body's fields and the body fields each is read from: a field whose sources are all missing is left
# out of the record, so the stored value stays ("absent: keep what is stored").
_CARRIED_BY: dict[str, tuple[str, ...]] = {
    "number": ("name",),
    "channel": ("source_name",),
    "landing_page": ("landing_site", "landing_page_url", "customer_journey_summary"),
    "currency": ("currency", "currency_code", "total_price_set", "total_price"),
    "subtotal": ("subtotal_price", "subtotal_price_set"),
    "discount_total": ("total_discounts", "total_discounts_set"),
    "shipping_total": ("total_shipping_price", "total_shipping_price_set", "shipping_lines"),
    "tax_total": ("total_tax", "total_tax_set"),
    "total": ("total_price", "total_price_set"),
    "financial_status": ("financial_status", "display_financial_status"),
    "fulfillment_status": ("fulfillment_status", "display_fulfillment_status", "cancelled_at"),
    "cancelled_at": ("cancelled_at",),
    "cancel_reason": ("cancel_reason",),
    "customer_external_id": ("customer",),
    "updated_at": ("updated_at",),
}


# Kept out of every record whose body does not carry them, partial or not: neither changes after checkout, so
# a body without them says nothing about them (a guest checkout's body carries `customer: null`).
_NEVER_GUESSED = ("customer_external_id", "landing_page")


def is_partial(order: Payload) -> bool:
    """Tell whether a body is a partial order: Shopify's full bodies carry their lines or their creation time.

    A webhook subscribed with a `fields` filter, or an `orders/updated` body that names only what changed,
    carries a few fields; reading the others as empty would erase the stored tax, discount, landing page,
    customer (and so the customer's lifetime figures), and guess a channel, currency and statuses.
    """
    return not any(v.has(order, name) for name in ("line_items", "created_at", "processed_at"))


def _keep_carried(order: Payload, record: Record, names: Iterable[str]) -> Record:
    for name in names:
        if name in record and not any(v.has(order, source) for source in _CARRIED_BY[name]):
            del record[name]
    return record


def _finish_fulfilment(record: Record, shipments: list[Record]) -> None:
    # Failed and cancelled fulfillments shipped nothing.
    live = [s for s in shipments if s["status"] != "exception"]
    if record.get("fulfillment_status") != "fulfilled" or not live:
        return
    shipped = [s["shipped_at"] for s in live if s.get("shipped_at")]
    if shipped:
        record["fulfilled_at"] = max(shipped)
    if all(s["status"] == "delivered" for s in live):
        record["fulfillment_status"] = "delivered"


def map_order(order: Payload) -> BatchBuilder:
    """Map one order (REST or GraphQL) with everything nested in it."""
    order_id = v.required_id(order, "order")
    out = BatchBuilder()
    customer = v.field(order, "customer")
    if isinstance(customer, Mapping) and v.external_id(customer.get("id")):
        out.add("customers", customer_record(customer))
    lines = [line_record(line, order_id) for line in v.nodes(v.field(order, "line_items"))]
    fulfillments = v.nodes(v.field(order, "fulfillments"))
    record = _order_record(order, order_id, lines, fulfillments)
    record = _keep_carried(order, record, _CARRIED_BY if is_partial(order) else _NEVER_GUESSED)
    shipments = [shipment_record(f, order_id=order_id) for f in fulfillments]
    _finish_fulfilment(record, shipments)
    out.add("orders", record)
    for line in lines:
        out.add("order_lines", line)
    for shipment in shipments:
        out.add("shipments", shipment)
    for refund in v.nodes(v.field(order, "refunds")):
        out.add("refunds", refund_record(refund, order_id=order_id, currency=record["currency"]))
    return out


def _refund_amount(refund: Payload) -> Decimal:
    total = v.money(refund, "total_refunded")
    if total is not None:
        return total
    amount = ZERO
    for transaction in v.nodes(v.field(refund, "transactions")):
        kind = v.enum_value(v.field(transaction, "kind"))
        status = v.enum_value(v.field(transaction, "status"))
        if kind == "refund" and status in ("success", None):
            amount += v.money(transaction, "amount") or ZERO
    return amount


def _refund_status(refund: Payload) -> str:
    transactions = v.nodes(v.field(refund, "transactions"))
    words = {v.enum_value(v.field(t, "status")) for t in transactions}
    if transactions and words <= {"failure", "error"}:
        return "rejected"
    if transactions and "success" not in words and words & {"pending"}:
        return "approved"
    return "processed"


def refund_record(refund: Payload, *, order_id: str | None = None, currency: str | None = None) -> Record:
    """Map one refund to a `refunds` record (its order given when it is nested in one)."""
    order_ref = order_id or v.ref_id(refund, "order")
    if order_ref is None:
        raise v.PayloadError("the refund names no order (`order_id` / `order {id}`)")
    created = v.timestamp(v.field(refund, "created_at"))
    processed = v.timestamp(v.field(refund, "processed_at"))
    found_currency: Any = (
        v.money_currency(refund, "total_refunded")
        or next(
            (
                v.text(v.field(t, "currency"))
                for t in v.nodes(v.field(refund, "transactions"))
                if v.text(v.field(t, "currency"))
            ),
            None,
        )
        or currency
    )
    status = _refund_status(refund)
    record: Record = {
        "external_id": v.required_id(refund, "refund"),
        "order_external_id": order_ref,
        "amount": _refund_amount(refund),
        # Shopify's refunds carry a free-text note but no reason code.
        "reason": "unspecified",
        "note": v.text(v.field(refund, "note")),
        "status": status,
        "processed_at": (processed or created) if status == "processed" else None,
    }
    if found_currency:
        record["currency"] = str(found_currency)[:3].upper()
    if created or processed:
        record["requested_at"] = created or processed
    return record
