"""The canonical operations model: every source maps into these tables."""

from hotdash.store.models.catalog import InventoryLevel, Location, Product, Sku, Store, Supplier
from hotdash.store.models.fulfillment import Shipment, TrackingEvent
from hotdash.store.models.ingest import ImportRun, InboundEvent, Source
from hotdash.store.models.rollups import DelaySpan, SalesHourly, ShipByHourly, SkuSalesDaily
from hotdash.store.models.sales import Customer, Order, OrderLine, Refund, Return
from hotdash.store.models.support import Ticket
from hotdash.store.models.team import BusinessHours, CalendarEvent, TeamMember
from hotdash.store.models.traffic import PageTraffic

__all__ = [
    "BusinessHours",
    "CalendarEvent",
    "Customer",
    "DelaySpan",
    "ImportRun",
    "InboundEvent",
    "InventoryLevel",
    "Location",
    "Order",
    "OrderLine",
    "PageTraffic",
    "Product",
    "Refund",
    "Return",
    "SalesHourly",
    "ShipByHourly",
    "Shipment",
    "Sku",
    "SkuSalesDaily",
    "Source",
    "Store",
    "Supplier",
    "TeamMember",
    "Ticket",
    "TrackingEvent",
]
