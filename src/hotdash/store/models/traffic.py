"""Web analytics per landing page and day: sessions, conversions, revenue, and search clicks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType, SourceMixin
from hotdash.db.types import Money


class PageTraffic(IdMixin, SourceMixin, Base):
    """One landing page's traffic on one day (in the store's timezone).

    Sessions, conversions and revenue come from web analytics (GA4); search clicks and impressions from Search
    Console. They are separate columns because they count different things, and a row is unique per store, day
    and page across sources: each source fills its own columns of the same row. The analytics figures default
    to 0 so a page Search Console knows before GA4 does can be stored; GA4 fills them when it reports the day.
    """

    __tablename__ = "page_traffic"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(Date)
    landing_page: Mapped[str] = mapped_column(String(512))
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    search_clicks: Mapped[int | None] = mapped_column(
        Integer, doc="clicks from Google Search (Search Console)"
    )
    search_impressions: Mapped[int | None] = mapped_column(
        Integer, doc="times shown in Google Search results"
    )


UniqueConstraint(
    PageTraffic.store_id, PageTraffic.day, PageTraffic.landing_page, name="uq_page_traffic_day_page"
)
Index("ix_page_traffic_page_day", PageTraffic.landing_page, PageTraffic.day)
