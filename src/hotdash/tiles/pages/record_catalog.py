"""Record pages of the catalogue and the network: a location, a product, a supplier."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from hotdash.store.entities import ENTITIES
from hotdash.store.models import Location, Order, Product, Sku, Supplier
from hotdash.tiles.pages.record_cells import Cell, Ctx, num, text, yes
from hotdash.tiles.pages.record_page import RecordPage, store_name
from hotdash.tiles.pages.record_stock import sku_table
from hotdash.tiles.pages.record_tables import order_table

# Rows listed under a location, product or supplier; the busiest warehouse has thousands of orders.
LISTED = 50
OPEN_ORDER_STATUSES = ("unfulfilled", "partial")


def location_page(ctx: Ctx, location: Location) -> RecordPage:
    """A warehouse, 3PL or shop with its open orders, the most urgent first."""
    page = RecordPage("location", ENTITIES.get("location").display_name(location))
    page.fields = [
        ("Store", store_name(ctx.session, location.store_id)),
        ("Kind", text(location.kind)),
        ("Country", text(location.country)),
        ("Region", text(location.region)),
        ("Timezone", text(location.timezone)),
        ("Active", yes(location.is_active, flag=None)),
    ]
    open_orders = list(
        ctx.session.scalars(
            select(Order)
            .where(
                Order.location_id == location.id,
                Order.fulfillment_status.in_(OPEN_ORDER_STATUSES),
                Order.cancelled_at.is_(None),
            )
            .order_by(Order.ship_by, Order.id)
            .limit(LISTED)
        )
    )
    page.sections = [order_table(ctx, open_orders, f"Open orders, first {LISTED} to ship")]
    return page


def _skus(ctx: Ctx, where: ColumnElement[bool]) -> list[Sku]:
    return list(ctx.session.scalars(select(Sku).where(where).order_by(Sku.sku).limit(LISTED)))


def product_page(ctx: Ctx, product: Product) -> RecordPage:
    """A product with its SKUs and their stock."""
    page = RecordPage("product", ENTITIES.get("product").display_name(product))
    page.fields = [
        ("Store", store_name(ctx.session, product.store_id)),
        ("Type", text(product.product_type)),
        ("Vendor", text(product.vendor)),
        ("Status", text(product.status)),
        ("Tags", text(product.tags)),
    ]
    page.sections = [sku_table(ctx, _skus(ctx, Sku.product_id == product.id), "SKUs")]
    return page


def supplier_page(ctx: Ctx, supplier: Supplier) -> RecordPage:
    """A supplier with its lead time, reliability and the SKUs reordered from it."""
    page = RecordPage("supplier", ENTITIES.get("supplier").display_name(supplier))
    page.fields = [
        ("Contact", text(supplier.contact_email)),
        ("Lead time", Cell(f"{supplier.lead_time_days} d")),
        ("On time", Cell(f"{float(supplier.on_time_rate) * 100:.1f}%")),
        ("Rush fee", Cell(ctx.money(supplier.rush_fee)) if supplier.rush_fee is not None else text(None)),
        ("SKUs", num(ctx.session.scalar(select(func.count(Sku.id)).where(Sku.supplier_id == supplier.id)))),
    ]
    page.sections = [sku_table(ctx, _skus(ctx, Sku.supplier_id == supplier.id), f"SKUs, first {LISTED}")]
    return page
