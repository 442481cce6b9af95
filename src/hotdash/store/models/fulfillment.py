"""Shipments (fulfillments) and their carrier tracking events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType, SourceMixin


class Shipment(IdMixin, SourceMixin, Base):
    """A parcel that left a location for a customer."""

    __tablename__ = "shipments"

    order_id: Mapped[int] = mapped_column(IdType, ForeignKey("orders.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("locations.id"))
    carrier: Mapped[str | None] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(128))
    tracking_url: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(
        String(24), doc="label_created, in_transit, out_for_delivery, delivered, exception, returned"
    )
    shipped_at: Mapped[datetime | None]
    estimated_delivery_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None] = mapped_column(doc="time of the latest carrier scan")
    updated_at: Mapped[datetime]


class TrackingEvent(IdMixin, SourceMixin, Base):
    """One carrier scan of a shipment."""

    __tablename__ = "tracking_events"

    shipment_id: Mapped[int] = mapped_column(IdType, ForeignKey("shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))
    description: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(120))


Index("ix_shipments_carrier_shipped", Shipment.carrier, Shipment.shipped_at)
Index("ix_shipments_location_shipped", Shipment.location_id, Shipment.shipped_at)
Index("ix_tracking_events_shipment_time", TrackingEvent.shipment_id, TrackingEvent.occurred_at)
# Parcels on their way by their last scan: the silent-parcel check reads only the silent ones (2k of 1M
# parcels on the large demo) instead of every parcel of every order on its way.
Index(
    "ix_shipments_undelivered_last_scan",
    Shipment.delivered_at,
    func.coalesce(Shipment.last_event_at, Shipment.shipped_at),
)
