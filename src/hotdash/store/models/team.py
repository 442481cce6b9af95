"""Team members and the business calendar."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType, SourceMixin
from hotdash.db.types import Money


class TeamMember(IdMixin, SourceMixin, Base):
    """An operator, lead or manager, with personal targets and working hours."""

    __tablename__ = "team_members"

    store_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24), doc="support, sales, warehouse, lead, manager")
    team: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    hired_on: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    work_start: Mapped[time] = mapped_column(Time, doc="local start of the working day")
    work_end: Mapped[time] = mapped_column(Time)
    work_days: Mapped[str] = mapped_column(String(16), doc="ISO weekdays worked, e.g. 12345")
    target_first_response_minutes: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    target_quality: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    target_csat: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    target_escalation_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    target_tickets_per_day: Mapped[int | None] = mapped_column(Integer)
    target_revenue_monthly: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime]


class BusinessHours(IdMixin, Base):
    """When a store's team works on one ISO weekday; SLAs are counted in these hours."""

    __tablename__ = "business_hours"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"))
    weekday: Mapped[int] = mapped_column(Integer, doc="ISO weekday, 1 = Monday")
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class CalendarEvent(IdMixin, SourceMixin, Base):
    """A holiday (no business hours), a promotion or a peak period, in the store's local dates."""

    __tablename__ = "calendar_events"

    store_id: Mapped[int] = mapped_column(IdType, ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="holiday, promotion or peak")
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, doc="inclusive")


UniqueConstraint(BusinessHours.store_id, BusinessHours.weekday, name="uq_business_hours_store_weekday")
