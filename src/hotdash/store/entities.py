"""The canonical entities of the operations model, registered into the kernel's entity registry.

Importing this module registers them; everything that names an entity imports it (or `ENTITIES` from here).
"""

from __future__ import annotations

from hotdash.kernel.entities import ENTITIES, Entity
from hotdash.store.models import (
    BusinessHours,
    CalendarEvent,
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderLine,
    PageTraffic,
    Product,
    Refund,
    Return,
    Shipment,
    Sku,
    Store,
    Supplier,
    TeamMember,
    Ticket,
    TrackingEvent,
)

__all__ = ["ENTITIES", "Entity"]


def _customer(c: Customer) -> str:
    return c.name or c.email or f"Customer {c.id}"


ORDER = Entity(
    "order", "orders", Order, "Order", "Orders", ("number",), "Order number", lambda o: f"Order {o.number}"
)
TICKET = Entity(
    "ticket", "tickets", Ticket, "Ticket", "Tickets", ("external_id",), "Ticket ID", lambda t: t.subject
)
SHIPMENT = Entity(
    "shipment",
    "shipments",
    Shipment,
    "Shipment",
    "Shipments",
    ("tracking_number",),
    "Tracking number",
    lambda s: f"Shipment {s.tracking_number or s.id}",
)
SKU = Entity("sku", "skus", Sku, "SKU", "SKUs", ("sku",), "SKU code", lambda s: f"{s.sku} · {s.title}")
# A page's records are its days of traffic: any one of them opens the landing page's record page.
PAGE = Entity(
    "page",
    "page_traffic",
    PageTraffic,
    "Landing page",
    "Pages",
    ("landing_page",),
    "Path",
    lambda p: p.landing_page,
)
CUSTOMER = Entity("customer", "customers", Customer, "Customer", "Customers", ("email",), "Email", _customer)
TEAM_MEMBER = Entity(
    "team_member",
    "team_members",
    TeamMember,
    "Team member",
    "Team members",
    ("email",),
    "Email",
    lambda m: m.name,
)
REFUND = Entity(
    "refund",
    "refunds",
    Refund,
    "Refund",
    "Refunds",
    ("external_id",),
    "Refund ID",
    lambda r: f"Refund {r.id}",
)
LOCATION = Entity(
    "location", "locations", Location, "Location", "Locations", ("name",), "Name", lambda loc: loc.name
)
PRODUCT = Entity(
    "product", "products", Product, "Product", "Products", ("handle",), "Handle", lambda p: p.title
)
SUPPLIER = Entity(
    "supplier", "suppliers", Supplier, "Supplier", "Suppliers", ("name",), "Name", lambda s: s.name
)

# Known to ingestion and the rule language, shown only inside their parent's page.
INVENTORY_LEVEL = Entity(
    "inventory_level",
    "inventory_levels",
    InventoryLevel,
    "Inventory level",
    "Inventory levels",
    ("sku_id", "location_id"),
    "SKU and location",
    lambda lv: f"Stock of SKU {lv.sku_id} at location {lv.location_id}",
    has_page=False,
)
ORDER_LINE = Entity(
    "order_line",
    "order_lines",
    OrderLine,
    "Order line",
    "Order lines",
    ("external_id",),
    "Line ID",
    lambda ln: ln.title,
    has_page=False,
)
RETURN = Entity(
    "return",
    "returns",
    Return,
    "Return",
    "Returns",
    ("external_id",),
    "Return ID",
    lambda r: f"Return {r.id}",
    has_page=False,
)
TRACKING_EVENT = Entity(
    "tracking_event",
    "tracking_events",
    TrackingEvent,
    "Tracking event",
    "Tracking events",
    ("external_id",),
    "Event ID",
    lambda e: e.status,
    has_page=False,
)
CALENDAR_EVENT = Entity(
    "calendar_event",
    "calendar_events",
    CalendarEvent,
    "Calendar event",
    "Calendar events",
    ("external_id",),
    "Event ID",
    lambda e: e.name,
    has_page=False,
)

STORE = Entity(
    "store", "stores", Store, "Store", "Stores", ("name",), "Name", lambda st: st.name, has_page=False
)
BUSINESS_HOURS = Entity(
    "business_hours",
    "business_hours",
    BusinessHours,
    "Business hours",
    "Business hours",
    ("store_id", "weekday"),
    "Store and weekday",
    lambda h: f"Weekday {h.weekday}: {h.opens:%H:%M} to {h.closes:%H:%M}",
    has_page=False,
)

ENTITIES.register(
    STORE,
    ORDER,
    TICKET,
    SHIPMENT,
    SKU,
    PAGE,
    CUSTOMER,
    TEAM_MEMBER,
    REFUND,
    LOCATION,
    PRODUCT,
    SUPPLIER,
    INVENTORY_LEVEL,
    ORDER_LINE,
    RETURN,
    TRACKING_EVENT,
    CALENDAR_EVENT,
    BUSINESS_HOURS,
)
