"""Stores, suppliers, products, SKUs, locations and inventory."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType, SourceMixin
from hotdash.db.types import Money


class Store(IdMixin, SourceMixin, Base):
    """A shop or sales channel; its currency prices its orders and its timezone shapes its business day."""

    __tablename__ = "stores"

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(
        String(2), doc="ISO 3166-1 alpha-2 code; its public holidays close the business calendar"
    )
    subdivision: Mapped[str | None] = mapped_column(
        String(10), doc="state or region code within the country (as the holidays package names it)"
    )
    created_at: Mapped[datetime]


class Supplier(IdMixin, SourceMixin, Base):
    """A vendor we reorder from; lead time and reliability drive reorder and expedite decisions."""

    __tablename__ = "suppliers"

    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    lead_time_days: Mapped[int] = mapped_column(Integer)
    on_time_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), doc="share of purchase orders on time, 0..1")
    rush_fee: Mapped[Decimal | None] = mapped_column(Money, doc="typical fee to expedite one shipment")


class Product(IdMixin, SourceMixin, Base):
    """A product as merchandised; its SKUs are what is sold and stocked."""

    __tablename__ = "products"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(120))
    vendor: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(Text, default="", doc="comma-separated, as Shopify keeps them")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Sku(IdMixin, SourceMixin, Base):
    """A sellable, stockable variant of a product."""

    __tablename__ = "skus"

    product_id: Mapped[int] = mapped_column(IdType, ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("suppliers.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), index=True, doc="the merchant's SKU code")
    title: Mapped[str] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Money)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    tags: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Location(IdMixin, SourceMixin, Base):
    """A warehouse, 3PL or shop that holds stock and ships orders."""

    __tablename__ = "locations"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), doc="warehouse, 3pl or retail")
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class InventoryLevel(IdMixin, SourceMixin, Base):
    """Stock of one SKU at one location."""

    __tablename__ = "inventory_levels"

    sku_id: Mapped[int] = mapped_column(IdType, ForeignKey("skus.id"))
    location_id: Mapped[int] = mapped_column(IdType, ForeignKey("locations.id"), index=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer, doc="on hand less committed to open orders")
    incoming: Mapped[int] = mapped_column(Integer, default=0, doc="on open purchase orders")
    incoming_eta: Mapped[datetime | None]
    updated_at: Mapped[datetime]


UniqueConstraint(InventoryLevel.sku_id, InventoryLevel.location_id, name="uq_inventory_levels_sku_location")
