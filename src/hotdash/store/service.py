"""Queries over the canonical model that every part of HotDash can ask the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.db import migrate
from hotdash.db.base import Base
from hotdash.store.entities import ENTITIES as REGISTRY
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

# Every table of the model, in the order a person reads it (sales first, then catalog, fulfilment, support,
# team). tests/store/test_service.py checks that no table is missing.
OVERVIEW_ORDER: tuple[type[Base], ...] = (
    Store,
    Customer,
    Order,
    OrderLine,
    Refund,
    Return,
    Product,
    Sku,
    Supplier,
    Location,
    InventoryLevel,
    Shipment,
    TrackingEvent,
    Ticket,
    PageTraffic,
    TeamMember,
    BusinessHours,
    CalendarEvent,
)
# The overview counts rows, and a landing page has one row per day of traffic.
_COUNTED_AS: dict[type[Base], str] = {PageTraffic: "Page traffic (page-days)"}
# Each table with the label shown on screen: the registry's plural label.
ENTITIES: tuple[tuple[type[Base], str], ...] = tuple(
    (model, _COUNTED_AS.get(model) or REGISTRY.by_model(model).plural) for model in OVERVIEW_ORDER
)


@dataclass(frozen=True, slots=True)
class EntityCount:
    """How many rows one table of the model holds."""

    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """A store as the overview shows it."""

    id: int
    name: str
    currency: str
    timezone: str


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """The first and last timestamp (UTC) of one kind of record; both None when there is none."""

    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class DaySpan:
    """The first and last day of a day-grained record, already in the store's own calendar."""

    first: date | None
    last: date | None


@dataclass(frozen=True, slots=True)
class DateRange:
    """How far back and forward the loaded data reaches."""

    orders: TimeSpan
    tickets: TimeSpan
    page_traffic: DaySpan


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """What is loaded: row counts per entity, the stores, the date range and the schema revision."""

    entities: tuple[EntityCount, ...]
    stores: tuple[StoreSummary, ...]
    date_range: DateRange
    schema_revision: str | None
    head_revision: str

    @property
    def total_rows(self) -> int:
        """Return the number of rows across every entity."""
        return sum(entity.count for entity in self.entities)

    @property
    def is_empty(self) -> bool:
        """Return True when nothing has been generated or imported yet."""
        return self.total_rows == 0

    @property
    def schema_up_to_date(self) -> bool:
        """Return True when the database is at the newest migration the code knows."""
        return self.schema_revision == self.head_revision

    @property
    def display_timezone(self) -> str:
        """Return the zone to show times in: the stores' own when they share one valid zone, else UTC."""
        zones = {store.timezone for store in self.stores}
        if len(zones) != 1:
            # With no store there is no local day; with several zones any single choice misleads someone.
            return "UTC"
        (zone,) = zones
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            # The zone came from an imported record; a typo there must not take the overview down.
            return "UTC"
        return zone


@cache
def _head_revision() -> str:
    # Reading the migration scripts parses files from disk; they cannot change while the process runs.
    return migrate.head_revision()


def entity_counts(*, session: Session) -> tuple[EntityCount, ...]:
    """Count the rows of every entity in a single query."""
    # One SELECT of scalar subqueries: one round trip, and each COUNT(*) runs in the database.
    columns = [
        select(func.count()).select_from(model).scalar_subquery().label(model.__tablename__)
        for model, _label in ENTITIES
    ]
    row = session.execute(select(*columns)).one()
    return tuple(
        EntityCount(key=model.__tablename__, label=label, count=int(row[index]))
        for index, (model, label) in enumerate(ENTITIES)
    )


def date_range(*, session: Session) -> DateRange:
    """Return the earliest and latest order, ticket and traffic day in a single query."""
    # Independent scalar subqueries in one statement: one round trip, and no table is joined to another.
    row = session.execute(
        select(
            select(func.min(Order.placed_at)).scalar_subquery(),
            select(func.max(Order.placed_at)).scalar_subquery(),
            select(func.min(Ticket.created_at)).scalar_subquery(),
            select(func.max(Ticket.created_at)).scalar_subquery(),
            select(func.min(PageTraffic.day)).scalar_subquery(),
            select(func.max(PageTraffic.day)).scalar_subquery(),
        )
    ).one()
    return DateRange(
        orders=TimeSpan(first=row[0], last=row[1]),
        tickets=TimeSpan(first=row[2], last=row[3]),
        page_traffic=DaySpan(first=row[4], last=row[5]),
    )


def list_stores(*, session: Session) -> tuple[StoreSummary, ...]:
    """Return every store with its currency and timezone, oldest first."""
    rows = session.execute(select(Store.id, Store.name, Store.currency, Store.timezone).order_by(Store.id))
    return tuple(
        StoreSummary(id=row.id, name=row.name, currency=row.currency, timezone=row.timezone) for row in rows
    )


def dataset_summary(*, session: Session) -> DatasetSummary:
    """Summarise what is loaded: counts per entity, stores, date range and schema revision."""
    # Read the revision on the session's own connection so it describes the same snapshot as the counts.
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    return DatasetSummary(
        entities=entity_counts(session=session),
        stores=list_stores(session=session),
        date_range=date_range(session=session),
        schema_revision=revision,
        head_revision=_head_revision(),
    )
