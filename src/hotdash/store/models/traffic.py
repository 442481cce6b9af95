"""Web analytics: sessions, conversions and revenue per landing page and day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType, SourceMixin
from hotdash.db.types import Money


class PageTraffic(IdMixin, SourceMixin, Base):
    """One landing page's traffic on one day (in the store's timezone)."""

    __tablename__ = "page_traffic"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(Date)
    landing_page: Mapped[str] = mapped_column(String(512))
    sessions: Mapped[int] = mapped_column(Integer)
    conversions: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Money)


UniqueConstraint(
    PageTraffic.store_id, PageTraffic.day, PageTraffic.landing_page, name="uq_page_traffic_day_page"
)
Index("ix_page_traffic_page_day", PageTraffic.landing_page, PageTraffic.day)
