"""The entity catalogue: every record kind a rule can select, its fields with types and help, its relations.

`docs/rules.md` shows these tables; `tests/detection/test_rules_doc.py` keeps the page in step with this file.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, select

from hotdash.detection.expression.entities_ops import EXTRA_ENTITIES
from hotdash.detection.expression.entities_skus import SKUS
from hotdash.detection.expression.fields import (
    Entity,
    Field,
    Relation,
    Scope,
    as_value,
    column,
    derived,
    hours_between,
    minutes_between,
    past_promise_hours,
    ratio,
)
from hotdash.detection.expression.tunables import tunable_bind
from hotdash.detection.expression.types import FieldType as T
from hotdash.store import definitions
from hotdash.store.entities import (
    CUSTOMER,
    INVENTORY_LEVEL,
    LOCATION,
    ORDER,
    PAGE,
    PRODUCT,
    SHIPMENT,
    SUPPLIER,
    TICKET,
)
from hotdash.store.models import (
    Location,
    Order,
    OrderLine,
    Ticket,
)

HIGH_VALUE = ("cx.high_value_above",)


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


def _order_first(scope: Scope) -> ColumnElement[Any]:
    return definitions.order_is_first(scope.table)


def _order_vip(scope: Scope) -> ColumnElement[Any]:
    return definitions.has_vip_customer(scope.table.customer_id)


def _high_value(attribute: str) -> Any:
    def build(scope: Scope) -> ColumnElement[Any]:
        line = tunable_bind(scope.tunables, "cx.high_value_above")
        return definitions.above(getattr(scope.table, attribute), line)

    return build


def _order_units(scope: Scope) -> ColumnElement[Any]:
    units = select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(OrderLine.order_id == scope.table.id)
    return as_value(units.scalar_subquery(), T.number)


def _order_lines(scope: Scope) -> ColumnElement[Any]:
    lines = select(func.count()).select_from(OrderLine).where(OrderLine.order_id == scope.table.id)
    return as_value(lines.scalar_subquery(), T.number)


ORDERS = Entity(
    ORDER,
    "Customer orders, one record per order.",
    _fields(
        column("number", T.text, 'The order name customers see, e.g. "#1042".'),
        column("channel", T.text, "Where it was placed: web, pos, marketplace, draft, ..."),
        column("currency", T.text, "Three-letter currency code of the order's amounts."),
        column("subtotal", T.money, "Sum of the lines before discounts, shipping and tax."),
        column("discount_total", T.money, "Discounts given on the order."),
        column("shipping_total", T.money, "Shipping charged."),
        column("tax_total", T.money, "Tax charged."),
        column("total", T.money, "What the customer paid, in the order's currency."),
        column(
            "financial_status",
            T.text,
            "pending, authorized, paid, partially_refunded, refunded or voided.",
        ),
        column("fulfillment_status", T.text, "unfulfilled, partial, fulfilled, delivered or cancelled."),
        column("tags", T.text, "Comma-separated tags; test one with contains_tag(tags, 'vip')."),
        column("landing_page", T.text, "The page the customer's visit started on, if known."),
        column("cancel_reason", T.text, "Why it was cancelled, if it was."),
        column("source", T.text, "The system it was imported from."),
        column("placed_at", T.timestamp, "When the customer placed it."),
        column("ship_by", T.timestamp, "The promised ship-by time."),
        column("deliver_by", T.timestamp, "The promised delivery time."),
        column("fulfilled_at", T.timestamp, "When it was shipped in full."),
        column("cancelled_at", T.timestamp, "When it was cancelled; NULL if it was not."),
        column("updated_at", T.timestamp, "Last change in the source system."),
        derived(
            "age_hours",
            T.number,
            "Hours since it was placed.",
            lambda s: hours_between(s.now, s.table.placed_at),
        ),
        derived(
            "delay_hours",
            T.number,
            "Hours past its promise, as Fulfillment Health counts delays: since ship_by while unfulfilled "
            "or partial, since deliver_by while shipped (fulfilled) and not delivered; 0 otherwise, and 0 "
            "for cancelled orders.",
            past_promise_hours,
        ),
        derived(
            "is_delayed",
            T.bool,
            "Past its promise now (ship_by while unfulfilled or partial, deliver_by while shipped and not "
            "delivered; never when cancelled): a delayed order, as Fulfillment Health counts it.",
            # Never NULL (a missing promise is not a delay), so that NOT is_delayed selects those orders.
            lambda s: func.coalesce(definitions.order_is_delayed(s.table, s.now), false()),
        ),
        derived(
            "is_high_value",
            T.bool,
            "total > tunable('cx.high_value_above'): a high-value order (guide: >$500).",
            _high_value("total"),
            HIGH_VALUE,
        ),
        derived(
            "value",
            T.money,
            "The order's total (an alias that reads well in rules).",
            lambda s: as_value(s.table.total, T.money),
        ),
        derived("is_vip", T.bool, "Its customer is marked VIP; false without a customer.", _order_vip),
        derived(
            "is_first_order",
            T.bool,
            "No earlier order (not cancelled) of the same customer exists; false without a customer.",
            _order_first,
        ),
        derived("units", T.number, "Units over all its lines.", _order_units),
        derived("line_count", T.number, "Number of lines.", _order_lines),
    ),
    {
        "customer": Relation("customer", "customers", "The buyer.", "customer_id"),
        "location": Relation("location", "locations", "The location assigned to fulfil it.", "location_id"),
    },
    in_store=lambda t, store_id: t.store_id == store_id,
)

CUSTOMERS = Entity(
    CUSTOMER,
    "Buyers, with lifetime figures kept current as orders arrive.",
    _fields(
        column("email", T.text, "Email address."),
        column("name", T.text, "Full name."),
        column("country", T.text, "Two-letter country code."),
        column("orders_count", T.number, "Orders placed so far."),
        column("total_spent", T.money, "Lifetime spend."),
        column("is_vip", T.bool, "Marked VIP."),
        column("tags", T.text, "Comma-separated tags."),
        column("first_order_at", T.timestamp, "When the first order was placed."),
        column("created_at", T.timestamp, "When the customer record was created."),
        column("updated_at", T.timestamp, "Last change in the source system."),
        derived(
            "is_first_order",
            T.bool,
            "Has exactly one order so far: a first-time buyer.",
            lambda s: definitions.customer_is_first_time_buyer(s.table),
        ),
        derived(
            "open_tickets",
            T.number,
            "Support tickets of this customer not yet solved or closed.",
            lambda s: as_value(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.customer_id == s.table.id, definitions.ticket_is_open(Ticket))
                .scalar_subquery(),
                T.number,
            ),
        ),
    ),
    in_store=lambda t, store_id: t.store_id == store_id,
)


def _high_value_issue(scope: Scope) -> ColumnElement[Any]:
    return definitions.ticket_is_high_value(scope.table, tunable_bind(scope.tunables, "cx.high_value_above"))


TICKETS = Entity(
    TICKET,
    "Support tickets (helpdesk conversations).",
    _fields(
        column("channel", T.text, "email, chat, phone, social or web."),
        column("subject", T.text, "The subject line."),
        column("category", T.text, "The main reason, e.g. wismo, damaged."),
        column("tags", T.text, "Comma-separated tags."),
        column("priority", T.text, "low, normal, high or urgent."),
        column("status", T.text, "new, open, pending, on_hold, solved or closed."),
        column("csat", T.number, "Satisfaction rating 1..5, if given."),
        column("quality_score", T.number, "QA review score 0..1, if reviewed."),
        column("is_escalated", T.bool, "Escalated."),
        column("legal_threat", T.bool, "The customer threatened legal action."),
        column("regulatory_threat", T.bool, "The customer threatened a regulator complaint."),
        column("value_at_stake", T.money, "Order value or refund asked for."),
        column("created_at", T.timestamp, "When the customer wrote."),
        column("first_response_at", T.timestamp, "When the team first answered."),
        column("resolved_at", T.timestamp, "When it was solved."),
        column("escalated_at", T.timestamp, "When it was escalated."),
        column("updated_at", T.timestamp, "Last change in the helpdesk."),
        derived(
            "age_hours",
            T.number,
            "Hours since it was created.",
            lambda s: hours_between(s.now, s.table.created_at),
        ),
        derived(
            "is_open",
            T.bool,
            "Status is new, open, pending or on_hold.",
            lambda s: definitions.ticket_is_open(s.table),
        ),
        derived(
            "is_high_value",
            T.bool,
            "Escalated with value_at_stake > tunable('cx.high_value_above'): a high-value issue (guide: "
            ">$500).",
            _high_value_issue,
            HIGH_VALUE,
        ),
        derived(
            "is_urgent",
            T.bool,
            "On the urgent first-response SLA: priority urgent, a legal or regulatory threat, or a "
            "high-value issue (the guide's 'Urgent Escalations (15-min SLA)').",
            lambda s: definitions.ticket_is_urgent(s.table, tunable_bind(s.tunables, "cx.high_value_above")),
            HIGH_VALUE,
        ),
        derived(
            "first_response_minutes",
            T.number,
            "Wall-clock minutes from creation to the first answer; NULL while unanswered. (The SLA tile "
            "counts business minutes; see 'Not yet in the language'.)",
            lambda s: minutes_between(s.table.first_response_at, s.table.created_at),
        ),
        derived(
            "minutes_waiting",
            T.number,
            "Wall-clock minutes an unanswered ticket has waited; NULL once answered.",
            lambda s: case((s.table.first_response_at.is_(None), minutes_between(s.now, s.table.created_at))),
        ),
    ),
    {
        "customer": Relation("customer", "customers", "The customer who wrote.", "customer_id"),
        "order": Relation("order", "orders", "The order it is about, if linked.", "order_id"),
    },
    in_store=lambda t, store_id: t.store_id == store_id,
)


def _last_scan(scope: Scope) -> ColumnElement[Any]:
    return func.coalesce(scope.table.last_event_at, scope.table.shipped_at)


SHIPMENTS = Entity(
    SHIPMENT,
    "Parcels sent to customers (fulfillments) with their carrier tracking.",
    _fields(
        column("carrier", T.text, "The carrier, e.g. UPS."),
        column("service", T.text, "The carrier's service level."),
        column("tracking_number", T.text, "The carrier's tracking number."),
        column(
            "status",
            T.text,
            "label_created, in_transit, out_for_delivery, delivered, exception or returned.",
        ),
        column("shipped_at", T.timestamp, "When it left."),
        column("estimated_delivery_at", T.timestamp, "The carrier's delivery estimate."),
        column("delivered_at", T.timestamp, "When it was delivered."),
        column("last_event_at", T.timestamp, "Time of the latest carrier scan."),
        column("updated_at", T.timestamp, "Last change in the source system."),
        derived(
            "hours_since_last_scan",
            T.number,
            "Hours since the latest carrier scan (or since shipping, before any scan); NULL if neither.",
            lambda s: hours_between(s.now, _last_scan(s)),
        ),
        derived(
            "is_late",
            T.bool,
            "Not delivered and past the carrier's estimate.",
            lambda s: and_(s.table.delivered_at.is_(None), s.table.estimated_delivery_at < s.now),
        ),
    ),
    {
        "order": Relation("order", "orders", "The order it ships.", "order_id"),
        "location": Relation("location", "locations", "Where it left from.", "location_id"),
    },
    in_store=lambda t, store_id: t.order_id.in_(select(Order.id).where(Order.store_id == store_id)),
)


INVENTORY_LEVELS = Entity(
    INVENTORY_LEVEL,
    "Stock of one SKU at one location.",
    _fields(
        column("on_hand", T.number, "Units on hand."),
        column("available", T.number, "On hand less committed to open orders."),
        column("incoming", T.number, "Units on open purchase orders."),
        column("incoming_eta", T.timestamp, "When the open purchase order is due."),
        column("updated_at", T.timestamp, "Last change in the source system."),
    ),
    {
        "sku": Relation("sku", "skus", "The SKU stocked.", "sku_id"),
        "location": Relation("location", "locations", "Where it is stocked.", "location_id"),
    },
    in_store=lambda t, store_id: t.location_id.in_(select(Location.id).where(Location.store_id == store_id)),
)

PAGE_TRAFFIC = Entity(
    PAGE,
    "One landing page's traffic on one day (in the store's timezone).",
    _fields(
        column("day", T.date, "The day."),
        column("landing_page", T.text, "The page visits started on."),
        column("sessions", T.number, "Visits."),
        column("conversions", T.number, "Visits that ordered."),
        column("revenue", T.money, "Revenue of those orders."),
        derived(
            "conversion_rate",
            T.number,
            "conversions / sessions (0..1); NULL without sessions.",
            lambda s: ratio(s.table.conversions, s.table.sessions),
        ),
        derived(
            "revenue_per_session",
            T.money,
            "revenue / sessions; NULL without sessions.",
            lambda s: ratio(s.table.revenue, s.table.sessions),
        ),
    ),
    in_store=lambda t, store_id: t.store_id == store_id,
)

LOCATIONS = Entity(
    LOCATION,
    "Warehouses, 3PLs and shops that hold stock and ship orders.",
    _fields(
        column("name", T.text, "Its name."),
        column("kind", T.text, "warehouse, 3pl or retail."),
        column("country", T.text, "Two-letter country code."),
        column("region", T.text, "Region or state."),
        column("timezone", T.text, "IANA timezone, e.g. Europe/Paris."),
        column("is_active", T.bool, "In use."),
    ),
    in_store=lambda t, store_id: t.store_id == store_id,
)

PRODUCTS = Entity(
    PRODUCT,
    "Products as merchandised; their SKUs are what is sold.",
    _fields(
        column("title", T.text, "Its title."),
        column("handle", T.text, "URL handle."),
        column("product_type", T.text, "Product type."),
        column("vendor", T.text, "Brand or vendor."),
        column("tags", T.text, "Comma-separated tags."),
        column("status", T.text, "active, draft or archived."),
        column("created_at", T.timestamp, "When it was created."),
    ),
    in_store=lambda t, store_id: t.store_id == store_id,
)

SUPPLIERS = Entity(
    SUPPLIER,
    "Vendors we reorder from.",
    _fields(
        column("name", T.text, "Its name."),
        column("lead_time_days", T.number, "Days from purchase order to delivery."),
        column("on_time_rate", T.number, "Share of purchase orders delivered on time, 0..1."),
        column("rush_fee", T.money, "Typical fee to expedite one shipment."),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        ORDERS,
        TICKETS,
        SHIPMENTS,
        SKUS,
        CUSTOMERS,
        PAGE_TRAFFIC,
        INVENTORY_LEVELS,
        LOCATIONS,
        PRODUCTS,
        SUPPLIERS,
    )
}
# Added for the default rule pack (hotdash.detection.defaults): refunds and team members.
ENTITIES.update({e.name: e for e in EXTRA_ENTITIES})
