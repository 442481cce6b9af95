"""Shopify's status words, REST or GraphQL spelling, translated into the model's vocabulary.

Each table is total over the values Shopify documents; a value it adds later falls back to the default named
beside the table, so a new word never stops an order from loading (docs/connectors/shopify.md lists them).
"""

from __future__ import annotations

from hotdash.store.connectors.shopify.values import enum_value

# Order.financial_status: pending, authorized, paid, partially_refunded, refunded, voided.
FINANCIAL = {
    "pending": "pending",
    "authorized": "authorized",
    # Money is still owed: for the operations team that is an order not yet paid.
    "partially_paid": "pending",
    "paid": "paid",
    "partially_refunded": "partially_refunded",
    "refunded": "refunded",
    "voided": "voided",
    # The authorization lapsed before capture: no money will come, as with a voided payment.
    "expired": "voided",
}
FINANCIAL_DEFAULT = "pending"

# Order.fulfillment_status: unfulfilled, partial, fulfilled, delivered, cancelled. REST sends null for
# unfulfilled; GraphQL's displayFulfillmentStatus has more words for the states before shipping.
FULFILLMENT = {
    "unfulfilled": "unfulfilled",
    "open": "unfulfilled",
    "pending_fulfillment": "unfulfilled",
    "in_progress": "unfulfilled",
    "on_hold": "unfulfilled",
    "scheduled": "unfulfilled",
    "request_declined": "unfulfilled",
    "partial": "partial",
    "partially_fulfilled": "partial",
    "fulfilled": "fulfilled",
    # Items put back on the shelf: nothing will ship.
    "restocked": "cancelled",
}
FULFILLMENT_DEFAULT = "unfulfilled"

# Shipment.status: label_created, in_transit, out_for_delivery, delivered, exception, returned. The REST
# `shipment_status` and GraphQL `displayStatus` share these words (GraphQL in upper case).
SHIPMENT = {
    "label_printed": "label_created",
    "label_purchased": "label_created",
    "confirmed": "label_created",
    "submitted": "label_created",
    "ready_for_pickup": "label_created",
    # Marked fulfilled with no carrier scan yet.
    "fulfilled": "label_created",
    "marked_as_fulfilled": "label_created",
    "carrier_picked_up": "in_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "attempted_delivery": "exception",
    "delivered": "delivered",
    "picked_up": "delivered",
    "failure": "exception",
    "not_delivered": "exception",
    "canceled": "exception",
}
# The carrier statuses that come from a carrier's scan (not from the merchant marking the order fulfilled).
CARRIER_SCANS = frozenset(
    {"carrier_picked_up", "in_transit", "out_for_delivery", "attempted_delivery", "delivered", "picked_up"}
    | {"not_delivered"}
)
# Fulfillment.status when there is no carrier status: pending/open means not handed over yet, the failed
# and cancelled ones need someone to look.
FULFILLMENT_RECORD = {
    "pending": "label_created",
    "open": "label_created",
    "success": "label_created",
    "cancelled": "exception",
    "error": "exception",
    "failure": "exception",
}
SHIPMENT_DEFAULT = "label_created"

PRODUCT = {"active": "active", "archived": "archived", "draft": "draft", "unlisted": "active"}

CHANNELS = {
    "web": "web",
    "pos": "pos",
    "shopify_draft_order": "draft",
    "draft": "draft",
    "iphone": "mobile",
    "android": "mobile",
    "phone": "phone",
}


def financial(value: object) -> str:
    """Return the model's financial status for Shopify's `financial_status` / `displayFinancialStatus`."""
    return FINANCIAL.get(enum_value(value) or "", FINANCIAL_DEFAULT)


def fulfillment(value: object) -> str:
    """Return the model's fulfillment status for `fulfillment_status` / `displayFulfillmentStatus`."""
    return FULFILLMENT.get(enum_value(value) or "", FULFILLMENT_DEFAULT)


def shipment(carrier_status: object, record_status: object) -> str:
    """Return the model's shipment status from the carrier's status, else the fulfillment's own."""
    carrier = enum_value(carrier_status)
    if carrier in SHIPMENT:
        return SHIPMENT[carrier]
    return FULFILLMENT_RECORD.get(enum_value(record_status) or "", SHIPMENT_DEFAULT)


def channel(source_name: object) -> str:
    """Return the sales channel: Shopify's source names, an app's numeric id as `app`."""
    name = enum_value(source_name)
    if name is None:
        return "web"
    if name in CHANNELS:
        return CHANNELS[name]
    return "app" if name.isdigit() else name[:32]


def product(value: object) -> str:
    """Return the product status (active, archived, draft)."""
    return PRODUCT.get(enum_value(value) or "", "active")
